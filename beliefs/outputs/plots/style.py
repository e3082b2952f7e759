"""The look shared by every figure: Okabe–Ito colours (distinct for the common colour-vision
deficiencies) with a marker per series, so a grey-scale print still tells lines apart; date
axes; the estimative-word axis; `figure_of`, the matplotlib Figure behind either a
Figure or an ArviZ PlotCollection; and `drawn_literally`, so analyst text is never mathtext."""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.dates as mdates
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from beliefs.outputs.wording import SCALE

if TYPE_CHECKING:
    from beliefs.results.history import PosteriorHistory

# Okabe & Ito (2008), "Color Universal Design", in the order used for hypotheses.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
PRIOR_GREY = "#8C8C8C"
EVIDENCE_GREY = "#C8C8C8"
# Diverging map for log likelihood ratios: vermillion (counts against) - white - blue (favours).
LLR_CMAP = LinearSegmentedColormap.from_list("beliefs_llr", ["#D55E00", "#F7F7F7", "#0072B2"])
NOT_BEARING = "#EDEDED"


def colour(index: int) -> str:
    """The Okabe–Ito colour of series `index`."""
    return OKABE_ITO[index % len(OKABE_ITO)]


def marker(index: int) -> str:
    """The marker of series `index`."""
    return MARKERS[index % len(MARKERS)]


def wrap(text: str, width: int) -> str:
    """`text` wrapped at `width` characters for a label."""
    return "\n".join(textwrap.wrap(text, width)) or text


def figure_of(plot: Any) -> Figure:
    """The matplotlib Figure behind a Figure or an ArviZ PlotCollection."""
    if isinstance(plot, Figure):
        return plot
    viz = getattr(plot, "viz", None)
    if viz is not None and "figure" in viz:
        return viz["figure"].item()
    raise TypeError(f"cannot find a matplotlib figure in {type(plot).__name__}")


def drawn_literally(plot: Callable) -> Callable:
    """`plot` with every text of its figure drawn as typed: a `$` in a label, id or summary is a
    dollar sign, never mathtext (which would render `$x_1$` as math and fail on `$5^{`). Texts
    made while plotting default to it (`text.parse_math`); those already made are switched too."""

    @functools.wraps(plot)
    def draw(*args, **kwargs):
        with matplotlib.rc_context({"text.parse_math": False}):
            result = plot(*args, **kwargs)
        for text in figure_of(result).findobj(Text):
            text.set_parse_math(False)
        return result

    return draw


def date_axis(ax) -> None:
    """Concise date ticks on the x axis."""
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def step_dates(history: PosteriorHistory) -> tuple[np.ndarray, np.ndarray]:
    """The dates of the steps, and the same with one extra date that carries the last value on."""
    dates = history.step_date.values.astype("datetime64[D]")
    span = max(int((dates[-1] - dates[0]).astype(int)), 10)
    extended = np.append(dates, dates[-1] + np.timedelta64(max(2, span // 40), "D"))
    return dates, extended


def evidence_rug(ax, dates: np.ndarray) -> None:
    """A short grey tick along the bottom of the axis at each distinct evidence date, so that a
    run of close steps reads as a denser comb instead of a grey block."""
    for date in np.unique(dates[1:]):
        ax.axvline(date, ymin=0, ymax=0.045, color=EVIDENCE_GREY, linewidth=1.1, zorder=0.5, solid_capstyle="butt")


def evidence_tick() -> Line2D:
    """The legend entry of `evidence_rug`."""
    return Line2D([], [], color=EVIDENCE_GREY, marker="|", linestyle="none", markersize=11, markeredgewidth=1.5, label="date of new evidence")


def estimative_axis(ax) -> None:
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
