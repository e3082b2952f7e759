"""Switching lines, exactly: the forward algorithm over the chain of (line, states).

With `[switching]` the line held is a hidden Markov chain in continuous time, and every state
latent switches at the rates of the line held at that moment, so the line and the states form
one chain (`ModelSpec.joint_transition`). Its filtered distribution after each step and the
marginal likelihood of the rows follow from the forward algorithm: predict with the step's
transition matrix, multiply by the step's row likelihoods (each row judged against the line
and states of its date, its log-likelihood times its weight), normalise. Propensity latents
do not depend on the line under switching (a drift per line is refused), so they stay with the
grid or filter and multiply the evidence by a factor common to every path.

P(line on `by`) is the filtered distribution carried forward to the resolution date with the
matrix exponential of the generator: what the question asks, when it asks about a later date.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

from beliefs.inference.engines.base import StepPosterior, sample_hypotheses
from beliefs.inference.spec import ModelSpec, joint_states


@dataclass(frozen=True)
class LineStep:
    """The chain's filtered distribution after one step, and what readers need of it.

    Attributes
    ----------
    joint : ndarray, shape (joint,)
        P(line and states on the step's date | rows so far), indexed as `joint_states`.
    line : ndarray, shape (hypothesis,)
        P(line held on the step's date | rows so far).
    state_given_line : ndarray, shape (hypothesis, state)
        P(state holds | line, rows so far); 0.5 where the line has probability 0.
    at_by : ndarray or None, shape (hypothesis,)
        P(line held on `by` | rows so far) when `by` is after the step, else None.
    log_evidence : float
        Log p(line and state rows so far).
    """

    joint: np.ndarray
    line: np.ndarray
    state_given_line: np.ndarray
    at_by: np.ndarray | None
    log_evidence: float


class LineChain:
    """The forward algorithm over a `ModelSpec` whose line switches."""

    def __init__(self, spec: ModelSpec):
        self.spec = spec
        with np.errstate(divide="ignore"):
            self._log_h = np.log(spec.table.hypothesis)
            self._log_yes, self._log_no = np.log(spec.state_yes), np.log(spec.state_no)

    def run(self, weights: np.ndarray, step: int) -> LineStep:
        """The chain after `step`, the rows weighted by `weights`."""
        log_evidence, joint = forward(self.spec, self._log_h, self._log_yes, self._log_no, weights, step)
        line, given = marginals(self.spec, joint)
        return LineStep(joint, line, given, self.at_by(joint, step), float(log_evidence))

    def at_by(self, joint: np.ndarray, step: int) -> np.ndarray | None:
        """P(line on `by`) from the joint distribution at `step`; None when `by` is not later."""
        ahead = months_to_by(self.spec, step)
        if ahead is None:
            return None
        return marginals(self.spec, carry_forward(self.spec, joint, ahead))[0]

    def complete(self, posterior: StepPosterior, weights: np.ndarray, step: int, seed: int) -> StepPosterior:
        """`posterior` with P(H) the line's filtered distribution, the states from the same chain,
        one draw of the line (and of each state, from the joint) per draw, and P(line on `by`).
        The propensity latents' draws are independent of the line under switching, so they stay."""
        result = self.run(weights, step)
        rng = np.random.default_rng(np.random.SeedSequence([seed, step, 2]))
        shape = posterior.draw_hypothesis.shape
        picked = sample_hypotheses(np.broadcast_to(result.joint, (*shape, result.joint.size)), rng)  # one joint state per draw
        line, holds = joint_states(len(self.spec.hypotheses), len(self.spec.states))
        return dataclasses.replace(
            posterior,
            hypothesis_probability=result.line,
            draw_hypothesis=line[picked],
            state_probability=result.joint @ holds,
            state_draws=holds[picked].astype(float),
            state_given_hypothesis=result.state_given_line,
            hypothesis_at_by=result.at_by,
            joint_probability=result.joint,
        )


def months_to_by(spec: ModelSpec, step: int) -> float | None:
    """Months from `step`'s date to `by`, or None without a `by` after the step."""
    if spec.by_months is None or spec.by_months <= spec.table.months[step]:
        return None
    return float(spec.by_months - spec.table.months[step])


def carry_forward(spec: ModelSpec, joint: np.ndarray, months: float) -> np.ndarray:
    """The joint distribution `months` later with no rows in between: joint @ expm(Q months)."""
    return joint @ expm(spec.joint_generator() * months)


def marginals(spec: ModelSpec, joint: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(line), shape (..., hypothesis), and P(state holds | line), shape (..., hypothesis, state),
    of joint distributions (..., joint)."""
    H, K = len(spec.hypotheses), len(spec.states)
    by_line = joint.reshape(*joint.shape[:-1], H, 2**K)
    line = by_line.sum(axis=-1)
    holds = joint_states(1, K)[1].astype(float)  # (2**K, state)
    with np.errstate(invalid="ignore", divide="ignore"):
        given = np.where(line[..., None] > 0, (by_line @ holds) / line[..., None], 0.5)
    return line, given


def forward(spec: ModelSpec, log_h: np.ndarray, log_yes: np.ndarray, log_no: np.ndarray, weights: np.ndarray, step: int):
    """The forward algorithm over (line, states), for one table of row log-likelihoods or a batch.

    Parameters
    ----------
    spec : ModelSpec
        Priors, the joint transition matrices and each row's step.
    log_h : ndarray, shape (..., row, hypothesis)
        Each row's log-likelihood under each line.
    log_yes, log_no : ndarray, shape (..., row, state)
        Each row's log-likelihood if each state holds and if it does not.
    weights : ndarray, shape (row,)
        The rows' weights at `step` (0 for rows after it).
    step : int

    Returns
    -------
    log_evidence : ndarray, shape (...)
        Log p(line and state rows up to `step`).
    joint : ndarray, shape (..., joint)
        P(line and states at `step` | rows).
    """
    H, K = len(spec.hypotheses), len(spec.states)
    line, holds = joint_states(H, K)
    batch = log_h.shape[:-2]
    prior = np.exp(spec.log_prior)[line] * np.prod(np.where(holds, spec.state_prior, 1.0 - spec.state_prior), axis=1)
    alpha = np.broadcast_to(prior, (*batch, line.size)).copy()
    log_evidence = np.zeros(batch)
    row_step = spec.table.row_step
    for t in range(step + 1):
        if t > 0:
            alpha = alpha @ spec.joint_transition[t]
        rows = np.flatnonzero((row_step == t) & (weights > 0))
        if rows.size:
            emission = joint_emission(log_h[..., rows, :], log_yes[..., rows, :], log_no[..., rows, :], weights[rows], line, holds)
            peak = emission.max(axis=-1, keepdims=True)
            peak = np.where(np.isfinite(peak), peak, 0.0)
            alpha = alpha * np.exp(emission - peak)
            log_evidence = log_evidence + peak[..., 0]
        mass = alpha.sum(axis=-1)
        with np.errstate(divide="ignore"):
            log_evidence = log_evidence + np.log(mass)
        alpha = alpha / np.where(mass > 0, mass, 1.0)[..., None]
    return log_evidence, alpha


def joint_emission(log_h, log_yes, log_no, weights, line, holds) -> np.ndarray:
    """Sum over the rows of weight x log p(row | line, states), per joint state, shape (..., joint).

    A row that does not bear on a block holds log 1 = 0 there; 0 x log 0 is taken as 0."""
    with np.errstate(invalid="ignore"):
        by_line = (weights[:, None] * log_h).sum(axis=-2)  # (..., hypothesis)
        yes = np.where(holds[None, :, :], (weights[:, None] * log_yes)[..., :, None, :], 0.0)  # (..., row, joint, state)
        no = np.where(~holds[None, :, :], (weights[:, None] * log_no)[..., :, None, :], 0.0)
    states = (yes + no).sum(axis=(-3, -1))
    return by_line[..., line] + states
