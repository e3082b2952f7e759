"""The PyMC model of a workspace: the model of `beliefs.inference.spec` written for PyMC.

NUTS samples it; the exact engines (the grid and the forward filter) evaluate the same
`ModelSpec` with numpy, and the tests hold them to this model's log-density. dt_t is the time between steps in months. A latent without drift and
volatility is one constant w_j, independent of H. H is marginalised out (a `Potential` with `logsumexp`), so
NUTS samples only continuous unknowns, and P(H | rows) is the `Deterministic` softmax, per
draw. Which rows count and how much (`row_weight`: 0 for rows after the step, a group's
design effect for grouped rows, else 1) and, for moving latents, which step is "now"
(`current_step`) are data, so one compiled model serves every step; a moving latent's path
spans `path_length` steps (a power of two), so it also serves the next few added files.
With switching lines the hypotheses' rows and the states enter through one forward algorithm
over the chain of (line, states) (`_line_block`), read at `current_step`.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from beliefs.inference.likelihoods import path_length, path_months
from beliefs.inference.spec import ModelSpec, joint_states

ROW_WEIGHT = "row_weight"
CURRENT_STEP = "current_step"
LATENT = "latent"
LATENT_VALUE = "w"  # each latent's value at the prior date
LATENT_NOW = "w_now"  # each latent's value at the current step (per hypothesis when drift couples them)
HYPOTHESIS_PROBABILITY = "hypothesis_probability"


def build_model(spec: ModelSpec) -> pm.Model:
    """The PyMC model of `spec`, conditioned on no row yet (set `row_weight` to add rows).

    Parameters
    ----------
    spec : ModelSpec
        Priors, dynamics and row likelihoods of one workspace.

    Returns
    -------
    pymc.Model
        With data `row_weight` (and `current_step` for moving latents), the Potential(s) of the
        evidence and the Deterministic `hypothesis_probability`.
    """
    table = spec.table
    hypotheses, latents = spec.hypotheses, spec.latents
    coords = {"hypothesis": hypotheses, "row": table.row_ids}
    if latents:
        coords[LATENT] = latents
        coords["increment"] = np.arange(1, path_length(len(table.months)))
    log_prior = spec.log_prior
    with np.errstate(divide="ignore"):
        hypothesis_loglik = np.log(table.hypothesis)
    with pm.Model(coords=coords) as model:
        weights = pm.Data(ROW_WEIGHT, np.zeros(table.n_rows), dims="row")
        if spec.switches:
            latent_evidence = _latent_block(spec, weights) if latents else 0.0  # the same for every line: refused otherwise
            line = _line_block(spec, weights)
            pm.Potential("evidence", pt.logsumexp(line) + latent_evidence)
            pm.Deterministic(HYPOTHESIS_PROBABILITY, pt.special.softmax(line), dims="hypothesis")
            return model
        row_loglik = pm.Data("hypothesis_loglik", hypothesis_loglik, dims=("row", "hypothesis"))
        counted = pt.switch(pt.gt(weights[:, None], 0), weights[:, None] * row_loglik, 0.0)  # 0 * log 0 would be NaN
        joint = log_prior + counted.sum(axis=0)
        if latents:
            joint = joint + _latent_block(spec, weights)
        if spec.states:
            joint = joint + _state_block(spec, weights)
        pm.Potential("evidence", pt.logsumexp(joint))
        pm.Deterministic(HYPOTHESIS_PROBABILITY, pt.special.softmax(joint), dims="hypothesis")
    return model


def _line_block(spec: ModelSpec, weights):
    """The chain of (line, states) marginalised by the forward algorithm up to `current_step`:
    log P(line on that step's date, line and state rows so far), shape (hypothesis,).

    Each row is judged against the line and states of its date; after the current step the
    chain is not carried on, so the line's probabilities are those of the step's date.
    """
    table = spec.table
    line, holds = joint_states(len(spec.hypotheses), len(spec.states))
    with np.errstate(divide="ignore"):
        log_h = np.log(table.hypothesis)[:, line]  # (row, joint)
        log_yes, log_no = np.log(spec.state_yes), np.log(spec.state_no)
        log_transition = np.log(spec.joint_transition)  # -inf where a move is impossible in the gap
        prior = np.log(np.exp(spec.log_prior)[line] * np.prod(np.where(holds, spec.state_prior, 1.0 - spec.state_prior), axis=1))
    row_joint = log_h + np.where(holds[None], log_yes[:, None, :], log_no[:, None, :]).sum(axis=-1)  # (row, joint)
    current = pm.Data(CURRENT_STEP, np.array(0, dtype="int64")) if CURRENT_STEP not in pm.modelcontext(None).named_vars \
        else pm.modelcontext(None)[CURRENT_STEP]
    counted = pt.switch(pt.gt(weights[:, None], 0), weights[:, None] * row_joint, 0.0)  # (row, joint); 0 * log 0 would be NaN
    alpha = pt.as_tensor(prior)
    for t in range(len(table.months)):
        rows = np.flatnonzero(table.row_step == t)
        emission = counted[rows].sum(axis=0) if rows.size else 0.0
        moved = alpha if t == 0 else pt.logsumexp(alpha[:, None] + log_transition[t], axis=0)
        alpha = pt.switch(pt.le(t, current), moved + emission, alpha)
    return pt.logsumexp(alpha.reshape((len(spec.hypotheses), -1)), axis=1)


def _state_block(spec: ModelSpec, weights):
    """The state latents, marginalised by the forward algorithm: log p(state rows | H), shape (hypothesis,).

    In log space, alpha_t = logsumexp_i(alpha_t-1[i] + log P_H,t[i, j]) + the step's weighted row
    log-likelihoods; the states never enter as variables, so NUTS samples only continuous unknowns.
    """
    table = spec.table
    step_of_row = np.eye(len(table.months))[table.row_step].T  # (step, row)
    with np.errstate(divide="ignore"):
        log_yes, log_no = np.log(spec.state_yes), np.log(spec.state_no)
        log_transition = np.log(spec.state_transition)  # (step, hypothesis, state, 2, 2); -inf where a move is impossible
    seen = pt.gt(weights[:, None], 0)
    emission_yes = pt.dot(step_of_row, pt.switch(seen, weights[:, None] * log_yes, 0.0))  # (step, state)
    emission_no = pt.dot(step_of_row, pt.switch(seen, weights[:, None] * log_no, 0.0))
    total = pt.zeros(len(spec.hypotheses))
    for k, prior in enumerate(spec.state_prior):
        alpha = pt.as_tensor(np.tile(np.log([1.0 - prior, prior]), (len(spec.hypotheses), 1)))  # (hypothesis, 2)
        for t in range(len(table.months)):
            if t > 0:
                alpha = pt.logsumexp(alpha[:, :, None] + log_transition[t, :, k], axis=1)
            alpha = alpha + pt.stack([emission_no[t, k], emission_yes[t, k]])[None, :]
        total = total + pt.logsumexp(alpha, axis=1)
    return total


def _latent_block(spec: ModelSpec, weights):
    """Add the latents; return their log-likelihood per hypothesis (equal for all when uncoupled)."""
    table = spec.table
    w0 = pm.Beta(LATENT_VALUE, alpha=spec.alpha, beta=spec.beta, dims=LATENT)
    p_yes = pm.Data("latent_yes", table.latent_yes, dims=("row", LATENT))
    p_no = pm.Data("latent_no", table.latent_no, dims=("row", LATENT))
    volatility = spec.volatility
    if not spec.moving:
        # Constant latents: every row sees the same w, and the graph holds no constant shaped by
        # the rows or steps, so a new file reuses the compiled function from PyTensor's disk cache.
        pm.Deterministic(LATENT_NOW, w0, dims=LATENT)
        loglik = pt.log(w0 * p_yes + (1.0 - w0) * p_no)
        return _uncoupled_evidence(loglik, weights)
    current = pm.Data(CURRENT_STEP, np.array(0, dtype="int64"))
    months = path_months(table.months)
    path = (pt.log(w0) - pt.log1p(-w0))[None, :] * pt.ones((len(months), 1))  # (step, latent)
    if volatility.any() and len(months) > 1:
        innovation = pm.Normal("innovation", 0.0, 1.0, dims=("increment", LATENT))
        scale = volatility[None, :] * np.sqrt(np.diff(months))[:, None]
        walk = pt.concatenate([pt.zeros((1, len(spec.latents))), pt.cumsum(scale * innovation, axis=0)], axis=0)
        path = path + walk
    step_of_row = np.eye(len(months))[table.row_step]  # one-hot (row, step): a product, not a gather, keeps gradients cheap
    if spec.coupled:
        paths = path[None, :, :] + spec.drift[:, None, :] * months[None, :, None]  # (hypothesis, step, latent)
        w = pm.math.sigmoid(paths)
        pm.Deterministic(LATENT_NOW, w[:, current, :], dims=("hypothesis", LATENT))
        w_rows = pt.tensordot(step_of_row, w, axes=[[1], [1]])  # (row, hypothesis, latent)
        loglik = pt.log(w_rows * p_yes[:, None, :] + (1.0 - w_rows) * p_no[:, None, :])
        return pt.switch(pt.gt(weights[:, None, None], 0), weights[:, None, None] * loglik, 0.0).sum(axis=(0, 2))
    w = pm.math.sigmoid(path)
    pm.Deterministic(LATENT_NOW, w[current], dims=LATENT)
    w_rows = pt.dot(step_of_row, w)
    loglik = pt.log(w_rows * p_yes + (1.0 - w_rows) * p_no)
    return _uncoupled_evidence(loglik, weights)


def _uncoupled_evidence(loglik, weights) -> float:
    """Add the rows' weighted latent log-likelihood (row, latent) as a Potential; nothing per hypothesis."""
    pm.Potential("latent_evidence", pt.switch(pt.gt(weights[:, None], 0), weights[:, None] * loglik, 0.0).sum())  # 0 * log 0 would be NaN
    return 0.0
