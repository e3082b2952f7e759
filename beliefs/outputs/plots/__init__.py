"""Figures of a posterior history, for notebooks and for the report.

Every function reads a `PosteriorHistory` alone and draws; none computes a posterior. The
matplotlib figures are built with `matplotlib.figure.Figure` directly, not through pyplot,
so they never pile up in pyplot's registry and show once in a notebook. `plot_diagnostics`
returns ArviZ's `PlotCollection` (`plot_latent_step` uses ArviZ for a sampler's draws and
returns its Figure); `figure_of` gives the matplotlib figure behind either kind.
`plot_calibration` reads the result of `beliefs calibrate` instead of a history.
"""

from beliefs.outputs.plots.calibration import plot_calibration
from beliefs.outputs.plots.evidence import plot_influence, plot_step
from beliefs.outputs.plots.paths import plot_analysts, plot_band, plot_latent_timeline, plot_timeline
from beliefs.outputs.plots.sampling import arviz_tree, plot_diagnostics, plot_diagnostics_timeline, plot_latent_step
from beliefs.outputs.plots.style import OKABE_ITO, figure_of

__all__ = [
    "OKABE_ITO",
    "arviz_tree",
    "figure_of",
    "plot_analysts",
    "plot_band",
    "plot_calibration",
    "plot_diagnostics",
    "plot_diagnostics_timeline",
    "plot_influence",
    "plot_latent_step",
    "plot_latent_timeline",
    "plot_step",
    "plot_timeline",
]
