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
    """The posterior after one step: P(H | rows), latent draws and their summaries."""

    hypothesis_probability: np.ndarray  # (hypothesis,)
    latent_draws: np.ndarray  # (chain, draw, latent)
    latent_mean: np.ndarray  # (latent,)
    latent_q05: np.ndarray  # (latent,)
    latent_q95: np.ndarray  # (latent,)
    diagnostics: dict[str, np.ndarray] = field(default_factory=dict)


def summarise_draws(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 5% / 95% quantiles of each latent from (chain, draw, latent) draws."""
    flat = draws.reshape(-1, draws.shape[-1])
    if flat.shape[0] == 0 or flat.shape[1] == 0:
        empty = np.zeros(draws.shape[-1])
        return empty, empty, empty
    q05, q95 = np.quantile(flat, QUANTILES, axis=0)
    return flat.mean(axis=0), q05, q95


def step_seed(seed: int, step: int) -> int:
    """An independent, reproducible seed for each step from the run's seed."""
    return int(np.random.SeedSequence([seed, step]).generate_state(1)[0])
