"""The numbers that define the one model, stated once for every engine and the forecast.

    H ~ Categorical(prior)        w_j,0 ~ Beta(alpha_j, beta_j)       z_j,t = logit(w_j,t)
    z_j,t = z_j,t-1 + drift_j[H] dt_t + volatility_j sqrt(dt_t) eps_j,t,   eps ~ Normal(0, 1)
    p(row | H, w) = L_H(row) * prod_j [w_j,t(row) p_yes_j(row) + (1 - w_j,t(row)) p_no_j(row)]
    (each row's log-likelihood multiplied by its weight at the step: see `LikelihoodTable.weights_at`)

`beliefs.inference.model` writes this as a PyMC model, the forward filter evaluates it on a
grid, and the forecast walks it forward; all three read their prior, drift, volatility and
row likelihoods from a `ModelSpec`, so the engines cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, log_expit

from beliefs.inference.likelihoods import LikelihoodTable
from beliefs.inputs.scenario import Scenario


@dataclass(frozen=True)
class ModelSpec:
    """The model of one workspace as arrays.

    Parameters
    ----------
    hypotheses, latents : list of str
        Names, in the scenario's order (the `hypothesis` and `latent` coordinates).
    log_prior : ndarray, shape (hypothesis,)
        Log of the normalised prior of each hypothesis (-inf for a prior of 0).
    alpha, beta : ndarray, shape (latent,)
        Each latent's Beta prior at the prior date.
    volatility : ndarray, shape (latent,)
        Standard deviation of one month's change of logit(w).
    drift : ndarray, shape (hypothesis, latent)
        Mean monthly change of logit(w) under each hypothesis.
    table : LikelihoodTable
        The rows' likelihoods, reliability applied.
    """

    hypotheses: list[str]
    latents: list[str]
    log_prior: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    volatility: np.ndarray
    drift: np.ndarray
    table: LikelihoodTable

    @classmethod
    def build(cls, scenario: Scenario, table: LikelihoodTable) -> ModelSpec:
        """The specification of `scenario` with the evidence in `table`."""
        specs = [scenario.latents[name] for name in scenario.latent_names]
        with np.errstate(divide="ignore"):
            log_prior = np.log(list(scenario.prior_probabilities.values()))
        drift, volatility = latent_dynamics(scenario)
        return cls(
            hypotheses=scenario.hypothesis_names,
            latents=scenario.latent_names,
            log_prior=log_prior,
            alpha=np.array([s.prior.alpha for s in specs], dtype=float),
            beta=np.array([s.prior.beta for s in specs], dtype=float),
            volatility=volatility,
            drift=drift,
            table=table,
        )

    @property
    def coupled(self) -> bool:
        """Whether a latent's drift depends on H, so that evidence on one informs the other."""
        return bool(np.any(self.drift))

    @property
    def moving(self) -> bool:
        """Whether any latent changes over time (drift or volatility)."""
        return self.coupled or bool(np.any(self.volatility > 0))

    def hypothesis_loglik(self, weights: np.ndarray) -> np.ndarray:
        """Sum over the rows of weight x log L_H(row), per hypothesis; rows of weight 0 add 0."""
        with np.errstate(divide="ignore", invalid="ignore"):
            log_l = np.log(self.table.hypothesis)
            return np.where(weights[:, None] > 0, weights[:, None] * log_l, 0.0).sum(axis=0)


def latent_dynamics(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Each latent's monthly drift of logit(w) under each hypothesis, shape (hypothesis, latent),
    and its monthly volatility, shape (latent,)."""
    specs = [scenario.latents[name] for name in scenario.latent_names]
    drift = np.array([[s.drift.get(h, 0.0) for s in specs] for h in scenario.hypothesis_names], dtype=float)
    volatility = np.array([s.volatility for s in specs], dtype=float)
    return drift.reshape(len(scenario.hypothesis_names), len(specs)), volatility


def logit_beta_logpdf(z: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Log-density of z = logit(w) for w ~ Beta(alpha, beta), Jacobian included.

    The same density PyMC gives a Beta variable on its log-odds transform.
    """
    return alpha * log_expit(z) + beta * log_expit(-z) - betaln(alpha, beta)


def row_latent_likelihood(w: np.ndarray, p_yes: np.ndarray, p_no: np.ndarray) -> np.ndarray:
    """A row's likelihood given the latent's value: w p_yes + (1 - w) p_no."""
    return w * p_yes + (1.0 - w) * p_no
