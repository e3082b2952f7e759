"""The record commands of `beliefs`: `update --as-of` and `report --as-of/--since` (called from
`beliefs.cli`), and `diff`, which registers on the same `app`."""

from __future__ import annotations

import datetime as dt
import sys
from contextlib import ExitStack, contextmanager
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


def final_answer(engine: str, seed: int):
    """P(H) after the last step of a workspace, computed afresh (no cache is read or written)."""
    from beliefs.inference.pipeline import compute_history

    def final(workspace) -> dict[str, float]:
        probabilities = compute_history(workspace, engine=engine, seed=seed).hypothesis_probability.isel(step=-1)
        return {str(h): float(probabilities.sel(hypothesis=h)) for h in probabilities["hypothesis"].values}

    return final


@contextmanager
def revisions(workspace: Path, rev: str, rev2: str | None):
    """The two versions a diff compares: REV from git, and REV2 from git or the working tree."""
    from beliefs.inputs.workspace import load_workspace
    from beliefs.record.diff import Version
    from beliefs.record.git import require_repository, resolve
    from beliefs.record.vintage import checkout

    repo = require_repository(workspace, "diff")
    with ExitStack() as stack:
        commits = [resolve(repo, r, workspace) for r in (rev, rev2) if r is not None]
        versions = [Version.of(stack.enter_context(checkout(repo, c, workspace, f"revision {r}"))) for c, r in zip(commits, (rev, rev2), strict=False)]
        if rev2 is None:
            versions.append(Version.of(load_workspace(workspace)))
        err.print(f"diff of {workspace} from {rev} ({commits[0].short}) to " + (f"{rev2} ({commits[1].short})" if rev2 else "the working tree"),
                  highlight=False)
        yield versions[0], versions[1]


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
    from beliefs.results.summary import summary_json

    if engine not in ENGINES:
        err.print(f"[bold red]error[/] --engine {engine!r}: choose one of {', '.join(ENGINES)}")
        raise typer.Exit(2)
    try:
        with revisions(workspace, rev, rev2) as (before, after):
            result = revision_diff(before, after, final_answer(engine, seed))
            details = [describe(change, before, after) for change in result["changes"]]
    except WorkspaceError as error:
        _fail(error)
    if as_json:
        sys.stdout.write(summary_json(result))
        return
    from beliefs.outputs.tables import diff_table

    show(diff_table(result, details, rev, rev2 or "working tree"))


def report_workspace(stack: ExitStack, workspace: Path, as_of: str | None):
    """The workspace a report is written from, and its vintage (None without `--as-of`); a
    vintage's temporary folder lives as long as `stack`."""
    from beliefs.inputs.workspace import load_workspace
    from beliefs.record.vintage import vintage

    if as_of is None:
        return load_workspace(workspace), None
    found = stack.enter_context(vintage(workspace, as_of_date(as_of)))
    err.print(f"as of {found.date}: commit {found.commit.short} (committed {found.commit.committed:%Y-%m-%d %H:%M} UTC)", highlight=False)
    return found.workspace, found


def report_record(workspace: Path, ws, history, found, since: str | None, *, engine: str, seed: int) -> dict:
    """What the report says of the record: the vintage it shows, what changed since `since`, and
    (under git) how much of the scored path is hindcast and whether the criteria were pre-registered."""
    from beliefs.inference.pipeline import compute_history
    from beliefs.record.diff import describe, revision_diff
    from beliefs.record.track import annotate
    from beliefs.results.scoring import score_report

    record = {"as_of": found.describe() if found else None, "since": None, "scores": None}
    if since is not None:
        with revisions(workspace, since, found.commit.sha if found else None) as (before, after):
            result = revision_diff(before, after, final_answer(engine, seed))
            details = [describe(change, before, after) for change in result["changes"]]
        record["since"] = {"rev": since, **result, "details": details}
    if ws.scenario.resolved and found is None:
        entry = score_report([(str(workspace), history)])["workspaces"][0]
        record["scores"] = annotate(entry, ws, history, lambda then: compute_history(then, engine=engine, seed=seed))
    return record
