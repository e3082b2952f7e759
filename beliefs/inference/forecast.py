"""Forecasts: where each latent may be at a future date, given everything seen so far.

The posterior predictive of a latent that moves over time: from each joint draw (w, H) of
the latest step, logit(w) walks on with H's drift and the latent's volatility. A constant
latent's forecast is its current posterior. Dates after the last step carry no evidence,
so the hypotheses' probabilities stay as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

from beliefs.inference.engines import QUANTILES
from beliefs.inference.likelihoods import DAYS_PER_MONTH
from beliefs.inputs.scenario import Scenario

HORIZON = re.compile(r"^\s*(\d+)\s*([dwm])\s*$")
DAYS_PER_UNIT = {"d": 1.0, "w": 7.0, "m": DAYS_PER_MONTH}


def parse_horizon(text: str) -> int:
    """'30d', '6w' or '3m' as a number of days; ValueError with the valid forms otherwise."""
    match = HORIZON.match(text)
    if not match or int(match[1]) == 0:
        raise ValueError(f"horizon {text!r} is not valid; write a positive number of days, weeks or months, e.g. 30d, 6w or 3m")
    return round(int(match[1]) * DAYS_PER_UNIT[match[2]])


@dataclass(frozen=True)
class Forecast:
    """Each latent's predictive mean and 90% band at dates after the last step."""

    dates: list[dt.date]
    mean: np.ndarray  # (date, latent)
    q05: np.ndarray
    q95: np.ndarray
    latents: list[str]

    def summary(self) -> dict:
        """The forecast at the horizon, as `beliefs update --json --horizon` adds it."""
        return {
            "date": self.dates[-1].isoformat(),
            "latents": {
                name: {"mean": round(float(self.mean[-1, j]), 6), "q05": round(float(self.q05[-1, j]), 6), "q95": round(float(self.q95[-1, j]), 6)}
                for j, name in enumerate(self.latents)
            },
        }


def forecast(history, scenario: Scenario, horizon_days: int, *, points: int = 16, seed: int = 0) -> Forecast:
    """The predictive distribution of every latent from the last step to `horizon_days` later."""
    last = history.n_steps - 1
    start = dt.date.fromisoformat(history.dates[last])
    days = np.unique(np.linspace(0, horizon_days, points).round().astype(int))
    latents = history.latents
    draws = history.dataset["latent_draws"].sel(step=last).transpose("chain", "draw", "latent").values.reshape(-1, len(latents))
    chosen = history.dataset["draw_hypothesis"].sel(step=last).values.reshape(-1)
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(draws.shape)
    with np.errstate(divide="ignore"):
        z = np.log(draws) - np.log1p(-draws)
    hypotheses = scenario.hypothesis_names
    drift = np.array([[scenario.latents[name].drift.get(h, 0.0) for name in latents] for h in hypotheses]).reshape(len(hypotheses), len(latents))
    volatility = np.array([scenario.latents[name].volatility for name in latents])
    mean, q05, q95 = (np.zeros((days.size, len(latents))) for _ in range(3))
    for i, day in enumerate(days):
        months = day / DAYS_PER_MONTH
        future = 1.0 / (1.0 + np.exp(-(z + drift[chosen] * months + volatility * np.sqrt(months) * noise)))
        mean[i] = future.mean(axis=0)
        q05[i], q95[i] = np.quantile(future, QUANTILES, axis=0)
    return Forecast([start + dt.timedelta(days=int(d)) for d in days], mean, q05, q95, latents)
