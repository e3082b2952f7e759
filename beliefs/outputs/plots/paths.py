"""Figures across all steps: the hypotheses' path and each latent's path with its forecast."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from beliefs.outputs.plots.style import EVIDENCE_GREY, PRIOR_GREY, colour, date_axis, estimative_axis, evidence_lines, marker, step_dates, wrap

if TYPE_CHECKING:
    from beliefs.results.history import PosteriorHistory

def plot_timeline(history: PosteriorHistory) -> Figure:
    """Each hypothesis's probability after every step, against the date; evidence dates marked.

    The lines are steps: a probability holds until the next dated evidence changes it. The
    right-hand axis shows the estimative words of the ICD 203 scale. Once the question has
    resolved, the path runs on to the resolution date, where a star marks the outcome at 100%.
    """
    labels = history.labels
    dates, extended = step_dates(history)
    resolution = history.scenario.resolution
    resolved = resolution is not None and resolution.resolved
    if resolved:
        extended[-1] = max(extended[-1], np.datetime64(resolution.judged_on, "D"))
    fig = Figure(figsize=(9.5, 5.0), layout="constrained")
    ax = fig.add_subplot()
    evidence_lines(ax, dates)
    for i, h in enumerate(history.hypotheses):
        p = history.hypothesis_probability.sel(hypothesis=h).values
        ax.step(extended, np.append(p, p[-1]), where="post", color=colour(i), linewidth=2.2)
        ax.plot(dates, p, linestyle="none", marker=marker(i), markersize=4.5, color=colour(i))
    if resolved:
        outcome = history.hypotheses.index(resolution.outcome)
        when = np.datetime64(resolution.judged_on, "D")
        ax.axvline(when, color="#333333", linestyle="--", linewidth=1)
        ax.plot([when], [1.0], marker="*", markersize=15, color=colour(outcome), clip_on=False, zorder=5)
    ax.set_ylim(0, 1)
    ax.set_xlim(extended[0] - (extended[-1] - extended[0]) // 60, extended[-1] + (extended[-1] - extended[0]) // 60)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("probability")
    date_axis(ax)
    estimative_axis(ax)
    ax.set_title(wrap(history.title, 90), fontsize=11, loc="left")
    handles = [
        Line2D([], [], color=colour(i), marker=marker(i), linewidth=2.2, label=wrap(labels[h], 38))
        for i, h in enumerate(history.hypotheses)
    ]
    handles.append(Line2D([], [], color=EVIDENCE_GREY, linewidth=1.5, label="date of new evidence"))
    if resolved:
        handles.append(Line2D([], [], color="#333333", linestyle="--", marker="*", markersize=10, markerfacecolor=colour(outcome),
                              markeredgecolor=colour(outcome), label=wrap(f"resolved {resolution.judged_on}: {labels[resolution.outcome]}", 38)))
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    return fig


def plot_latent_timeline(history: PosteriorHistory) -> Figure:
    """Each latent's posterior mean with its 90% interval (5% to 95%) after every step, and,
    when the history carries a forecast, its predictive fan after the last step. A state
    latent is drawn as its probability of holding, with the forecast's probability after it.

    Parameters
    ----------
    history : PosteriorHistory
        With a forecast attached (`compute_history(..., horizon_days=30)`) the fan is drawn.

    Returns
    -------
    matplotlib.figure.Figure
    """
    labels = history.labels
    dates, extended = step_dates(history)
    ds = history.dataset
    if history.has_forecast:  # the fan carries on from the last step instead of a flat extension
        extended = np.append(dates, dates[-1])
        ahead = ds["forecast_date"].values.astype("datetime64[D]")
        x_end = ahead[-1]
    else:
        x_end = extended[-1]
    latents = history.latents
    fig = Figure(figsize=(9.5, 1.0 + 2.6 * max(len(latents), 1)), layout="constrained")
    if not latents:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "This scenario has no latent quantities.", ha="center", va="center")
        return fig
    axes = fig.subplots(len(latents), 1, sharex=True, squeeze=False)[:, 0]
    kinds = history.latent_kinds
    for j, (ax, name) in enumerate(zip(axes, latents, strict=True)):
        mean, low, high = (ds[f"latent_{q}"].sel(latent=name).values for q in ("mean", "q05", "q95"))
        state = kinds[name] == "state"
        c = colour(j)
        evidence_lines(ax, dates)
        if not state:  # a state's probability is the whole answer: no interval to draw
            ax.fill_between(extended, np.append(low, low[-1]), np.append(high, high[-1]), step="post", color=c, alpha=0.22, linewidth=0)
        ax.step(extended, np.append(mean, mean[-1]), where="post", color=c, linewidth=2.2)
        ax.plot(dates, mean, linestyle="none", marker="o", markersize=3.5, color=c)
        ax.axhline(mean[0], color=PRIOR_GREY, linestyle="--", linewidth=1)
        top = 1.0 if state else float(np.max(high))
        if history.has_forecast:
            band = ds.sel(latent=name)
            if not state:
                ax.fill_between(ahead, band["forecast_q05"], band["forecast_q95"], color=c, alpha=0.12, hatch="///", edgecolor=c, linewidth=0)
                top = max(top, float(band["forecast_q95"].max()))
            ax.plot(ahead, band["forecast_mean"], color=c, linewidth=1.6, linestyle=":")
        ax.set_ylim(0, min(1.0, top * 1.15 + 0.02))
        ax.set_ylabel("P(it holds)" if state else "value (0 to 1)")
        if state:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_title(wrap(labels.get(name, name), 90) + f" ({name})", fontsize=10, loc="left")
        ax.grid(axis="y", color="#E4E4E4", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_xlim(extended[0] - (x_end - extended[0]) // 60, x_end)
        date_axis(ax)
    handles = [
        Line2D([], [], color=colour(0), linewidth=2.2, label="posterior mean" if history.propensities else "probability that it holds"),
        *([Patch(color=colour(0), alpha=0.22, label="90% interval (5% to 95%)")] if history.propensities else []),
        Line2D([], [], color=PRIOR_GREY, linestyle="--", label="prior"),
        Line2D([], [], color=EVIDENCE_GREY, linewidth=1.5, label="date of new evidence"),
    ]
    if history.has_forecast:
        until = history.forecast_dates[-1]
        handles.append(Patch(facecolor=colour(0), alpha=0.3, hatch="///", label=f"forecast to {until} (90%)") if history.propensities
                       else Line2D([], [], color=colour(0), linestyle=":", linewidth=1.6, label=f"forecast to {until}"))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5), frameon=False, fontsize=9)
    return fig


def plot_band(history: PosteriorHistory, band: list[dict]) -> Figure:
    """Each hypothesis's path with the judgment band around it: the 5% to 95% range of P(H) when
    every likelihood the analyst wrote is off by the band's noise (`beliefs sensitivity`).

    Parameters
    ----------
    history : PosteriorHistory
    band : list of dict
        The `band` entry of `beliefs sensitivity --json`, one per step.

    Returns
    -------
    matplotlib.figure.Figure
    """
    labels = history.labels
    _, extended = step_dates(history)
    hypotheses = history.hypotheses
    fig = Figure(figsize=(9.5, 1.2 + 1.7 * len(hypotheses)), layout="constrained")
    axes = fig.subplots(len(hypotheses), 1, sharex=True, squeeze=False)[:, 0]
    for i, (ax, h) in enumerate(zip(axes, hypotheses, strict=True)):
        low = np.array([entry["hypotheses"][h]["q05"] for entry in band])
        high = np.array([entry["hypotheses"][h]["q95"] for entry in band])
        p = history.hypothesis_probability.sel(hypothesis=h).values
        ax.fill_between(extended, np.append(low, low[-1]), np.append(high, high[-1]), step="post", color=colour(i), alpha=0.25, linewidth=0)
        ax.step(extended, np.append(p, p[-1]), where="post", color=colour(i), linewidth=2.0)
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 0.5, 1])
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_title(wrap(labels[h], 90) + f" ({h})", fontsize=9.5, loc="left")
        ax.grid(axis="y", color="#E4E4E4", linewidth=0.8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[-1].set_xlim(extended[0] - (extended[-1] - extended[0]) // 60, extended[-1])
    date_axis(axes[-1])
    fig.suptitle("Each hypothesis's path with its judgment band (5% to 95%)", fontsize=11, x=0.01, ha="left")
    return fig
