"""Engines turn the model, conditioned on the rows of one step, into that step's posterior.

Every engine returns the same `StepPosterior`, so the history, the plots and the report never
need to know which engine ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

QUANTILES = (0.05, 0.95)


@dataclass(frozen=True)
class StepPosterior:
    """The posterior after one step: P(H | rows), latent draws and their summaries.

    `draw_hypothesis` is a draw of H paired with each latent draw (from P(H | rows, draw)),
    so the joint posterior of H and the latents can be followed forward in time.
    """

    hypothesis_probability: np.ndarray  # (hypothesis,)
    latent_draws: np.ndarray  # (chain, draw, latent)
    latent_mean: np.ndarray  # (latent,)
    latent_q05: np.ndarray  # (latent,)
    latent_q95: np.ndarray  # (latent,)
    draw_hypothesis: np.ndarray  # (chain, draw) index into the hypotheses
    diagnostics: dict[str, np.ndarray] = field(default_factory=dict)


def summarise_draws(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 5% / 95% quantiles of each latent from (chain, draw, latent) draws."""
    flat = draws.reshape(-1, draws.shape[-1])
    if flat.shape[0] == 0 or flat.shape[1] == 0:
        empty = np.zeros(draws.shape[-1])
        return empty, empty, empty
    q05, q95 = np.quantile(flat, QUANTILES, axis=0)
    return flat.mean(axis=0), q05, q95


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles) -> np.ndarray:
    """Quantiles of a discrete distribution (values with weights), interpolated at midpoints."""
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return np.interp(quantiles, cumulative, values)


def sample_hypotheses(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One hypothesis index per row of `probabilities` (..., hypothesis), drawn from that row."""
    cumulative = np.cumsum(probabilities, axis=-1)
    cumulative /= cumulative[..., -1:]
    uniform = rng.uniform(size=(*probabilities.shape[:-1], 1))
    return np.minimum((uniform > cumulative).sum(axis=-1), probabilities.shape[-1] - 1)


def step_seed(seed: int, step: int) -> int:
    """An independent, reproducible seed for each step from the run's seed."""
    return int(np.random.SeedSequence([seed, step]).generate_state(1)[0])


def increasing_cdf(cdf: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A normalised CDF and its values, keeping only points where the CDF rises by more than the
    float resolution, so that it can be inverted (flat or underflowing stretches would make an
    interpolant divide by ~0) without losing anything a probability can resolve."""
    cdf = np.maximum.accumulate(np.clip(cdf / cdf[-1], 0.0, 1.0))
    keep = np.concatenate([[True], np.diff(cdf) > np.finfo(float).eps])
    return cdf[keep], values[keep]
