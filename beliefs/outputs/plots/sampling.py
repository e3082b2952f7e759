"""Figures of the latents at a step and of the sampler: each latent's density before and after a
step (exact, or ArviZ's from draws), and the sampler's diagnostics (ArviZ rank and ESS plots at
a step; R-hat, ESS and divergences across steps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from beliefs.outputs.plots.style import OKABE_ITO, PRIOR_GREY, colour, date_axis, drawn_literally, figure_of, marker, wrap
from beliefs.results.diagnostics import MAX_RHAT, MIN_ESS

if TYPE_CHECKING:
    from beliefs.results.history import PosteriorHistory


def _with_sample_coords(ds: xr.Dataset) -> xr.Dataset:
    """Draws with explicit chain/draw coordinates (ArviZ groups by chain only when they exist)."""
    return ds.assign_coords(chain=np.arange(ds.sizes["chain"]), draw=np.arange(ds.sizes["draw"])).drop_vars(["step", "date"], errors="ignore")


def arviz_tree(history: PosteriorHistory, step: int, reference: int = 0) -> xr.DataTree:
    """Step `step` as an ArviZ DataTree: its latents' draws as `posterior`, those of step
    `reference` (the prior, step 0, by default) as `prior`."""
    return xr.DataTree.from_dict(
        {"posterior": _with_sample_coords(history.latent_posterior(step)), "prior": _with_sample_coords(history.latent_posterior(reference))}
    )


def _labeller(history: PosteriorHistory):
    from arviz_base.labels import MapLabeller

    labels = history.labels
    return MapLabeller(var_name_map={name: wrap(labels.get(name, name), 60) for name in history.propensities})


@drawn_literally
def plot_latent_step(history: PosteriorHistory, step: int) -> Figure:
    """Each propensity latent's density just before `step` (grey, dashed) and after it (blue).

    It compares the same two moments as `plot_step`'s bars. Exact engines draw the density
    they computed; a sampler's draws are drawn by ArviZ's `plot_prior_posterior` (a kernel
    density estimate), with the draws of step - 1 in the role of the prior. Step 0 shows the prior.

    Parameters
    ----------
    history : PosteriorHistory
    step : int
        0 to `history.n_steps - 1`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not history.propensities:
        raise ValueError("this scenario has no propensity latents to plot (a state's probability is in plot_latent_timeline)")
    if not 0 <= step < history.n_steps:
        raise ValueError(f"step {step} is out of range; this history has steps 0 to {history.n_steps - 1}")
    fig = _exact_densities(history, step) if history.has_density else _sampled_densities(history, step)
    what = "the latents' prior" if step == 0 else f"each latent before the step (as of {history.dates[step - 1]}) and after it"
    fig.suptitle(f"Step {step}, {history.dates[step]}: {what}", fontsize=10, x=0.01, ha="left")
    return fig


def _exact_densities(history: PosteriorHistory, step: int) -> Figure:
    n = len(history.propensities)
    fig = Figure(figsize=(6.0, 0.5 + 1.9 * n), layout="constrained")
    means = history.latent_mean
    for ax, name in zip(fig.subplots(n, 1, squeeze=False)[:, 0], history.propensities, strict=True):
        w, after = history.latent_density(step, name)
        before = history.latent_density(step - 1, name)[1] if step else None
        for density, style in ((before, {"color": PRIOR_GREY, "linestyle": "--"}), (after, {"color": OKABE_ITO[0]})):
            if density is None:
                continue
            ax.fill_between(w, density, color=style["color"], alpha=0.15, linewidth=0)
            ax.plot(w, density, linewidth=1.6, **style)
        mean_after = float(means.sel(step=step, latent=name))
        text = f"mean {mean_after:.3f}" if not step else f"mean {float(means.sel(step=step - 1, latent=name)):.3f} → {mean_after:.3f}"
        ax.text(0.99, 0.95, text, transform=ax.transAxes, ha="right", va="top", fontsize=8)
        ax.set_xlim(*_mass_range(w, [d for d in (before, after) if d is not None]))
        ax.set_ylim(bottom=0)
        ax.set_title(wrap(history.labels.get(name, name), 60) + f" ({name})", fontsize=9, loc="left")
        ax.set_ylabel("density", fontsize=8)
        ax.set_xlabel("value (0 to 1)", fontsize=8)
        ax.tick_params(labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    _before_after_legend(fig, step)
    return fig


def _mass_range(w: np.ndarray, densities: list[np.ndarray]) -> tuple[float, float]:
    """An x range holding 99.8% of every density, padded, so narrow peaks are not squeezed."""
    low, high = 1.0, 0.0
    for density in densities:
        cdf = np.cumsum(density)
        cdf /= cdf[-1]
        low, high = min(low, w[np.searchsorted(cdf, 0.001)]), max(high, w[min(np.searchsorted(cdf, 0.999), w.size - 1)])
    pad = 0.1 * (high - low) + 0.01
    low = 0.0 if low - pad < 0.2 * (high - low) else low - pad
    return low, min(1.0, high + pad)


def _sampled_densities(history: PosteriorHistory, step: int) -> Figure:
    """ArviZ's prior-posterior plot, with the draws just before `step` as the "prior"."""
    import arviz_plots as azp

    pc = azp.plot_prior_posterior(
        arviz_tree(history, step, reference=max(step - 1, 0)),
        backend="matplotlib",
        labeller=_labeller(history),
        aes={"color": ["group"], "linestyle": ["group"]},
        color=[PRIOR_GREY, OKABE_ITO[0]],
        linestyle=["--", "-"],
        col_wrap=1,
        figure_kwargs={"figsize": (6.0, 0.4 + 1.8 * len(history.propensities)), "layout": "constrained"},
    )
    fig = figure_of(pc)
    for ax in fig.axes:
        ax.tick_params(labelsize=8)
        ax.set_xlim(left=0)
        if ax.has_data():
            ax.set_xlabel("value (0 to 1)", fontsize=8)
    _before_after_legend(fig, step)
    return fig


def _before_after_legend(fig: Figure, step: int) -> None:
    """One legend below the panels (never over the title): grey dashed before, blue after."""
    for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]:
        legend.remove()
    if step:
        fig.legend(handles=[Line2D([], [], color=PRIOR_GREY, linestyle="--", label=f"before step {step}"),
                            Line2D([], [], color=OKABE_ITO[0], label=f"after step {step}")],
                   loc="outside lower left", ncols=2, fontsize=8, frameon=False)


def _palette():
    """ArviZ takes its default colours from matplotlib's colour cycle: make that Okabe–Ito."""
    import matplotlib as mpl
    from cycler import cycler

    return mpl.rc_context({"axes.prop_cycle": cycler(color=list(OKABE_ITO))})


def _require_nuts(history: PosteriorHistory) -> None:
    if not history.has_diagnostics:
        raise ValueError(
            f"this history was computed with the {history.engine!r} engine, which draws independent samples; "
            "sampler diagnostics exist only for NUTS (compute_history(..., engine='nuts'))"
        )


@drawn_literally
def plot_diagnostics(history: PosteriorHistory, step: int):
    """ArviZ's rank plot (one line per chain) and ESS plot of the latents at `step`; NUTS only.

    Chains that sample the same distribution give rank lines inside the grey 99% band, and the
    ESS dots should lie above the dashed line (`MIN_ESS`). Returns the ArviZ PlotCollection.
    R-hat, ESS and divergence counts for every step are in `plot_diagnostics_timeline`.
    """
    import arviz_plots as azp

    _require_nuts(history)
    if not history.propensities:
        raise ValueError("this scenario has no propensity latents, so the sampler drew nothing to diagnose")
    tree = xr.DataTree.from_dict({"posterior": _with_sample_coords(history.latent_posterior(step))})
    n = len(history.propensities)
    labeller = _labeller(history)
    rank = {"labeller": labeller, "method": "envelope", "envelope_prob": 0.99, "visuals": {"remove_axis": False}}
    with _palette():
        pc = azp.combine_plots(
            tree,
            plots=[(azp.plot_rank, rank), (azp.plot_ess, {"labeller": labeller})],
            plot_names=["rank", "ess"],
            backend="matplotlib",
            figure_kwargs={"figsize": (9.5, 0.9 + 2.6 * n), "layout": "constrained"},
        )
    fig = figure_of(pc)
    rank_axes, ess_axes = fig.axes[0::2], fig.axes[1::2]
    for ax in rank_axes:
        ax.set_ylabel("rank ECDF − uniform", fontsize=8)
        ax.set_xlabel("fractional rank", fontsize=8)
        ax.text(0.01, 0.02, "inside the grey 99% band: the chains agree", transform=ax.transAxes, fontsize=7.5, color="#444444")
    for ax in ess_axes:
        ax.set_ylim(bottom=0)
        ax.set_ylabel("ESS", fontsize=8)
        ax.set_xlabel("quantile", fontsize=8)
        ax.text(1.0, MIN_ESS, f" {MIN_ESS}: worry below", transform=ax.get_yaxis_transform(), va="center", fontsize=7.5, color="#444444")
    for ax in fig.axes:
        ax.tick_params(labelsize=8)
    chains = [line.get_color() for line in rank_axes[0].get_lines()]
    fig.legend(handles=[Line2D([], [], color=c, label=f"chain {i}") for i, c in enumerate(chains)],
               loc="outside lower center", ncols=len(chains), fontsize=8, frameon=False)
    numbers = "; ".join(
        f"{name}: R-hat {float(history.rhat.sel(step=step).sel(latent=name)):.3f}, ESS bulk {float(history.ess_bulk.sel(step=step).sel(latent=name)):.0f}, "
        f"tail {float(history.ess_tail.sel(step=step).sel(latent=name)):.0f}"
        for name in history.propensities
    )
    fig.suptitle(f"Step {step}, {history.dates[step]}: NUTS diagnostics. {numbers}; {int(history.divergences.sel(step=step))} divergences",
                 fontsize=9, x=0.01, ha="left")
    return pc


@drawn_literally
def plot_diagnostics_timeline(history: PosteriorHistory) -> Figure:
    """R-hat, effective sample size and divergences of every step (NUTS only), against the date."""
    _require_nuts(history)
    dates = history.step_date.values.astype("datetime64[D]")
    fig = Figure(figsize=(9.5, 6.2), layout="constrained")
    ax_rhat, ax_ess, ax_div = fig.subplots(3, 1, sharex=True)
    for j, name in enumerate(history.propensities):
        ax_rhat.plot(dates, history.rhat.sel(latent=name), marker=marker(j), color=colour(j), label=name)
        ax_ess.plot(dates, history.ess_bulk.sel(latent=name), marker=marker(j), color=colour(j), label=f"{name}, bulk")
        ax_ess.plot(dates, history.ess_tail.sel(latent=name), marker=marker(j), color=colour(j), linestyle=":", label=f"{name}, tail")
    ax_rhat.axhline(MAX_RHAT, color=colour(1), linestyle="--", linewidth=1, label=f"{MAX_RHAT} (worry above)")
    ax_rhat.set_ylabel("R-hat")
    ax_ess.axhline(MIN_ESS, color=colour(1), linestyle="--", linewidth=1, label=f"{MIN_ESS} (worry below)")
    ax_ess.set_ylabel("ESS")
    ax_ess.set_ylim(bottom=0)
    ax_div.bar(dates, history.divergences.values, width=2.0, color=colour(1))
    ax_div.set_ylabel("divergences")
    ax_div.set_ylim(0, max(1, int(history.divergences.max())) * 1.2)
    ax_div.yaxis.set_major_locator(MaxNLocator(integer=True))
    failed = np.array([dates[k] for k in history.unconverged_steps])
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
    date_axis(ax_div)
    ax_rhat.set_title("NUTS diagnostics at every step", fontsize=10, loc="left")
    return fig
