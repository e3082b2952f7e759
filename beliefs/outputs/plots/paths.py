"""Figures across all steps: the hypotheses' path and each latent's path with its forecast."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from beliefs.outputs.plots.style import PRIOR_GREY, colour, date_axis, drawn_literally, estimative_axis, evidence_rug, evidence_tick, marker, step_dates, wrap
from beliefs.outputs.wording import outcome_words

if TYPE_CHECKING:
    from beliefs.results.history import PosteriorHistory
    from beliefs.results.robustness import BandStep


# The late steps, spread out in a lower panel when they are squeezed on the date axis: the last
# quarter of the evidence steps or those of the last 30 days, whichever are more, at most 40.
LATE_SHARE = 0.25
LATE_DAYS = 30
LATE_MAX_STEPS = 40
SQUEEZED = 1 / 40  # two steps closer than this share of the date axis merge into one jump
SPREAD_GREY = "#F5F5F5"


def _timeline_dates(history: PosteriorHistory) -> tuple[np.ndarray, np.ndarray]:
    """`step_dates`, with the extension running on to the resolution date once resolved."""
    dates, extended = step_dates(history)
    resolution = history.scenario.resolution
    if resolution is not None and resolution.resolved:
        extended[-1] = max(extended[-1], np.datetime64(resolution.judged_on, "D"))
    return dates, extended


def late_steps(history: PosteriorHistory) -> int | None:
    """The first step of the timeline's lower panel, which spreads the late steps out evenly; None
    when the late steps already read on the date axis, or there are fewer than two of them.

    The late steps are the last quarter of the evidence steps or those of the last 30 days up to
    the last step, whichever are more (at most 40). They are spread out when two of them (or the
    first of them and the step before it) are closer than 1/40 of the date axis. The panel starts
    at the step before the first late step, so that the first move shows where it came from.

    Parameters
    ----------
    history : PosteriorHistory

    Returns
    -------
    int or None
        The index of the panel's first step.
    """
    dates, extended = _timeline_dates(history)
    evidence = dates.size - 1
    if evidence < 2:
        return None
    recent = int(np.count_nonzero(dates[1:] >= dates[-1] - np.timedelta64(LATE_DAYS, "D")))
    count = min(max(math.ceil(LATE_SHARE * evidence), recent, 2), LATE_MAX_STEPS, evidence)
    start = dates.size - 1 - count
    span = int((extended[-1] - dates[0]).astype(int))
    gaps = np.diff(dates[start:]).astype(int)
    return start if gaps.min() < SQUEEZED * span else None


def _slot_label(date: np.datetime64, with_year: bool) -> str:
    """A step's date as "24 Nov", with the year under it when asked."""
    day = date.astype(object)
    return f"{day.day} {day:%b}" + (f"\n{day.year}" if with_year else "")


def _plot_late_steps(ax, history: PosteriorHistory, start: int) -> None:
    """Steps `start` to the last, one evenly spaced slot each, labelled with their dates."""
    dates = step_dates(history)[0][start:]
    slots = np.arange(dates.size, dtype=float)
    end = slots[-1] + 0.6
    resolution = history.scenario.resolution
    when = np.datetime64(resolution.judged_on, "D") if resolution is not None and resolution.resolved else None
    if when is not None and when >= dates[0]:  # the resolution between two steps' slots, or one slot after the last
        days = (dates - dates[0]).astype(int)
        at = float(np.interp(int((when - dates[0]).astype(int)), days, slots)) if when <= dates[-1] else slots[-1] + 1
        end = max(end, at)
    else:
        when = None
    for i, h in enumerate(history.hypotheses):
        p = history.hypothesis_probability.sel(hypothesis=h).values[start:]
        ax.step(np.append(slots, end), np.append(p, p[-1]), where="post", color=colour(i), linewidth=2.2)
        ax.plot(slots, p, linestyle="none", marker=marker(i), markersize=5.5, color=colour(i))
    ticks, labels = list(slots), []
    every = math.ceil(dates.size / 16)
    years = [int(str(d)[:4]) for d in dates]
    for k, date in enumerate(dates):
        shown = (dates.size - 1 - k) % every == 0
        labels.append(_slot_label(date, with_year=k == 0 or years[k] != years[k - 1]) if shown else "")
    if when is not None:
        ax.axvline(at, color="#333333", linestyle="--", linewidth=1)
        _outcome_stars(ax, at, history, resolution)
        if at > slots[-1]:
            ticks.append(at)
            labels.append("resolved\n" + _slot_label(when, with_year=int(str(when)[:4]) != years[-1]))
    ax.set_xticks(ticks, labels, fontsize=8)
    ax.tick_params(axis="x", length=3)
    ax.grid(axis="x", color="#EEEEEE", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_xlim(-0.45, end + 0.45)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("probability")
    estimative_axis(ax)
    last = history.n_steps - 1
    ax.set_title(f"Steps {start} to {last} ({_slot_label(dates[0], True).replace(chr(10), ' ')} to "
                 f"{_slot_label(dates[-1], True).replace(chr(10), ' ')}) spread out: one slot per step, evenly spaced, not to time scale",
                 fontsize=9.5, loc="left", color="#333333")


@drawn_literally
def plot_timeline(history: PosteriorHistory) -> Figure:
    """Each hypothesis's probability after every step, against the date; evidence dates marked.

    The lines are steps: a probability holds until the next dated evidence changes it. A short
    grey tick on the date axis marks each date of new evidence. The right-hand axis shows the
    estimative words of the ICD 203 scale. Once the question has resolved, the path runs on to
    the resolution date, where a star marks the outcome at 100% (or, for an outcome recorded as
    probabilities, each answer at its probability). When the late steps are too
    close together to read on the date axis (`late_steps`), a lower panel spreads them out, one
    evenly spaced slot per step labelled with its date, and the upper panel shades their span.
    When the line switches (`[switching]`), solid lines are the line held on each step's date and
    dashed lines the forecast, made at each step, of the line held on `[resolution] by`.

    Parameters
    ----------
    history : PosteriorHistory

    Returns
    -------
    matplotlib.figure.Figure
        The date panel is `fig.axes[0]`; the late steps' panel, when drawn, is the next
        axis that is not a right-hand twin.
    """
    labels = history.labels
    dates, extended = _timeline_dates(history)
    resolution = history.scenario.resolution
    resolved = history.scenario.resolved
    start = late_steps(history)
    if start is None:
        fig = Figure(figsize=(9.5, 5.0), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = Figure(figsize=(9.5, 7.8), layout="constrained")
        ax, late = fig.subplots(2, 1, height_ratios=[3, 2.1])
    evidence_rug(ax, dates)
    for i, h in enumerate(history.hypotheses):
        p = history.hypothesis_probability.sel(hypothesis=h).values
        ax.step(extended, np.append(p, p[-1]), where="post", color=colour(i), linewidth=2.2)
        ax.plot(dates, p, linestyle="none", marker=marker(i), markersize=4.5, color=colour(i))
    at_by = history.hypothesis_at_by
    if at_by is not None:  # a switching line: the forecast of the line held on `by`, made at each step
        for i, h in enumerate(history.hypotheses):
            q = at_by.sel(hypothesis=h).values
            ax.step(extended, np.append(q, q[-1]), where="post", color=colour(i), linewidth=1.3, linestyle=(0, (4, 2)), alpha=0.9)
    if resolved:
        outcome = history.hypotheses.index(resolution.likeliest)
        when = np.datetime64(resolution.judged_on, "D")
        ax.axvline(when, color="#333333", linestyle="--", linewidth=1)
        _outcome_stars(ax, when, history, resolution)
    ax.set_ylim(0, 1)
    days = int((extended[-1] - extended[0]).astype(int))
    margin = np.timedelta64(max(1, days // 60), "D")  # a day at least, so that the prior's markers are not cut in half
    ax.set_xlim(extended[0] - margin, extended[-1] + margin)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("probability")
    date_axis(ax)
    if days < 7:  # the prior alone, or steps days apart: whole days, not hours
        ax.xaxis.set_major_locator(locator := mdates.DayLocator())
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    estimative_axis(ax)
    ax.set_title(wrap(history.title, 90), fontsize=11, loc="left")
    if start is not None:
        ax.axvspan(dates[start], extended[-1] + margin, color=SPREAD_GREY, linewidth=0, zorder=-1)
        _plot_late_steps(late, history, start)
    handles = [
        Line2D([], [], color=colour(i), marker=marker(i), linewidth=2.2, label=wrap(labels[h], 38))
        for i, h in enumerate(history.hypotheses)
    ]
    if at_by is not None:
        handles.append(Line2D([], [], color="#555555", linewidth=1.3, linestyle=(0, (4, 2)),
                              label=wrap(f"dashed: forecast of the line held on {resolution.by} (the line can switch)", 38)))
    if dates.size > 1:
        handles.append(evidence_tick())
    if start is not None:
        handles.append(Patch(facecolor=SPREAD_GREY, edgecolor="#D9D9D9", linewidth=0.8, label=f"steps {start} to {history.n_steps - 1}, spread out below"))
    if resolved:
        handles.append(Line2D([], [], color="#333333", linestyle="--", marker="*", markersize=10, markerfacecolor=colour(outcome),
                              markeredgecolor=colour(outcome), label=wrap(f"resolved {resolution.judged_on}: {outcome_words(resolution.outcome, labels)}"
                                         + ("" if len(resolution.weights) == 1 else " (a star at each answer's probability)"), 38)))
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    return fig


def _outcome_stars(ax, at, history: PosteriorHistory, resolution) -> None:
    """A star per hypothesis at the probability the resolution gives it, on the resolution date: one
    star at 100% for a certain outcome; for a close call recorded as probabilities, each answer's
    share, so the chart does not show a split verdict as a certain one."""
    for h, q in resolution.weights.items():
        if q > 0:
            ax.plot([at], [q], marker="*", markersize=15 if q == 1.0 else 13, color=colour(history.hypotheses.index(h)),
                    markeredgecolor="white", markeredgewidth=0.8, clip_on=False, zorder=5)


@drawn_literally
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
    if history.has_forecast:  # the fan carries on from the last step instead of a flat extension
        extended = np.append(dates, dates[-1])
        ahead = history.forecast_date.values.astype("datetime64[D]")
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
    moves = {name: history.scenario.latents[name].time_varying for name in latents}
    for j, (ax, name) in enumerate(zip(axes, latents, strict=True)):
        mean, low, high = (history.latent_summary(q).sel(latent=name).values for q in ("mean", "q05", "q95"))
        state = kinds[name] == "state"
        c = colour(j)
        evidence_rug(ax, dates)
        if not state:  # a state's probability is the whole answer: no interval to draw
            ax.fill_between(extended, np.append(low, low[-1]), np.append(high, high[-1]), step="post", color=c, alpha=0.22, linewidth=0)
        ax.step(extended, np.append(mean, mean[-1]), where="post", color=c, linewidth=2.2)
        ax.plot(dates, mean, linestyle="none", marker="o", markersize=3.5, color=c)
        ax.axhline(mean[0], color=PRIOR_GREY, linestyle="--", linewidth=1)
        top = float(np.max(mean if state else high))  # the axis zooms to the path; its labels say how far
        if history.has_forecast and not moves[name]:  # nothing to forecast: the latest posterior holds, drawn on flat
            span = [dates[-1], x_end]
            if not state:
                ax.fill_between(span, low[-1], high[-1], color=c, alpha=0.22, linewidth=0)
            ax.plot(span, [mean[-1]] * 2, color=c, linewidth=2.2)
            ax.text(0.99, 0.97, "fixed over time in this model: no forecast fan", transform=ax.transAxes, ha="right", va="top",
                    fontsize=8, color="#444444")
        elif history.has_forecast:
            low, high, middle = (history.forecast(q).sel(latent=name) for q in ("q05", "q95", "mean"))
            if not state:
                ax.fill_between(ahead, low, high, color=c, alpha=0.12, hatch="///", edgecolor=c, linewidth=0)
                top = max(top, float(high.max()))
            ax.plot(ahead, middle, color=c, linewidth=1.6, linestyle=":")
            top = max(top, float(middle.max()))
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
        *([evidence_tick()] if dates.size > 1 else []),
    ]
    if history.has_forecast and any(moves.values()):
        until = history.forecast_dates[-1]
        fans = any(moves[name] for name in history.propensities)
        handles.append(Patch(facecolor=colour(0), alpha=0.3, hatch="///", label=f"forecast to {until} (90%)") if fans
                       else Line2D([], [], color=colour(0), linestyle=":", linewidth=1.6, label=f"forecast to {until}"))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5), frameon=False, fontsize=9)
    return fig


@drawn_literally
def plot_band(history: PosteriorHistory, band: list[BandStep]) -> Figure:
    """Each hypothesis's path with the judgment band around it: the 5% to 95% range of P(H) when
    every likelihood the analyst wrote is off by the band's noise (`beliefs sensitivity`).

    Parameters
    ----------
    history : PosteriorHistory
    band : list of BandStep
        `Robustness.band` (`beliefs sensitivity`), one per step.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _, extended = step_dates(history)
    hypotheses = history.hypotheses
    fig, axes = _hypothesis_panels(history, 1.2 + 1.7 * len(hypotheses))
    for i, (ax, h) in enumerate(zip(axes, hypotheses, strict=True)):
        low = np.array([entry.hypotheses[h]["q05"] for entry in band])
        high = np.array([entry.hypotheses[h]["q95"] for entry in band])
        p = history.hypothesis_probability.sel(hypothesis=h).values
        ax.fill_between(extended, np.append(low, low[-1]), np.append(high, high[-1]), step="post", color=colour(i), alpha=0.25, linewidth=0)
        ax.step(extended, np.append(p, p[-1]), where="post", color=colour(i), linewidth=2.0)
    _style_panels(axes, history, extended)
    fig.suptitle("Each hypothesis's path with its judgment band (5% to 95%)", fontsize=11, x=0.01, ha="left")
    return fig


def _hypothesis_panels(history: PosteriorHistory, height: float) -> tuple[Figure, np.ndarray]:
    """One panel per hypothesis, stacked on a shared date axis."""
    fig = Figure(figsize=(9.5, height), layout="constrained")
    return fig, fig.subplots(len(history.hypotheses), 1, sharex=True, squeeze=False)[:, 0]


def _style_panels(axes, history: PosteriorHistory, extended: np.ndarray) -> None:
    """Each panel as a probability axis titled with its hypothesis, and the dates below the last."""
    for ax, h in zip(axes, history.hypotheses, strict=True):
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 0.5, 1])
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_title(wrap(history.labels[h], 90) + f" ({h})", fontsize=9.5, loc="left")
        ax.grid(axis="y", color="#E4E4E4", linewidth=0.8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[-1].set_xlim(extended[0] - (extended[-1] - extended[0]) // 60, extended[-1])
    date_axis(axes[-1])


ANALYST_STYLES = ((0, (1, 1.5)), (0, (5, 2)), (0, (5, 1.5, 1, 1.5)), (0, (8, 2, 1, 2, 1, 2)), (0, (2, 3)), (0, (10, 3)))


@drawn_literally
def plot_analysts(history: PosteriorHistory) -> Figure:
    """Each hypothesis's pooled path (thick) with each analyst's own path beside it (thin, one
    line style per analyst) and the range between the analysts' own answers shaded.

    Parameters
    ----------
    history : PosteriorHistory
        Of a workspace with further analysts (`history.analysts` is not None).

    Returns
    -------
    matplotlib.figure.Figure
    """
    analysts = history.analysts
    own = history.analyst_probability
    _, extended = step_dates(history)
    hypotheses = history.hypotheses
    fig, axes = _hypothesis_panels(history, 1.6 + 1.8 * len(hypotheses))
    for i, (ax, h) in enumerate(zip(axes, hypotheses, strict=True)):
        paths = own.sel(hypothesis=h).values  # (step, analyst)
        low, high = paths.min(axis=1), paths.max(axis=1)
        ax.fill_between(extended, np.append(low, low[-1]), np.append(high, high[-1]), step="post", color=colour(i), alpha=0.18, linewidth=0)
        for k in range(len(analysts)):
            q = paths[:, k]
            ax.step(extended, np.append(q, q[-1]), where="post", color="#333333", linewidth=1.1, linestyle=ANALYST_STYLES[k % len(ANALYST_STYLES)])
        p = history.hypothesis_probability.sel(hypothesis=h).values
        ax.step(extended, np.append(p, p[-1]), where="post", color=colour(i), linewidth=2.4)
    _style_panels(axes, history, extended)
    handles = [Line2D([], [], color="#777777", linewidth=2.4, label="pooled (log opinion pool): the answer")]
    handles += [Line2D([], [], color="#333333", linewidth=1.1, linestyle=ANALYST_STYLES[k % len(ANALYST_STYLES)],
                       label=wrap(f"{spec['label']} (weight {spec['weight']:g}): own rows only", 40)) for k, spec in enumerate(analysts.values())]
    handles.append(Patch(facecolor="#BBBBBB", alpha=0.5, label="range of the analysts' own answers"))
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    fig.suptitle("Each analyst's own answer beside the pooled one", fontsize=11, x=0.01, ha="left")
    return fig
