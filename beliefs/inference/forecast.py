"""Forecasts: where each latent may be at a future date, given everything seen so far.

The posterior predictive of a latent that moves over time: from each joint draw (w, H) of
the latest step, logit(w) walks on with H's drift and the latent's volatility, the dynamics
of `beliefs.inference.spec`. A constant latent's forecast is its current posterior. A state
latent's forecast is P(it holds) at each date, exactly: sum over H of P(H) times the chance,
under H's switching rates (`transition_matrix`), of holding after the interval from P(it holds | H)
now. Dates
after the last step carry no evidence, so the hypotheses' probabilities stay as they are, unless
the line switches (`[switching]`): then the chain of (line, states) is carried forward from the
last step exactly (the matrix exponential of its generator), giving P(line) and P(state holds)
at each date, and the forecast reaches at least `[resolution] by`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

from beliefs.errors import printable
from beliefs.inference.engines.base import QUANTILES
from beliefs.inference.likelihoods import DAYS_PER_MONTH
from beliefs.inference.spec import chain_rates, joint_generator, joint_states, latent_dynamics, transition_matrix

HORIZON = re.compile(r"^\s*(\d+)\s*([dwm])\s*$")
DAYS_PER_UNIT = {"d": 1.0, "w": 7.0, "m": DAYS_PER_MONTH}


MAX_HORIZON_DAYS = 3653  # ten years: past that a forecast of a latent says nothing


def parse_horizon(text: str) -> int:
    """'30d', '6w' or '3m' as a number of days; ValueError with the valid forms otherwise."""
    match = HORIZON.match(text)
    if not match or int(match[1]) == 0:
        raise ValueError(f"horizon {printable(text)!r} is not valid; write a positive number of days, weeks or months, e.g. 30d, 6w or 3m")
    days = round(int(match[1]) * DAYS_PER_UNIT[match[2]])
    if days > MAX_HORIZON_DAYS:
        raise ValueError(f"horizon {text.strip()!r} is {days} days; forecasts reach at most ten years ({MAX_HORIZON_DAYS}d or 120m)")
    return days


@dataclass(frozen=True)
class Forecast:
    """Each latent's predictive mean and 90% band at dates from the last step on.

    Attributes
    ----------
    dates : list of datetime.date
        The forecast's dates; the first is the last step's date.
    mean, q05, q95 : ndarray, shape (date, latent)
    latents : list of str
    lines : ndarray or None, shape (date, hypothesis)
        P(line held on each date) when the line switches, else None.
    """

    dates: list[dt.date]
    mean: np.ndarray
    q05: np.ndarray
    q95: np.ndarray
    latents: list[str]
    lines: np.ndarray | None = None


def forecast(history, horizon_days: int, *, points: int = 16, seed: int | None = None) -> Forecast:
    """The predictive distribution of every latent from the last step to `horizon_days` later.

    Parameters
    ----------
    history : PosteriorHistory
        Its last step's joint draws and its scenario's dynamics are used.
    horizon_days : int
        How far past the last step.
    points : int
        Number of dates (at most) from the last step to the horizon.
    seed : int, optional
        Defaults to the history's seed, so a report and `update --horizon` agree.
    """
    last = history.n_steps - 1
    start = dt.date.fromisoformat(history.dates[last])
    if history.switches:
        horizon_days = max(horizon_days, (history.scenario.resolution.by - start).days if history.scenario.resolution else 0)
    days = np.unique(np.linspace(0, horizon_days, points).round().astype(int))
    latents = history.latents
    draws = joint_draws(history.latent_draws.sel(step=last))
    chosen = history.draw_hypothesis.sel(step=last).values.reshape(-1)
    rng = np.random.default_rng(history.seed if seed is None else seed)
    noise = rng.standard_normal(draws.shape)
    with np.errstate(divide="ignore"):
        z = np.log(draws) - np.log1p(-draws)
    scenario = history.scenario
    continuous = [j for j, name in enumerate(latents) if not scenario.latents[name].is_state]
    drift, volatility = latent_dynamics(scenario)
    p_h = history.hypothesis_probability.sel(step=last).values
    given = history.state_given_hypothesis.sel(step=last) if history.states else None
    mean, q05, q95 = (np.full((days.size, len(latents)), np.nan) for _ in range(3))
    lines = None
    if history.switches:
        generator = joint_generator(*chain_rates(scenario))
        joint = history.joint_probability.sel(step=last).values
        carried = np.stack([joint @ expm(generator * (day / DAYS_PER_MONTH)) for day in days])  # (date, joint)
        line, holds = joint_states(len(history.hypotheses), len(history.states))
        lines = np.stack([carried[:, line == h].sum(axis=1) for h in range(len(history.hypotheses))], axis=1)
        state_columns = [latents.index(name) for name in history.states]
        mean[:, state_columns] = carried @ holds
    for i, day in enumerate(days):
        months = day / DAYS_PER_MONTH
        future = 1.0 / (1.0 + np.exp(-(z[:, continuous] + drift[chosen] * months + volatility * np.sqrt(months) * noise[:, continuous])))
        mean[i, continuous] = future.mean(axis=0)
        q05[i, continuous], q95[i, continuous] = np.quantile(future, QUANTILES, axis=0)
        for j, name in enumerate(latents):
            if j not in continuous and lines is None:
                moves = np.array([transition_matrix(scenario.latents[name], h, months) for h in history.hypotheses])  # (hypothesis, 2, 2)
                holds = given.sel(latent=name).values
                mean[i, j] = float(p_h @ (holds * moves[:, 1, 1] + (1.0 - holds) * moves[:, 0, 1]))
    return Forecast([start + dt.timedelta(days=int(d)) for d in days], mean, q05, q95, latents, lines)


def joint_draws(draws) -> np.ndarray:
    """(chain, draw, latent) draws as (chain x draw, latent), also when there are no latents."""
    values = draws.transpose("chain", "draw", "latent").values
    return values.reshape(values.shape[0] * values.shape[1], values.shape[2])


def with_forecast(history, horizon_days: int):
    """`history` with its latents' forecast `horizon_days` past the last step attached
    (variables `forecast_mean`, `forecast_q05`, `forecast_q95` on dim `forecast_date`; empty along
    `latent` when there are no latents)."""
    from beliefs.results.history import FORECAST_VARIABLES, PosteriorHistory

    ahead = forecast(history, horizon_days)
    dims = ("forecast_date", "latent")
    dataset = history.dataset.drop_vars([*FORECAST_VARIABLES, "forecast_date"], errors="ignore").assign(
        forecast_mean=(dims, ahead.mean), forecast_q05=(dims, ahead.q05), forecast_q95=(dims, ahead.q95),
    ).assign_coords(forecast_date=np.array(ahead.dates, dtype="datetime64[D]"))
    if ahead.lines is not None:
        dataset["forecast_hypothesis"] = (("forecast_date", "hypothesis"), ahead.lines)
    dataset.attrs["forecast_horizon_days"] = horizon_days
    return PosteriorHistory(dataset)
