"""Figures of a posterior history, for notebooks and for the report.

Every function reads a `PosteriorHistory` (and, for the evidence, the `Workspace`) and draws;
none computes a posterior. The matplotlib figures are built with `matplotlib.figure.Figure`
directly, not through pyplot, so they never pile up in pyplot's registry and show once in a
notebook. The ArviZ plots (`plot_latent_step`, `plot_diagnostics`) return ArviZ's
`PlotCollection`; `figure_of` gives the matplotlib figure behind either kind.

Colours follow the Okabe–Ito palette, which stays distinct for the common colour-vision
deficiencies; lines also differ by marker, so a grey-scale print still tells them apart.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import numpy as np
import xarray as xr
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from beliefs.inference.influence import format_llr, row_influence
from beliefs.outputs.wording import SCALE

if TYPE_CHECKING:
    from beliefs.inference.forecast import Forecast
    from beliefs.inputs.workspace import Workspace
    from beliefs.results.history import PosteriorHistory

__all__ = [
    "OKABE_ITO",
    "figure_of",
    "plot_diagnostics",
    "plot_diagnostics_timeline",
    "plot_influence",
    "plot_latent_step",
    "plot_latent_timeline",
    "plot_step",
    "plot_timeline",
]

# Okabe & Ito (2008), "Color Universal Design", in the order used for hypotheses.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
PRIOR_GREY = "#8C8C8C"
EVIDENCE_GREY = "#C8C8C8"
# Diverging map for log likelihood ratios: vermillion (counts against) - white - blue (favours).
LLR_CMAP = LinearSegmentedColormap.from_list("beliefs_llr", ["#D55E00", "#F7F7F7", "#0072B2"])
NOT_BEARING = "#EDEDED"


def colour(index: int) -> str:
    return OKABE_ITO[index % len(OKABE_ITO)]


def marker(index: int) -> str:
    return MARKERS[index % len(MARKERS)]


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def figure_of(plot: Any) -> Figure:
    """The matplotlib Figure behind a Figure or an ArviZ PlotCollection."""
    if isinstance(plot, Figure):
        return plot
    viz = getattr(plot, "viz", None)
    if viz is not None and "figure" in viz:
        return viz["figure"].item()
    raise TypeError(f"cannot find a matplotlib figure in {type(plot).__name__}")


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _step_dates(history: PosteriorHistory) -> tuple[np.ndarray, np.ndarray]:
    """The dates of the steps, and the same with one extra date that carries the last value on."""
    dates = history.dataset["date"].values.astype("datetime64[D]")
    span = max(int((dates[-1] - dates[0]).astype(int)), 10)
    extended = np.append(dates, dates[-1] + np.timedelta64(max(2, span // 40), "D"))
    return dates, extended


def _evidence_lines(ax, dates: np.ndarray) -> None:
    for date in dates[1:]:
        ax.axvline(date, color=EVIDENCE_GREY, linewidth=0.7, zorder=0)


# -- across all steps ----------------------------------------------------------------------
def plot_timeline(history: PosteriorHistory) -> Figure:
    """Each hypothesis's probability after every step, against the date; evidence dates marked.

    The lines are steps: a probability holds until the next dated evidence changes it. The
    right-hand axis shows the estimative words of the ICD 203 scale.
    """
    labels = history.labels
    dates, extended = _step_dates(history)
    fig = Figure(figsize=(9.5, 5.0), layout="constrained")
    ax = fig.add_subplot()
    _evidence_lines(ax, dates)
    for i, h in enumerate(history.hypotheses):
        p = history.hypothesis_probability.sel(hypothesis=h).values
        ax.step(extended, np.append(p, p[-1]), where="post", color=colour(i), linewidth=2.2)
        ax.plot(dates, p, linestyle="none", marker=marker(i), markersize=4.5, color=colour(i))
    ax.set_ylim(0, 1)
    ax.set_xlim(extended[0] - (extended[-1] - extended[0]) // 60, extended[-1])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("probability")
    _date_axis(ax)
    _estimative_axis(ax)
    ax.set_title(_wrap(history.title, 90), fontsize=11, loc="left")
    handles = [
        Line2D([], [], color=colour(i), marker=marker(i), linewidth=2.2, label=_wrap(labels[h], 38))
        for i, h in enumerate(history.hypotheses)
    ]
    handles.append(Line2D([], [], color=EVIDENCE_GREY, linewidth=1.5, label="date of new evidence"))
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    return fig


def _estimative_axis(ax) -> None:
    """A right-hand axis naming the ICD 203 band of each probability."""
    right = ax.twinx()
    right.set_ylim(ax.get_ylim())
    right.set_yticks([(b.low + b.high) / 2 for b in SCALE], [b.word for b in SCALE], fontsize=7.5, color="#555555")
    right.tick_params(axis="y", length=0)
    for band in SCALE[1:]:
        ax.axhline(band.low, color="#E6E6E6", linewidth=0.8, zorder=0)
    for side in ("top", "right"):
        right.spines[side].set_visible(False)
        ax.spines[side].set_visible(False)


def plot_latent_timeline(history: PosteriorHistory, forecast: Forecast | None = None) -> Figure:
    """Each latent's posterior mean with its 90% interval (5% to 95%) after every step, and,
    given a `beliefs.inference.forecast.Forecast`, its predictive fan after the last step."""
    labels = history.labels
    dates, extended = _step_dates(history)
    if forecast is not None:  # the fan carries on from the last step instead of a flat extension
        extended = np.append(dates, dates[-1])
    latents = history.latents
    fig = Figure(figsize=(9.5, 1.0 + 2.6 * max(len(latents), 1)), layout="constrained")
    if not latents:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "This scenario has no latent quantities.", ha="center", va="center")
        return fig
    axes = fig.subplots(len(latents), 1, sharex=True, squeeze=False)[:, 0]
    ds = history.dataset
    for j, (ax, name) in enumerate(zip(axes, latents, strict=True)):
        mean, low, high = (ds[f"latent_{q}"].sel(latent=name).values for q in ("mean", "q05", "q95"))
        c = colour(j)
        _evidence_lines(ax, dates)
        ax.fill_between(extended, np.append(low, low[-1]), np.append(high, high[-1]), step="post", color=c, alpha=0.22, linewidth=0)
        ax.step(extended, np.append(mean, mean[-1]), where="post", color=c, linewidth=2.2)
        ax.plot(dates, mean, linestyle="none", marker="o", markersize=3.5, color=c)
        ax.axhline(mean[0], color=PRIOR_GREY, linestyle="--", linewidth=1)
        top = float(np.max(high))
        if forecast is not None:
            ahead = np.array(forecast.dates, dtype="datetime64[D]")
            ax.fill_between(ahead, forecast.q05[:, j], forecast.q95[:, j], color=c, alpha=0.12, hatch="///", edgecolor=c, linewidth=0)
            ax.plot(ahead, forecast.mean[:, j], color=c, linewidth=1.6, linestyle=":")
            top = max(top, float(np.max(forecast.q95[:, j])))
            extended = np.append(extended[:-1], ahead[-1])
        ax.set_ylim(0, min(1.0, top * 1.15 + 0.02))
        ax.set_ylabel("value (0 to 1)")
        ax.set_title(_wrap(labels.get(name, name), 90) + f"  ({name})", fontsize=10, loc="left")
        ax.grid(axis="y", color="#E4E4E4", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_xlim(extended[0] - (extended[-1] - extended[0]) // 60, extended[-1])
        _date_axis(ax)
    handles = [
        Line2D([], [], color=colour(0), linewidth=2.2, label="posterior mean"),
        Patch(color=colour(0), alpha=0.22, label="90% interval (5% to 95%)"),
        Line2D([], [], color=PRIOR_GREY, linestyle="--", label="prior mean"),
        Line2D([], [], color=EVIDENCE_GREY, linewidth=1.5, label="date of new evidence"),
    ]
    if forecast is not None:
        handles.append(Patch(facecolor=colour(0), alpha=0.3, hatch="///", label=f"forecast to {forecast.dates[-1].isoformat()} (90%)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5), frameon=False, fontsize=9)
    return fig


def plot_influence(history: PosteriorHistory, workspace: Workspace, influence: xr.Dataset | None = None) -> Figure:
    """Every row's push on every hypothesis and latent, as a matrix (rows in date order).

    A cell is the row's log likelihood ratio after reliability (see `beliefs.inference.influence`):
    blue favours the hypothesis (or raises the latent), vermillion counts against it (or
    lowers it), grey means the row does not bear on it. The rows with the strongest colours
    carried the conclusion.
    """
    influence = row_influence(workspace) if influence is None else influence
    dates = [str(d)[:10] for d in influence["row_date"].values]
    names = [str(r) for r in influence["row"].values]
    row_labels = [f"{d}  {r}" for d, r in zip(dates, names, strict=True)]
    height = 1.9 + 0.24 * max(len(names), 3)
    fig = Figure(figsize=(10, height), layout="constrained")
    ax = fig.add_subplot()
    _llr_matrix(ax, history, influence, row_labels, vmax=_llr_limit(influence), with_step_breaks=True, fontsize=7.5)
    ax.set_title("How far each row moved each hypothesis and latent (log likelihood ratio, after reliability)", fontsize=10, loc="left")
    fig.supxlabel("Blue favours the hypothesis or raises the latent; vermillion counts against it or lowers it; "
                  "grey: the row does not bear on it. ±0.69 = twice as likely.", fontsize=8, color="#444444", x=0.01, ha="left")
    return fig


def _llr_limit(influence: xr.Dataset) -> float:
    values = np.concatenate([influence["hypothesis_llr"].values.ravel(), influence["latent_llr"].values.ravel()])
    finite = np.abs(values[np.isfinite(values)])
    return max(float(finite.max()) if finite.size else 0.0, 0.5)


def _llr_matrix(ax, history, influence: xr.Dataset, row_labels: list[str], *, vmax: float, with_step_breaks: bool = False,
                fontsize: float = 8.0, colorbar: bool = True, rotate: float = 0) -> None:
    """Draw rows x (hypotheses | latents) as a heatmap with the value written in each cell."""
    hyps, lats = history.hypotheses, history.latents
    n_rows = influence.sizes["row"]
    values = np.concatenate([influence["hypothesis_llr"].values, influence["latent_llr"].values], axis=1)
    bears = np.concatenate(
        [np.repeat(influence["bears_on_hypotheses"].values[:, None], len(hyps), axis=1), influence["bears_on_latent"].values], axis=1
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
        steps = influence["row_step"].values
        for i in np.flatnonzero(np.diff(steps)):
            ax.axhline(i + 0.5, color="white", linewidth=2.0)
    if gap:
        ax.axvspan(len(hyps) - 0.5, len(hyps) + 0.5, color="white", zorder=2)
    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax, location="right", shrink=min(1.0, 6 / max(n_rows, 1) + 0.3), aspect=25, pad=0.02)
        bar.set_label("log likelihood ratio\n← counts against · favours →", fontsize=8)
        bar.ax.tick_params(labelsize=7)


# -- one step ------------------------------------------------------------------------------
def plot_step(history: PosteriorHistory, step: int, workspace: Workspace, influence: xr.Dataset | None = None) -> Figure:
    """The hypotheses before and after `step`, and the push of each row that came in at it.

    Left: each hypothesis's probability before the step (pale) and after it (solid). Right:
    the step's rows and their log likelihood ratios (see `plot_influence`). Step 0 shows the
    priors alone.
    """
    from beliefs.inference.influence import rows_of_step

    if not 0 <= step < history.n_steps:
        raise ValueError(f"step {step} is out of range; this history has steps 0 to {history.n_steps - 1}")
    influence = row_influence(workspace) if influence is None else influence
    hyps = history.hypotheses
    rows = rows_of_step(influence, step)
    n_rows = rows.sizes["row"]
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
    _llr_matrix(right, history, rows, [str(r) for r in rows["row"].values], vmax=_llr_limit(influence), fontsize=8, colorbar=False,
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
            change = 100 * (after[i] - before[i])
            text = f"{100 * before[i]:.0f}% → {100 * after[i]:.0f}% ({change:+.1f} pts)".replace("-", "−")
            ax.text(max(before[i], after[i]) + 0.015, y[i], text, va="center", fontsize=8.5)
        else:
            ax.barh(y[i], after[i], height=0.6, color=colour(i))
            ax.text(after[i] + 0.015, y[i], f"{100 * after[i]:.0f}%", va="center", fontsize=8.5)
    ax.set_yticks(y, [_wrap(labels.get(h, h), 30) + f"\n({h})" for h in hyps], fontsize=8.5)
    ax.set_xlim(0, 1.45)  # room for the labels of bars near 100%
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.spines["bottom"].set_bounds(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.tick_params(axis="x", labelsize=8)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if step > 0:
        ax.legend(handles=[Patch(color=PRIOR_GREY, alpha=0.35, label="before"), Patch(color=PRIOR_GREY, label="after")],
                  loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=8, frameon=False)


# -- ArviZ: latents and diagnostics -------------------------------------------------------
def _with_sample_coords(ds: xr.Dataset) -> xr.Dataset:
    """Draws with explicit chain/draw coordinates (ArviZ groups by chain only when they exist)."""
    return ds.assign_coords(chain=np.arange(ds.sizes["chain"]), draw=np.arange(ds.sizes["draw"])).drop_vars(["step", "date"], errors="ignore")


def arviz_tree(history: PosteriorHistory, step: int) -> xr.DataTree:
    """Step `step` as an ArviZ DataTree: its latents' draws as `posterior`, step 0's as `prior`."""
    return xr.DataTree.from_dict(
        {"posterior": _with_sample_coords(history.latent_posterior(step)), "prior": _with_sample_coords(history.latent_posterior(0))}
    )


def _labeller(history: PosteriorHistory):
    from arviz_base.labels import MapLabeller

    labels = history.labels
    return MapLabeller(var_name_map={name: _wrap(labels.get(name, name), 60) for name in history.latents})


def plot_latent_step(history: PosteriorHistory, step: int):
    """Each latent's prior (grey) and its posterior after `step` (blue): ArviZ's `plot_prior_posterior`.

    Returns the ArviZ PlotCollection (`.savefig(path)`; `figure_of(pc)` for the Figure).
    """
    import arviz_plots as azp

    if not history.latents:
        raise ValueError("this scenario has no latents to plot")
    if not 0 <= step < history.n_steps:
        raise ValueError(f"step {step} is out of range; this history has steps 0 to {history.n_steps - 1}")
    n = len(history.latents)
    pc = azp.plot_prior_posterior(
        arviz_tree(history, step),
        backend="matplotlib",
        labeller=_labeller(history),
        aes={"color": ["group"]},
        color=[PRIOR_GREY, OKABE_ITO[0]],
        col_wrap=1,
        figure_kwargs={"figsize": (6.0, 0.4 + 1.8 * n), "layout": "constrained"},
    )
    fig = figure_of(pc)
    fig.suptitle(f"Step {step}, {history.dates[step]}: prior and posterior", fontsize=10, x=0.01, ha="left")
    for ax in fig.axes:
        ax.tick_params(labelsize=8)
        ax.set_xlim(left=0)
    names = {"prior": "prior", "posterior": f"after step {step}"}
    for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]:
        legend.set_title(None)
        legend.set_frame_on(False)
        for text in legend.get_texts():
            text.set_text(names.get(text.get_text(), text.get_text()))
    for ax in fig.axes:
        if ax.has_data():
            ax.set_xlabel("value (0 to 1)", fontsize=8)
    return pc


def _palette():
    """ArviZ takes its default colours from matplotlib's colour cycle: make that Okabe–Ito."""
    import matplotlib as mpl
    from cycler import cycler

    return mpl.rc_context({"axes.prop_cycle": cycler(color=list(OKABE_ITO))})


def _require_nuts(history: PosteriorHistory) -> None:
    if "rhat" not in history.dataset:
        raise ValueError(
            f"this history was computed with the {history.engine!r} engine, which draws independent samples; "
            "sampler diagnostics exist only for NUTS (compute_history(..., engine='nuts'))"
        )


def plot_diagnostics(history: PosteriorHistory, step: int):
    """ArviZ's rank plot (one line per chain) and ESS plot of the latents at `step`; NUTS only.

    Well-mixed chains give rank lines that stay inside the band, and the ESS dots should lie
    above the dashed line (400). Returns the ArviZ PlotCollection. R-hat, ESS and divergence
    counts for every step are in `plot_diagnostics_timeline`.
    """
    import arviz_plots as azp

    _require_nuts(history)
    if not history.latents:
        raise ValueError("this scenario has no latents, so the sampler drew nothing to diagnose")
    tree = xr.DataTree.from_dict({"posterior": _with_sample_coords(history.latent_posterior(step))})
    n = len(history.latents)
    labeller = _labeller(history)
    with _palette():
        pc = azp.combine_plots(
        tree,
            plots=[(azp.plot_rank, {"labeller": labeller}), (azp.plot_ess, {"labeller": labeller})],
            plot_names=["rank", "ess"],
            backend="matplotlib",
            figure_kwargs={"figsize": (9.5, 0.6 + 2.6 * n), "layout": "constrained"},
        )
    fig = figure_of(pc)
    for ax in fig.axes:
        for text in ax.texts:
            if text.get_text().startswith("p="):
                # ArviZ puts the multi-chain test's p-value at a data height that can fall far outside narrow axes; pin it inside.
                text.set_transform(ax.transAxes)
                text.set_position((0.01, 0.98))
                text.set_verticalalignment("top")
                text.set_fontsize(8)
    ds = history.dataset.sel(step=step)
    numbers = "; ".join(
        f"{name}: R-hat {float(ds['rhat'].sel(latent=name)):.3f}, ESS bulk {float(ds['ess_bulk'].sel(latent=name)):.0f}, "
        f"tail {float(ds['ess_tail'].sel(latent=name)):.0f}"
        for name in history.latents
    )
    fig.suptitle(f"Step {step}, {history.dates[step]}: NUTS diagnostics. {numbers}; {int(ds['divergences'])} divergences",
                 fontsize=9, x=0.01, ha="left")
    return pc


def plot_diagnostics_timeline(history: PosteriorHistory) -> Figure:
    """R-hat, effective sample size and divergences of every step (NUTS only), against the date."""
    _require_nuts(history)
    ds = history.dataset
    dates = ds["date"].values.astype("datetime64[D]")
    fig = Figure(figsize=(9.5, 6.2), layout="constrained")
    ax_rhat, ax_ess, ax_div = fig.subplots(3, 1, sharex=True)
    for j, name in enumerate(history.latents):
        ax_rhat.plot(dates, ds["rhat"].sel(latent=name), marker=marker(j), color=colour(j), label=name)
        ax_ess.plot(dates, ds["ess_bulk"].sel(latent=name), marker=marker(j), color=colour(j), label=f"{name}, bulk")
        ax_ess.plot(dates, ds["ess_tail"].sel(latent=name), marker=marker(j), color=colour(j), linestyle=":", label=f"{name}, tail")
    ax_rhat.axhline(1.01, color=colour(1), linestyle="--", linewidth=1, label="1.01 (worry above)")
    ax_rhat.set_ylabel("R-hat")
    ax_ess.axhline(400, color=colour(1), linestyle="--", linewidth=1, label="400 (worry below)")
    ax_ess.set_ylabel("ESS")
    ax_ess.set_ylim(bottom=0)
    ax_div.bar(dates, ds["divergences"].values, width=2.0, color=colour(1))
    ax_div.set_ylabel("divergences")
    ax_div.set_ylim(0, max(1, int(ds["divergences"].max())) * 1.2)
    ax_div.yaxis.set_major_locator(MaxNLocator(integer=True))
    failed = dates[~ds["converged"].values.astype(bool)] if "converged" in ds else []
    for ax in (ax_rhat, ax_ess, ax_div):
        for date in failed:
            ax.axvline(date, color=colour(1), linewidth=6, alpha=0.25, zorder=0)
        ax.grid(axis="y", color="#E4E4E4", linewidth=0.8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    if len(failed):
        ax_rhat.plot([], [], color=colour(1), linewidth=6, alpha=0.25, label="did not converge")
    ax_rhat.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax_ess.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _date_axis(ax_div)
    ax_rhat.set_title("NUTS diagnostics at every step", fontsize=10, loc="left")
    return fig
