"""Alt text for every figure: what a reader who cannot see it needs to know, in words."""

from __future__ import annotations

import numpy as np

from beliefs.outputs.wording import format_llr, percent
from beliefs.results.history import PosteriorHistory


def timeline_alt(history: PosteriorHistory) -> str:
    """The hypotheses' path: where each started and ended, and which late steps a lower panel spreads out."""
    from beliefs.outputs.plots.paths import late_steps  # the figure's own rule; matplotlib only when a report is written

    probs = history.hypothesis_probability
    labels = history.labels
    parts = [f"{labels[h]} from {percent(float(probs.isel(step=0).sel(hypothesis=h)))} to {percent(float(probs.isel(step=-1).sel(hypothesis=h)))}"
             for h in history.hypotheses]
    start = late_steps(history)
    late = "" if start is None else (f" A lower panel spreads out steps {start} to {history.n_steps - 1} ({history.dates[start]} to "
                                     f"{history.dates[-1]}), one evenly spaced slot per step.")
    return f"Line chart of each hypothesis's probability from {history.dates[0]} to {history.dates[-1]}: " + "; ".join(parts) + "." + late


def latents_alt(history: PosteriorHistory) -> str:
    """The latents' path: each mean's start and end, and its interval now."""
    start, end = history.latent_mean.isel(step=0), history.latent_mean.isel(step=-1)
    parts = [f"{history.labels[n]}: probability that it holds from {percent(float(start.sel(latent=n)))} to {percent(float(end.sel(latent=n)))}"
             if n in history.states else
             f"{history.labels[n]}: mean from {float(start.sel(latent=n)):.3f} to {float(end.sel(latent=n)):.3f}, 90% interval now "
             f"{float(history.latent_q05.isel(step=-1).sel(latent=n)):.3f} to {float(history.latent_q95.isel(step=-1).sel(latent=n)):.3f}"
             for n in history.latents]
    return "Line chart of each latent over time (a propensity's mean and 90% interval, a state's probability). " + "; ".join(parts) + "."


def influence_alt(history: PosteriorHistory) -> str:
    """The influence matrix: how many rows, and the strongest push on a hypothesis."""
    labels = history.labels
    n = len(history.rows)
    if not n:
        return "Matrix of the evidence rows' push on each hypothesis: there is no evidence yet."
    llr = history.influence.hypothesis_llr.values
    values = np.abs(np.where(np.isfinite(llr), llr, 0.0))
    i, j = np.unravel_index(int(np.argmax(values)), values.shape) if values.size else (0, 0)
    row = history.rows[i]
    h = history.hypotheses[j] if values.size else ""
    strongest = f" The strongest push on a hypothesis is row {row} on {labels.get(h, h)} ({format_llr(float(llr[i, j]))})." \
        if values.size and values.max() > 0 else ""
    return f"Matrix of the log likelihood ratio of each of {n} evidence rows for each hypothesis and latent.{strongest}"


def step_alt(history: PosteriorHistory, step: int) -> str:
    """One step's bar chart: each hypothesis before and after, and the step's rows."""
    rows = history.evidence_ids(step)
    probs = history.hypothesis_probability
    parts = [f"{history.labels[h]} {percent(float(probs.sel(step=step - 1, hypothesis=h)))} to {percent(float(probs.sel(step=step, hypothesis=h)))}"
             for h in history.hypotheses]
    return (f"Bar chart of step {step} ({history.dates[step]}), before and after: " + "; ".join(parts)
            + f". Beside it, the push of the step's {len(rows)} row(s): " + ", ".join(rows) + ".")


def latent_step_alt(history: PosteriorHistory, step: int) -> str:
    """One step's latent densities: the mean and interval after the step against the mean before it."""
    before = max(step - 1, 0)
    parts = [f"{history.labels[n]}: mean {float(history.latent_mean.sel(step=step, latent=n)):.3f} after the step "
             f"(90% interval {float(history.latent_q05.sel(step=step, latent=n)):.3f} to {float(history.latent_q95.sel(step=step, latent=n)):.3f}), "
             f"{float(history.latent_mean.sel(step=before, latent=n)):.3f} before it" for n in history.propensities]
    return f"Density curves of each latent just before step {step} and after it. " + "; ".join(parts) + "."
