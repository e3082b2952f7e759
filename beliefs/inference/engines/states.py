"""State latents, exactly: the forward algorithm over each state's two values, per hypothesis.

Given H, a state latent is a two-state Markov chain observed through its rows, so its
filtered distribution and the marginal likelihood of its rows follow from the forward
algorithm with the transition matrices of `ModelSpec.state_transition`: predict with the
step's matrix, multiply by the step's row likelihoods (each raised to the row's weight),
normalise. Every engine uses this for the states; the PyMC model writes the same recursion in
PyTensor (`beliefs.inference.model`), and the tests check both against enumerating every path.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from beliefs.inference.engines.base import StepPosterior
from beliefs.inference.spec import ModelSpec


class StateFilter:
    """The forward algorithm for every state latent of a `ModelSpec`."""

    def __init__(self, spec: ModelSpec):
        self.spec = spec
        with np.errstate(divide="ignore"):
            self._log_yes, self._log_no = np.log(spec.state_yes), np.log(spec.state_no)

    def run(self, weights: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        """Log p(state rows up to `step` | H), shape (hypothesis,), summed over the states, and
        P(state holds at `step` | H, rows), shape (hypothesis, state)."""
        return forward(self.spec, self._log_yes, self._log_no, weights, step)

    def complete(self, posterior: StepPosterior, weights: np.ndarray, step: int, seed: int) -> StepPosterior:
        """`posterior` with the states added (`add_states`)."""
        return add_states(posterior, self, weights, step, seed)


def latent_chain(spec: ModelSpec):
    """What completes each engine's step with the discrete unknowns: the forward algorithm over
    the states per hypothesis, or over the chain of (line, states) when the line switches."""
    if spec.switches:
        from beliefs.inference.engines.lines import LineChain

        return LineChain(spec)
    return StateFilter(spec)


def forward(spec: ModelSpec, log_yes: np.ndarray, log_no: np.ndarray, weights: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """The forward algorithm for every state latent, for one table of row log-likelihoods or a
    batch of them (the judgment band's draws).

    Parameters
    ----------
    spec : ModelSpec
        The states' priors and transition matrices, and each row's step.
    log_yes, log_no : ndarray, shape (..., row, state)
        Each row's log-likelihood if the state holds and if it does not.
    weights : ndarray, shape (row,)
        The rows' weights at `step` (0 for rows after it).
    step : int

    Returns
    -------
    log_evidence : ndarray, shape (..., hypothesis)
        Log p(state rows up to `step` | H), summed over the states.
    probability : ndarray, shape (..., hypothesis, state)
        P(state holds at `step` | H, rows).
    """
    batch = log_yes.shape[:-2]
    H, S = len(spec.hypotheses), len(spec.states)
    log_evidence, probability = np.zeros((*batch, H)), np.zeros((*batch, H, S))
    row_step = spec.table.row_step
    for k in range(S):
        alpha = np.broadcast_to(np.array([1.0 - spec.state_prior[k], spec.state_prior[k]]), (*batch, H, 2)).copy()
        for t in range(step + 1):
            if t > 0:
                alpha = np.einsum("...hi,hij->...hj", alpha, spec.state_transition[t, :, k])
            rows = np.flatnonzero((row_step == t) & (weights > 0))
            if rows.size:
                with np.errstate(invalid="ignore"):
                    emission = np.stack([(weights[rows] * log_no[..., rows, k]).sum(axis=-1), (weights[rows] * log_yes[..., rows, k]).sum(axis=-1)], axis=-1)
                peak = emission.max(axis=-1, keepdims=True)
                alpha = alpha * np.exp(emission - peak)[..., None, :]
                log_evidence += peak
            mass = alpha.sum(axis=-1)
            log_evidence += np.log(mass)
            alpha = alpha / mass[..., None]
        probability[..., k] = alpha[..., 1]
    return log_evidence, probability


def add_states(posterior: StepPosterior, states: StateFilter, weights: np.ndarray, step: int, seed: int) -> StepPosterior:
    """`posterior` with each state's P(holds) = sum_H P(H | rows) P(holds | H, rows), and one
    draw of each state per draw of H (so the joint of H and the states can be followed forward).
    P(H | rows) already includes the states' evidence (every engine's model has it)."""
    if not states.spec.states:
        return posterior
    by_hypothesis = states.run(weights, step)[1]
    rng = np.random.default_rng(np.random.SeedSequence([seed, step, 1]))
    probability = posterior.hypothesis_probability @ by_hypothesis
    chosen = posterior.draw_hypothesis
    draws = (rng.uniform(size=(*chosen.shape, by_hypothesis.shape[1])) < by_hypothesis[chosen]).astype(float)
    return dataclasses.replace(posterior, state_probability=probability, state_draws=draws, state_given_hypothesis=by_hypothesis)
