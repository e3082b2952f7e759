"""The analysis commands of `beliefs`: scores of resolved questions, how robust an answer is,
and what to watch for next. They register on the one `app` of `beliefs.cli`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from beliefs.cli import SEED_MAX, WorkspaceArg, _fail, app, err, out, phase, progress_bar, show
from beliefs.errors import WorkspaceError, literal
from beliefs.inputs.workspace import load_workspace


@app.command()
def score(
    workspaces: Annotated[list[Path], typer.Argument(help="One or more workspace folders; unresolved ones are listed and skipped.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of tables.")] = False,
    seed: Annotated[int, typer.Option(min=0, max=SEED_MAX, help="Random seed of the histories scored.")] = 0,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Also write a portfolio page (scores, calibration diagram) to this folder.")] = None,
    grace: Annotated[int, typer.Option("--grace", min=0, help="A step is a hindcast when one of its rows was last changed in git more "
                                                               "than this many days after the step's date.")] = 7,
) -> None:
    """Score resolved questions: Brier and log scores of every step, time-weighted, against the prior
    and a uniform forecast; over all of them, calibration and the Murphy decomposition."""
    from beliefs.inference.pipeline import compute_history
    from beliefs.inference.scored import scored
    from beliefs.record.git import shared_lookups
    from beliefs.record.track import annotate, portfolio_share
    from beliefs.results.scoring import portfolio_report
    from beliefs.results.summary import summary_json

    folders = []
    for folder in workspaces:
        if folder.is_file():  # `beliefs score examples/*` also matches the folder's README
            err.print(f"note: skipped {literal(folder)}: a file, not a workspace folder", highlight=False)
            continue
        folders.append(folder)
    results, annotated = [], []
    with progress_bar() as progress, shared_lookups():  # git is asked once per repository, not per question
        done = phase(progress, "Scoring")
        for count, folder in enumerate(folders, 1):
            try:
                ws = load_workspace(folder)
            except WorkspaceError as error:
                _fail(error)
            entry, path_score = scored(ws, seed=seed)
            results.append((str(folder), entry, path_score))
            annotated.append(annotate({"workspace": str(folder)} | entry, ws, path_score, lambda then: compute_history(then, seed=seed), grace))
            done(count, len(folders))
    report = portfolio_report(results)
    report["workspaces"] = annotated
    report["portfolio"]["hindcast_share"] = portfolio_share(report["workspaces"])
    if out_dir is not None:
        import matplotlib

        matplotlib.use("Agg")
        from beliefs import __version__
        from beliefs.outputs.portfolio import write_portfolio

        try:
            folder = write_portfolio(report, out_dir, version=__version__)
        except WorkspaceError as error:
            _fail(error)
        err.print(f"Wrote the portfolio page to {literal(folder / 'index.html')}", highlight=False)
    if as_json:
        sys.stdout.write(summary_json(report))
        return
    from beliefs.outputs.tables import calibration_table, scores_table

    show(scores_table(report))
    if report["portfolio"]["resolved"]:
        show(calibration_table(report["portfolio"]))


@app.command()
def calibrate(
    workspaces: Annotated[list[Path], typer.Argument(help="Resolved workspace folders to learn from; unresolved ones are listed and skipped.")],
    by: Annotated[str | None, typer.Option("--by", help="One alpha per kind of evidence (kind), or per analyst (analyst); default: one for all rows.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of a table.")] = False,
    out_file: Annotated[Path | None, typer.Option("--out", help="Also write the JSON to this file (for [calibration] file = ...) "
                                                                "and its figure beside it (.png).")] = None,
) -> None:
    """Learn from resolved questions how much to trust the likelihoods: the exponent alpha on every row's
    log-likelihood (overall or by kind) that minimises the summed time-weighted log score."""
    from beliefs.inference.calibrate import calibrate as fit
    from beliefs.results.summary import summary_json

    if by not in (None, "kind", "analyst"):
        err.print(f"[bold red]error[/] --by {literal(repr(by))}: choose kind (one alpha per kind of evidence), analyst (one per analyst), "
                  "or leave --by out for one alpha")
        raise typer.Exit(2)
    named = []
    for folder in workspaces:
        if folder.is_file():  # `beliefs calibrate examples/*` also matches the folder's README
            err.print(f"note: skipped {literal(folder)}: a file, not a workspace folder", highlight=False)
            continue
        try:
            named.append((str(folder), load_workspace(folder)))
        except WorkspaceError as error:
            _fail(error)
    try:
        with progress_bar() as progress:
            result = fit(named, by=by or "all", on_progress=phase(progress, "Calibrating"))
    except ValueError as error:
        err.print(f"[bold red]error[/] {literal(str(error))}")
        raise typer.Exit(2) from None
    if out_file is not None:
        _write_calibration(result, out_file)
    if as_json:
        sys.stdout.write(summary_json(result))
        return
    from beliefs.outputs.tables import calibrate_table

    show(calibrate_table(result))


def _write_calibration(result: dict, target: Path) -> None:
    """The JSON and its figure (target with .png), each replaced atomically."""
    import matplotlib

    matplotlib.use("Agg")
    from beliefs.atomic import atomic_path
    from beliefs.outputs.plots.calibration import plot_calibration
    from beliefs.results.summary import summary_json

    if not target.parent.is_dir():
        err.print(f"[bold red]error[/] --out {literal(str(target))}: the folder {literal(str(target.parent))} does not exist; create it first")
        raise typer.Exit(2)
    with atomic_path(target) as temporary:
        temporary.write_text(summary_json(result), encoding="utf-8")
    figure = target.with_suffix(".png")
    with atomic_path(figure) as temporary:
        plot_calibration(result).savefig(temporary, format="png", dpi=150, metadata={"Software": None})
    err.print(f"Wrote {literal(target)} and its figure {literal(figure)}", highlight=False)


@app.command()
def sensitivity(
    workspace: WorkspaceArg = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of tables.")] = False,
    judgment_sd: Annotated[float, typer.Option("--judgment-sd", min=0.0, help="Sd of the noise added to every likelihood's log-odds.")] = 0.5,
    draws: Annotated[int, typer.Option("--draws", min=1, help="Draws of the judgment band.")] = 1000,
    seed: Annotated[int, typer.Option(min=0, max=SEED_MAX, help="Random seed of the band: the same seed gives the same output.")] = 0,
) -> None:
    """How robust the answer is: each row and group left out (linchpins flagged), the band of the path
    when every likelihood is off by --judgment-sd on the log-odds scale, and the priors' and dynamics' effect."""
    from beliefs.inference.sensitivity import sensitivity as analyse

    try:
        ws = load_workspace(workspace)
    except WorkspaceError as error:
        _fail(error)
    with progress_bar() as progress:
        result = analyse(ws, judgment_sd=judgment_sd, draws=draws, seed=seed, on_progress=phase(progress, "Robustness"))
    if as_json:
        sys.stdout.write(result.to_json())
        return
    from beliefs.outputs.tables import sensitivity_tables

    for table in sensitivity_tables(result, ws.scenario):
        show(table)


@app.command()
def watch(
    workspace: WorkspaceArg = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of a table.")] = False,
    seed: Annotated[int, typer.Option(min=0, max=SEED_MAX, help="Random seed of the history's draws.")] = 0,
) -> None:
    """What to watch for: every indicator of indicators.csv not yet seen, its chance of being observed
    now, what seeing it (or not) would do to the hypotheses, and the information it would give, in bits."""
    from beliefs.inference.pipeline import update_history
    from beliefs.inference.watch import watch as rank
    from beliefs.inputs.indicators import INDICATORS_FILE, load_indicators
    from beliefs.outputs.wording import outcome_words

    try:
        ws = load_workspace(workspace)
        indicators = load_indicators(ws)
    except WorkspaceError as error:
        _fail(error)
    if not indicators:  # one line, not an empty table
        missing = (f"No indicators to rank: {literal(ws.root / INDICATORS_FILE)} is missing or has no rows. List the developments to "
                   "watch for there, one row each with the columns of an evidence file but no date (see the README).")
        if not as_json:
            out.print(missing, highlight=False, soft_wrap=True)
            return
        err.print(f"note: {missing}", highlight=False, soft_wrap=True)
    resolution = ws.scenario.resolution
    if ws.scenario.resolved:
        err.print(f"note: this question resolved on {resolution.judged_on} ({outcome_words(resolution.outcome)}); the indicators are ranked as of its "
                  "last step, for the record", highlight=False)
    result = rank(ws, update_history(ws, seed=seed).history, indicators)
    if as_json:
        sys.stdout.write(result.to_json())
        return
    from beliefs.outputs.tables import watch_table

    show(watch_table(result, ws.scenario))
