"""Figures of the evidence: every row's push on every hypothesis and latent, and one step's
before and after with the rows that moved it. They read the influence the history carries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from beliefs.outputs.plots.style import LLR_CMAP, NOT_BEARING, colour, drawn_literally, wrap
from beliefs.outputs.wording import format_llr, move_percents, point_change

if TYPE_CHECKING:
    from beliefs.results.history import PosteriorHistory
    from beliefs.results.influence import Influence


@drawn_literally
def plot_influence(history: PosteriorHistory) -> Figure:
    """Every row's push on every hypothesis and latent, as a matrix (rows in date order).

    A cell is the row's log likelihood ratio after reliability (see `beliefs.inference.influence`):
    blue favours the hypothesis (or raises the latent), vermillion counts against it (or
    lowers it), grey means the row does not bear on it. The rows with the strongest colours
    carried the conclusion.

    Parameters
    ----------
    history : PosteriorHistory
        Its rows' influence is drawn.

    Returns
    -------
    matplotlib.figure.Figure
    """
    influence = history.influence
    dates = [str(d)[:10] for d in history.row_date.values]
    names = history.rows
    row_labels = [f"{d}  {r}" + _group_tag(history, i) for i, (d, r) in enumerate(zip(dates, names, strict=True))]
    height = 1.9 + 0.24 * max(len(names), 3)
    fig = Figure(figsize=(10, height), layout="constrained")
    ax = fig.add_subplot()
    _llr_matrix(ax, history, influence, row_labels, vmax=_llr_limit(influence), with_step_breaks=True, fontsize=7.5)
    fig.suptitle("How far each row moved each hypothesis and latent (log likelihood ratio, after reliability)", fontsize=10, x=0.01, ha="left")
    fig.supxlabel(wrap("Blue favours the hypothesis or raises the latent; vermillion counts against it or lowers it; "
                       "grey: the row does not bear on it. ±0.69 = twice as likely. [group ×w]: the row's group and the weight "
                       "of its log likelihood now.", 150), fontsize=8, color="#444444", x=0.01, ha="left")
    return fig


def _group_tag(history: PosteriorHistory, i: int) -> str:
    """"  [plan_28 ×0.33]": a grouped row's group and its weight after the last step."""
    group = str(history.row_group.values[i])
    return f"  [{group} ×{float(history.row_weight.values[-1, i]):.2f}]" if group else ""


def _llr_limit(influence: Influence) -> float:
    values = np.concatenate([influence.hypothesis_llr.values.ravel(), influence.latent_llr.values.ravel()])
    finite = np.abs(values[np.isfinite(values)])
    return max(float(finite.max()) if finite.size else 0.0, 0.5)


def _llr_matrix(ax, history, influence: Influence, row_labels: list[str], *, vmax: float, with_step_breaks: bool = False,
                fontsize: float = 8.0, colorbar: bool = True, rotate: float = 0) -> None:
    """Draw rows x (hypotheses | latents) as a heatmap with the value written in each cell."""
    hyps, lats = history.hypotheses, history.latents
    n_rows = len(influence.rows)
    values = np.concatenate([influence.hypothesis_llr.values, influence.latent_llr.values], axis=1)
    bears = np.concatenate(
        [np.repeat(influence.bears_on_hypotheses.values[:, None], len(hyps), axis=1), influence.bears_on_latent.values], axis=1
    ).astype(bool)
    # Leave one empty column between the hypotheses and the latents.
    gap = 1 if lats else 0
    columns = len(hyps) + gap + len(lats)
    grid = np.full((n_rows, columns), np.nan)
    mask = np.zeros((n_rows, columns), dtype=bool)
    positions = list(range(len(hyps))) + [len(hyps) + gap + j for j in range(len(lats))]
    for k, pos in enumerate(positions):
        grid[:, pos] = np.where(bears[:, k], np.clip(values[:, k], -vmax, vmax), np.nan)
        mask[:, pos] = bears[:, k]
    cmap = LLR_CMAP.with_extremes(bad=NOT_BEARING)
    image = ax.imshow(grid, cmap=cmap, vmin=-vmax, vmax=vmax, aspect="auto", interpolation="nearest")
    for i in range(n_rows):
        for k, pos in enumerate(positions):
            if not bears[i, k]:
                continue
            value = values[i, k]
            text = format_llr(value)
            strong = np.isinf(value) or abs(value) > 0.6 * vmax
            ax.text(pos, i, text, ha="center", va="center", fontsize=fontsize, color="white" if strong else "#222222")
    ticks = list(hyps) + [f"{name} ↑" for name in lats]
    ax.set_xticks(positions, ticks, fontsize=fontsize + 0.5, rotation=rotate, ha="left" if rotate else "center", rotation_mode="anchor")
    ax.xaxis.tick_top()
    ax.tick_params(axis="x", length=0)
    ax.set_yticks(range(n_rows), row_labels, fontsize=fontsize)
    ax.tick_params(axis="y", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if with_step_breaks and n_rows:
        steps = influence.row_step
        for i in np.flatnonzero(np.diff(steps)):
            ax.axhline(i + 0.5, color="white", linewidth=2.0)
    if gap:
        ax.axvspan(len(hyps) - 0.5, len(hyps) + 0.5, color="white", zorder=2)
    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax, location="right", shrink=min(1.0, 6 / max(n_rows, 1) + 0.3), aspect=25, pad=0.02)
        bar.set_label("log likelihood ratio\n← counts against · favours →", fontsize=8)
        bar.ax.tick_params(labelsize=7)


@drawn_literally
def plot_step(history: PosteriorHistory, step: int) -> Figure:
    """The hypotheses before and after `step`, and the push of each row that came in at it.

    Left: each hypothesis's probability before the step (pale) and after it (solid). Right:
    the step's rows and their log likelihood ratios (see `plot_influence`). Step 0 shows the
    priors alone.

    Parameters
    ----------
    history : PosteriorHistory
    step : int
        0 to `history.n_steps - 1`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not 0 <= step < history.n_steps:
        raise ValueError(f"step {step} is out of range; this history has steps 0 to {history.n_steps - 1}")
    influence = history.influence
    hyps = history.hypotheses
    rows = influence.rows_of_step(step)
    n_rows = len(rows.rows)
    height = max(3.0, 1.3 + 0.34 * max(n_rows, 2.0 * len(hyps)))
    fig = Figure(figsize=(9.5 if step else 7.0, height), layout="constrained")
    date = history.dates[step]
    if step == 0:
        ax = fig.add_subplot()
        _before_after(ax, history, step)
        fig.suptitle(f"Step 0, {date}: the priors", fontsize=11, x=0.01, ha="left")
        return fig
    left, right = fig.subplots(1, 2, width_ratios=[1.25, 1.0])
    _before_after(left, history, step)
    _llr_matrix(right, history, rows, rows.rows, vmax=_llr_limit(influence), fontsize=8, colorbar=False,
                rotate=30)
    right.set_title("push of each row (log likelihood ratio)", fontsize=9, loc="left", color="#444444")
    fig.suptitle(f"Step {step}, {date}: {n_rows} new row{'s' if n_rows != 1 else ''}", fontsize=11, x=0.01, ha="left")
    return fig


def _before_after(ax, history: PosteriorHistory, step: int) -> None:
    labels = history.labels
    hyps = history.hypotheses
    after = history.hypothesis_probability.sel(step=step).values
    before = history.hypothesis_probability.sel(step=max(step - 1, 0)).values
    y = np.arange(len(hyps))[::-1]
    height = 0.36
    for i in range(len(hyps)):
        if step > 0:
            ax.barh(y[i] + height / 2, before[i], height=height, color=colour(i), alpha=0.3)
            ax.barh(y[i] - height / 2, after[i], height=height, color=colour(i))
            was, now = move_percents(before[i], after[i])
            text = f"{was} → {now} ({point_change(before[i], after[i])} pts)"
            ax.text(max(before[i], after[i]) + 0.015, y[i], text, va="center", fontsize=8.5)
        else:
            ax.barh(y[i], after[i], height=0.6, color=colour(i))
            ax.text(after[i] + 0.015, y[i], f"{100 * after[i]:.0f}%", va="center", fontsize=8.5)
    ax.set_yticks(y, [wrap(labels.get(h, h), 30) + f"\n({h})" for h in hyps], fontsize=8.5)
    ax.set_xlim(0, 1.45)  # room for the labels of bars near 100%
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.spines["bottom"].set_bounds(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.tick_params(axis="x", labelsize=8)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if step > 0:
        # Each swatch shows every hypothesis's colour, pale for before and solid for after, as the bars are drawn.
        pale = tuple(Patch(color=colour(i), alpha=0.3) for i in range(len(hyps)))
        solid = tuple(Patch(color=colour(i)) for i in range(len(hyps)))
        ax.legend([pale, solid], ["before the step", "after it"], handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
                  handlelength=0.8 * len(hyps), loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=8, frameon=False)
