"""The record commands of `beliefs`: `update --as-of` (called from `beliefs.cli`), and `diff`,
which registers on the same `app`; `report --as-of/--since` is `beliefs.workflow.analyse`."""

from __future__ import annotations

import datetime as dt
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from beliefs.cli import WorkspaceArg, _check_convergence, _fail, app, err, show
from beliefs.errors import WorkspaceError


def as_of_date(text: str) -> dt.date:
    """The `--as-of` date, or exit 2 with the fix."""
    from beliefs.record.vintage import parse_date

    try:
        return parse_date(text)
    except ValueError as error:
        err.print(f"[bold red]error[/] --as-of: {error}", highlight=False)
        raise typer.Exit(2) from None


def update_as_of(workspace: Path, as_of: str, *, as_json: bool, engine: str, seed: int, draws: int, horizon_days: int | None,
                 allow_unconverged: bool) -> None:
    """`beliefs update --as-of DATE`: the path as the workspace stood at the end of DATE, computed
    from that version's files in a temporary folder; the workspace's own cache is not touched."""
    from beliefs.inference.pipeline import compute_history
    from beliefs.record.vintage import vintage
    from beliefs.results.summary import summary_json

    date = as_of_date(as_of)
    try:
        with vintage(workspace, date) as found:
            history = compute_history(found.workspace, engine=engine, seed=seed, draws=draws, horizon_days=horizon_days)
            scenario = found.workspace.scenario
    except WorkspaceError as error:
        _fail(error)
    err.print(f"as of {date}: commit {found.commit.short} (committed {found.commit.committed:%Y-%m-%d %H:%M} UTC); "
              f"{history.n_steps - 1} dated step{'s' if history.n_steps != 2 else ''} up to {date}", highlight=False)
    summary = history.summary()
    if horizon_days is not None:
        summary = {**summary, "forecast": history.forecast_summary()}
    if as_json:
        sys.stdout.write(summary_json(summary))
    else:
        from beliefs.outputs.tables import summary_table

        show(summary_table(summary, scenario))
    _check_convergence(summary, allow_unconverged)


@contextmanager
def revisions(workspace: Path, rev: str, rev2: str | None):
    """The two versions a diff compares, named on stderr."""
    from beliefs.workflow import revisions as versions

    with versions(workspace, rev, rev2) as (before, after, commits):
        err.print(f"diff of {workspace} from {rev} ({commits[0].short}) to " + (f"{rev2} ({commits[1].short})" if rev2 else "the working tree"),
                  highlight=False)
        yield before, after


@app.command()
def diff(
    workspace: WorkspaceArg,
    rev: Annotated[str, typer.Argument(help="The earlier revision: a commit hash, tag, branch or e.g. HEAD~1.")],
    rev2: Annotated[str | None, typer.Argument(help="The later revision (default: the working tree).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of a table.")] = False,
    engine: Annotated[str, typer.Option(help="auto (exact where it applies), exact or nuts.")] = "auto",
    seed: Annotated[int, typer.Option(help="Random seed: the same files, engine and seed give the same numbers.")] = 0,
) -> None:
    """What a revision changed: rows added, removed and changed, scenario keys changed, the final
    answer before and after, and each change's own effect (the shift it makes applied alone to REV)."""
    from beliefs.inference.pipeline import ENGINES
    from beliefs.record.diff import describe, revision_diff
    from beliefs.results.analysis import RunSettings
    from beliefs.results.summary import summary_json
    from beliefs.workflow import final_answer

    if engine not in ENGINES:
        err.print(f"[bold red]error[/] --engine {engine!r}: choose one of {', '.join(ENGINES)}")
        raise typer.Exit(2)
    try:
        with revisions(workspace, rev, rev2) as (before, after):
            result = revision_diff(before, after, final_answer(RunSettings(engine=engine, seed=seed)))
            details = [describe(change, before, after) for change in result["changes"]]
    except WorkspaceError as error:
        _fail(error)
    if as_json:
        sys.stdout.write(summary_json(result))
        return
    from beliefs.outputs.tables import diff_table

    show(diff_table(result, details, rev, rev2 or "working tree"))
