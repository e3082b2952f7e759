"""The one PyMC model of a workspace, shared by every engine.

    H ~ Categorical(prior)        w_j,0 ~ Beta(alpha_j, beta_j)       z_j,t = logit(w_j,t)
    z_j,t = z_j,t-1 + drift_j[H] dt_t + volatility_j sqrt(dt_t) eps_j,t,   eps ~ Normal(0, 1)
    p(row | H, w) = L_H(row) * prod_j [w_j,t(row) p_yes_j(row) + (1 - w_j,t(row)) p_no_j(row)]

dt_t is the time between steps in months. A latent without drift and volatility is one
constant w_j, independent of H. H is marginalised out (a `Potential` with `logsumexp`), so
NUTS samples only continuous unknowns, and P(H | rows) is the `Deterministic` softmax, per
draw. Which rows count (`included`) and, for moving latents, which step is "now"
(`current_step`) are data, so one compiled model serves every step; a moving latent's path
spans `path_length` steps (a power of two), so it also serves the next few added files.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from beliefs.inference.likelihoods import LikelihoodTable, path_length, path_months
from beliefs.inputs.scenario import Scenario

INCLUDED = "included"
CURRENT_STEP = "current_step"
LATENT = "latent"
LATENT_VALUE = "w"  # each latent's value at the prior date
LATENT_NOW = "w_now"  # each latent's value at the current step (per hypothesis when drift couples them)
HYPOTHESIS_PROBABILITY = "hypothesis_probability"


def is_coupled(scenario: Scenario) -> bool:
    """Whether a latent's drift depends on H, so that evidence on one informs the other."""
    return any(any(latent.drift.values()) for latent in scenario.latents.values())


def build_model(scenario: Scenario, table: LikelihoodTable) -> pm.Model:
    """The PyMC model of `scenario` given the evidence in `table`, conditioned on no row yet."""
    hypotheses, latents = scenario.hypothesis_names, scenario.latent_names
    coords = {"hypothesis": hypotheses, "row": table.row_ids}
    if latents:
        coords[LATENT] = latents
        coords["increment"] = np.arange(1, path_length(len(table.months)))
    with np.errstate(divide="ignore"):
        log_prior = np.log(list(scenario.prior_probabilities.values()))
        hypothesis_loglik = np.log(table.hypothesis)
    with pm.Model(coords=coords) as model:
        included = pm.Data(INCLUDED, np.zeros(table.n_rows), dims="row")
        row_loglik = pm.Data("hypothesis_loglik", hypothesis_loglik, dims=("row", "hypothesis"))
        counted = pt.switch(pt.gt(included[:, None], 0), row_loglik, 0.0)
        joint = log_prior + counted.sum(axis=0)
        if latents:
            joint = joint + _latent_block(scenario, table, included)
        pm.Potential("evidence", pt.logsumexp(joint))
        pm.Deterministic(HYPOTHESIS_PROBABILITY, pt.special.softmax(joint), dims="hypothesis")
    return model


def _latent_block(scenario: Scenario, table: LikelihoodTable, included):
    """Add the latents; return their log-likelihood per hypothesis (equal for all when uncoupled)."""
    specs = [scenario.latents[name] for name in scenario.latent_names]
    w0 = pm.Beta(LATENT_VALUE, alpha=np.array([s.prior.alpha for s in specs]), beta=np.array([s.prior.beta for s in specs]), dims=LATENT)
    p_yes = pm.Data("latent_yes", table.latent_yes, dims=("row", LATENT))
    p_no = pm.Data("latent_no", table.latent_no, dims=("row", LATENT))
    volatility = np.array([s.volatility for s in specs])
    if not (volatility.any() or is_coupled(scenario)):
        # Constant latents: every row sees the same w, and the graph holds no constant shaped by
        # the rows or steps, so a new file reuses the compiled function from PyTensor's disk cache.
        pm.Deterministic(LATENT_NOW, w0, dims=LATENT)
        loglik = pt.log(w0 * p_yes + (1.0 - w0) * p_no)
        return _uncoupled_evidence(loglik, included)
    current = pm.Data(CURRENT_STEP, np.array(0, dtype="int64"))
    months = path_months(table.months)
    path = (pt.log(w0) - pt.log1p(-w0))[None, :] * pt.ones((len(months), 1))  # (step, latent)
    if volatility.any() and len(months) > 1:
        innovation = pm.Normal("innovation", 0.0, 1.0, dims=("increment", LATENT))
        scale = volatility[None, :] * np.sqrt(np.diff(months))[:, None]
        walk = pt.concatenate([pt.zeros((1, len(specs))), pt.cumsum(scale * innovation, axis=0)], axis=0)
        path = path + walk
    step_of_row = np.eye(len(months))[table.row_step]  # one-hot (row, step): a product, not a gather, keeps gradients cheap
    if is_coupled(scenario):
        drift = np.array([[s.drift.get(h, 0.0) for s in specs] for h in scenario.hypothesis_names])  # (hypothesis, latent)
        paths = path[None, :, :] + drift[:, None, :] * months[None, :, None]  # (hypothesis, step, latent)
        w = pm.math.sigmoid(paths)
        pm.Deterministic(LATENT_NOW, w[:, current, :], dims=("hypothesis", LATENT))
        w_rows = pt.tensordot(step_of_row, w, axes=[[1], [1]])  # (row, hypothesis, latent)
        loglik = pt.log(w_rows * p_yes[:, None, :] + (1.0 - w_rows) * p_no[:, None, :])
        return pt.switch(pt.gt(included[:, None, None], 0), loglik, 0.0).sum(axis=(0, 2))
    w = pm.math.sigmoid(path)
    pm.Deterministic(LATENT_NOW, w[current], dims=LATENT)
    w_rows = pt.dot(step_of_row, w)
    loglik = pt.log(w_rows * p_yes + (1.0 - w_rows) * p_no)
    return _uncoupled_evidence(loglik, included)


def _uncoupled_evidence(loglik, included) -> float:
    """Add the included rows' latent log-likelihood (row, latent) as a Potential; nothing per hypothesis."""
    pm.Potential("latent_evidence", pt.switch(pt.gt(included[:, None], 0), loglik, 0.0).sum())  # 0 * log 0 would be NaN
    return 0.0
