"""The publishable report: one self-contained folder from an `Analysis`.

`write_report` writes `index.html`, `report.md`, `figures/*.png|svg`, `history.nc` and
`summary.json` (the exact text of `beliefs update --json`), atomically (see
`beliefs.outputs.report.folder`). Analyst text is escaped everywhere: Jinja2's autoescape in
the HTML, `md_escape` in `report.md`.
"""

from __future__ import annotations

import datetime as dt
import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import jinja2

from beliefs.inputs.workspace import Workspace
from beliefs.outputs.report.context import build_context
from beliefs.outputs.report.folder import building_folder, check_replaceable, git_state, out_folder, package_versions, remove_stale, swap_in, write_marker
from beliefs.outputs.report.markup import MdRaw, md_escape, md_link
from beliefs.outputs.report.record import record_context
from beliefs.outputs.report.robustness import robustness_context, watch_context
from beliefs.outputs.wording import percent
from beliefs.results.analysis import Analysis
from beliefs.results.history import PosteriorHistory

REPORT_DIR = "reports"
FIGURE_DPI = 110  # CSS pixels per inch of figure: the size a figure is shown at
PIXEL_DENSITY = 2  # PNG pixels per CSS pixel, sharp on high-density screens


def _save(figure, folder: Path, stem: str) -> tuple[int, int]:
    """Save a Figure or an ArviZ PlotCollection as PNG and SVG, then release it; return the size
    (CSS pixels) to show the PNG at."""
    import matplotlib
    import matplotlib.pyplot as plt

    from beliefs.outputs.plots import figure_of

    fig = figure_of(figure)
    png = folder / f"{stem}.png"
    with matplotlib.rc_context({"text.parse_math": False}):  # tick labels made while drawing are analyst text too
        fig.savefig(png, dpi=FIGURE_DPI * PIXEL_DENSITY, metadata={"Software": None})
        with png.open("rb") as file:  # the size from the PNG's header: matplotlib rounds inches x dpi its own way
            width, height = (round(pixels / PIXEL_DENSITY) for pixels in struct.unpack(">II", file.read(24)[16:24]))
        fig.set_layout_engine("none")  # keep the layout the PNG computed: the same figure, drawn once more, faster
        fig.savefig(folder / f"{stem}.svg", metadata={"Date": None})
    plt.close(fig)  # ArviZ figures are registered with pyplot; ours are not, which this ignores
    return width, height


def _environment() -> tuple[jinja2.Environment, jinja2.Environment]:
    loader = jinja2.PackageLoader("beliefs.outputs.report", "templates")
    html = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    md = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                            finalize=md_escape)
    md.filters["link"] = md_link
    md.filters["raw"] = MdRaw
    md.filters["image"] = lambda figure: figure.md_image()
    return html, md


def _figure_jobs(history: PosteriorHistory, context: dict) -> list[tuple[str, Callable]]:
    from beliefs.outputs import plots

    figures = context["figures"]
    jobs: list[tuple[str, Callable]] = [(f.stem, draw) for f, draw in _robustness_figures(history, context)] + [
        (figures["timeline"].stem, lambda: plots.plot_timeline(history)),
        (figures["influence"].stem, lambda: plots.plot_influence(history)),
    ]
    if figures["latents"]:
        jobs.append((figures["latents"].stem, lambda: plots.plot_latent_timeline(history)))
    if figures.get("diagnostics"):
        jobs.append((figures["diagnostics"].stem, lambda: plots.plot_diagnostics_timeline(history)))
    for figure in figures.get("diagnostics_steps", []):
        k = int(figure.stem.rsplit("-", 1)[1])
        jobs.append((figure.stem, lambda k=k: plots.plot_diagnostics(history, k)))
    if figures.get("diagnostics_latest"):
        jobs.append((figures["diagnostics_latest"].stem, lambda: plots.plot_diagnostics(history, history.n_steps - 1)))
    for item in context["steps"]:
        k = item["index"]
        jobs.append((item["figure"].stem, lambda k=k: plots.plot_step(history, k)))
        if item["latent_figure"]:
            jobs.append((item["latent_figure"].stem, lambda k=k: plots.plot_latent_step(history, k)))
    return jobs


def write_report(
    analysis: Analysis | Workspace,
    out: str | Path | PosteriorHistory | None = None,
    out_dir: str | Path | None = None,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    **sections,
) -> Path:
    """Write the report folder of an analysis (default `WORKSPACE/reports/`) atomically; return its path.

    Parameters
    ----------
    analysis : Analysis
        From `beliefs.analyse`: every number, row, figure and section comes from it.
    out : path, optional
        The folder to write (replaced whole); default `WORKSPACE/reports`.
    out_dir : path, optional
        Only for the deprecated form `write_report(workspace, history, out_dir, robustness=...,
        watch=..., record=...)`, which still works and warns.
    on_progress : callable, optional
        `on_progress(done, total)` after each figure.
    **sections
        The deprecated form's `robustness`, `watch` and `record`.

    Returns
    -------
    pathlib.Path
        The report folder. If anything fails or is interrupted, the previous report stays
        untouched and the half-built folder is removed.

    Examples
    --------
    >>> beliefs.write_report(beliefs.analyse("."), "out")  # doctest: +SKIP
    """
    if isinstance(analysis, Workspace):
        analysis, out = _deprecated(analysis, out, out_dir, sections), out_dir
    elif sections or out_dir is not None:
        raise TypeError(f"write_report(analysis, out): unexpected {', '.join([*sections, *(['out_dir'] if out_dir is not None else [])])}")
    return _write(analysis, out, on_progress)


def _deprecated(workspace: Workspace, history: PosteriorHistory, out_dir, sections: dict) -> Analysis:
    """The Analysis the old call `write_report(workspace, history, ...)` describes."""
    import warnings

    warnings.warn("write_report(workspace, history, ...) is deprecated: use beliefs.write_report(beliefs.analyse(workspace), out), "
                  "which has every section of `beliefs report`", DeprecationWarning, stacklevel=3)
    return Analysis.of(workspace, history, robustness=sections.get("robustness"), watch=sections.get("watch"), record=sections.get("record"))


def _write(analysis: Analysis, out_dir: str | Path | None, on_progress: Callable[[int, int], None] | None) -> Path:
    history, robustness, watch = analysis.history, analysis.robustness, analysis.watch
    import matplotlib as mpl

    target = out_folder(out_dir if out_dir is not None else analysis.root / REPORT_DIR)
    check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    context = build_context(history, _provenance(analysis), now)
    context["forecast"] = _forecast_rows(history) if history.has_forecast and history.latents else None
    context["robustness"] = robustness_context(history, robustness) if robustness else None
    context["watch"] = watch_context(history, watch) if watch and watch.indicators else None
    context["record"] = record_context(analysis.record, history.labels)
    building = building_folder(target)
    try:
        figures_dir = building / "figures"
        figures_dir.mkdir()
        jobs = _figure_jobs(history, context)
        context["figure_sizes"] = {}
        with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "beliefs"}):
            for done, (stem, draw) in enumerate(jobs, start=1):
                context["figure_sizes"][stem] = _save(draw(), figures_dir, stem)
                if on_progress:
                    on_progress(done, len(jobs))
        html, md = _environment()
        (building / "index.html").write_text(html.get_template("index.html.j2").render(**context), encoding="utf-8")
        (building / "report.md").write_text(md.get_template("report.md.j2").render(**context), encoding="utf-8")
        (building / "summary.json").write_text(history.to_json(), encoding="utf-8")
        history.to_netcdf(building / "history.nc")
        write_marker(building, "Written by `beliefs report`, which replaces this folder whole on every run.")
        swap_in(building, target)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def _robustness_figures(history: PosteriorHistory, context: dict) -> list[tuple]:
    from beliefs.outputs import plots

    robustness = context.get("robustness")
    if not robustness:
        return []
    jobs = [(robustness["figure"], lambda: plots.plot_band(history, robustness["band"]))]
    if robustness["analysts"]:
        jobs.append((robustness["analysts"]["figure"], lambda: plots.plot_analysts(history)))
    return jobs


def _forecast_rows(history: PosteriorHistory) -> dict:
    """The forecast at its horizon, formatted like the latents' table."""
    at = history.forecast_summary()
    latents = []
    for name, numbers in at["latents"].items():
        entry = {"name": name, "label": history.labels.get(name, name), "moves": history.scenario.latents[name].time_varying}
        if "probability" in numbers:
            latents.append({**entry, "state": True, "mean": percent(numbers["probability"])})
        else:
            latents.append({**entry, "state": False, **{q: f"{v:.3f}" for q, v in numbers.items()}})
    fixed = [item["label"] for item in latents if not item["moves"]]
    return {"date": at["date"], "latents": latents, "any_moves": len(fixed) < len(latents), "fixed": fixed}


def _provenance(analysis: Analysis) -> dict:
    """The footer: the workspace's name (not a path on the author's machine), git state (none for a
    past version, read from a temporary copy), versions, command."""
    history = analysis.history
    return {
        "git": None if analysis.vintage else git_state(analysis.root),
        "versions": package_versions(),
        "workspace": history.workspace_name,
        "command": f"beliefs report {history.workspace_name} --engine {history.engine} --seed {history.seed}",
    }
