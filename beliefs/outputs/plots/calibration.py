"""The figure of `beliefs calibrate`: the summed time-weighted log score against alpha, with the
alpha fitted, its bootstrap interval, and alpha = 1 (the likelihoods as judged). It reads the
result `beliefs calibrate --json` prints, not a history."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from beliefs.outputs.plots.style import OKABE_ITO, PRIOR_GREY


def plot_calibration(result: dict) -> Figure:
    """Score against alpha (one alpha for every row: the curve the fit starts from)."""
    alpha = np.array(result["curve"]["alpha"], dtype=float)
    score = np.array([np.inf if v is None else v for v in result["curve"]["log_score"]], dtype=float)
    fig = Figure(figsize=(7.0, 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(alpha, score, color=OKABE_ITO[0], marker="o", markevery=25, label="summed time-weighted log score, one alpha for all rows")
    ax.axvline(1.0, color=PRIOR_GREY, linestyle="--", label=f"alpha = 1 (as judged): {result['log_score_at_1']:.3f} bits")
    n = len(result["questions"])
    if result["by"] == "all":
        low, high = result["interval"]["low"], result["interval"]["high"]
        ax.axvspan(low, high, color=OKABE_ITO[0], alpha=0.12, label=f"{100 * result['interval']['level']:.0f}% bootstrap interval over questions")
        ax.axvline(result["alpha"], color=OKABE_ITO[1], label=f"alpha = {result['alpha']:.2f}: {result['log_score']:.3f} bits")
    else:
        shown = ", ".join(f"{kind or 'unclassified'} {a:.2f}" for kind, a in result["alpha"].items())
        ax.set_title(f"by kind: {shown} ({result['log_score']:.3f} bits)", fontsize=9)
    finite = score[np.isfinite(score)]
    if finite.size:
        ax.set_ylim(finite.min() - 0.05 * (np.ptp(finite) or 1), min(finite.max(), finite.min() + 3 * (result["log_score_at_1"] - finite.min() + 0.5)))
    ax.set_xlabel("alpha: every row's log-likelihood multiplied by it (0 = the prior, 1 = as judged)")
    ax.set_ylabel("log score, bits (lower is better)")
    fig.suptitle(f"Calibration on {n} resolved question{'s' if n != 1 else ''}", fontsize=11)
    ax.legend(fontsize=8, frameon=False)
    return fig
