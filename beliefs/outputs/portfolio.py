"""The portfolio page of `beliefs score --out`: the scores of many resolved questions and their
calibration diagram, written atomically like the report."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
from matplotlib.figure import Figure

from beliefs.outputs.plots.style import OKABE_ITO, PRIOR_GREY, drawn_literally
from beliefs.outputs.report.folder import building_folder, check_replaceable, out_folder, remove_stale, swap_in, write_marker
from beliefs.outputs.wording import outcome_words
from beliefs.results.summary import summary_json


@drawn_literally
def plot_calibration(portfolio: dict) -> Figure:
    """Observed frequency against mean forecast per bin, each point's area proportional to its days.

    Parameters
    ----------
    portfolio : dict
        The `portfolio` entry of `beliefs score --json`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    bins = [b for b in portfolio["calibration"] if b["weight"]]
    fig = Figure(figsize=(6.0, 6.0), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color=PRIOR_GREY, linestyle="--", linewidth=1, label="perfect calibration")
    if bins:
        largest = max(b["weight"] for b in bins)
        ax.scatter([b["forecast"] for b in bins], [b["observed"] for b in bins], s=[40 + 400 * b["weight"] / largest for b in bins],
                   color=OKABE_ITO[0], alpha=0.8, edgecolor="white", label="bin (area: days held)")
        ax.plot([b["forecast"] for b in bins], [b["observed"] for b in bins], color=OKABE_ITO[0], linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("mean forecast probability in the bin")
    ax.set_ylabel("observed frequency")
    ax.set_title(f"Calibration over {portfolio['resolved']} resolved question{'s' if portfolio['resolved'] != 1 else ''}", fontsize=11, loc="left")
    ax.legend(loc="upper left", frameon=False, fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def write_portfolio(report: dict, out_dir: str | Path, *, version: str) -> Path:
    """Write `index.html`, `calibration.png|svg` and `scores.json` to `out_dir` (replaced whole).

    Parameters
    ----------
    report : dict
        The JSON object of `beliefs score --json`.
    out_dir : path
        The folder to write; a non-empty folder that beliefs did not write is refused.
    version : str
        The package version, for the page's footer.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    target = out_folder(out_dir)
    check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target)
    building = building_folder(target)
    try:
        portfolio = report["portfolio"]
        if portfolio["resolved"]:
            fig = plot_calibration(portfolio)
            fig.savefig(building / "calibration.png", dpi=220, metadata={"Software": None})
            fig.savefig(building / "calibration.svg", metadata={"Date": None})
        environment = jinja2.Environment(loader=jinja2.PackageLoader("beliefs.outputs.report", "templates"), autoescape=True,
                                         undefined=jinja2.StrictUndefined)
        page = environment.get_template("portfolio.html.j2").render(workspaces=[_row(w) for w in report["workspaces"]], version=version,
                                                                     alt=_alt(portfolio), **({"hindcast_share": None} | portfolio))
        (building / "index.html").write_text(page, encoding="utf-8")
        (building / "scores.json").write_text(summary_json(report), encoding="utf-8")
        write_marker(building, "Written by `beliefs score --out`, which replaces this folder whole on every run.")
        swap_in(building, target)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def _number(value) -> str:
    return "∞" if value is None else f"{value:.3f}"


def _row(entry: dict) -> dict:
    row = {"workspace": entry["workspace"], "title": entry["title"], "status": entry["status"], "by": entry.get("by"),
           "outcome": outcome_words(entry["outcome"]), "resolved_on": entry["resolved_on"]}
    if entry["status"] == "resolved":
        base = entry["baselines"]
        row |= {"brier": _number(entry["time_weighted"]["brier"]), "log_score": _number(entry["time_weighted"]["log_score"]),
                "prior_brier": _number(base["prior"]["brier"]), "uniform_brier": _number(base["uniform"]["brier"]),
                "prior_log": _number(base["prior"]["log_score"]), "uniform_log": _number(base["uniform"]["log_score"]),
                "hindcast": "not in git" if entry.get("hindcast_share") is None else f"{100 * entry['hindcast_share']:.0f}%",
                "late_criteria": entry["criteria_changed_on"] if entry.get("preregistered") is False else None}
    return row


def _alt(portfolio: dict) -> str:
    bins = [b for b in portfolio["calibration"] if b["weight"]]
    points = "; ".join(f"forecasts near {b['forecast']:.2f} came true {b['observed']:.0%} of the time" for b in bins)
    return f"Calibration diagram of {portfolio['resolved']} resolved questions: {points}." if bins else "No resolved question to plot."
