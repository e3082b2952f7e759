"""`analyse`: the one library call that runs every stage a report shows (the update with the
cache, robustness, what to watch, the record in git) and returns an `Analysis`.

`beliefs report` is `analyse` then `write_report`, so a report written from a notebook has
every section the command's has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from beliefs.inputs.workspace import Workspace
from beliefs.results.analysis import Analysis, RunSettings


def analyse(
    workspace: Workspace | str | Path,
    settings: RunSettings | None = None,
    *,
    as_of: str | None = None,
    since: str | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Analysis:
    """Analyse a workspace: everything `beliefs report` shows, computed once.

    Parameters
    ----------
    workspace : Workspace or path
        A loaded workspace, or its folder (loaded here; a `WorkspaceError` names every problem).
    settings : RunSettings, optional
        How to compute; default `RunSettings()`, the defaults of `beliefs report`.
    as_of : str, optional
        The workspace as it stood in git at the end of this day (UTC, YYYY-MM-DD); its own cache
        is then neither read nor written.
    since : str, optional
        A git revision: the record then says what changed since it, each change's own effect.
    on_progress : callable, optional
        `on_progress(phase, done, total)`, phase `Updating` or `Robustness`.
    on_wait : callable, optional
        Called once when another process holds the workspace's lock.

    Returns
    -------
    Analysis

    Raises
    ------
    ValueError
        An unknown engine, a horizon that does not parse, or an `as_of` that is not a date.
    WorkspaceError
        Problems in the workspace's files (every one, with file, line and column).

    Examples
    --------
    >>> analysis = beliefs.analyse("examples/04-budapest-summit")  # doctest: +SKIP
    >>> beliefs.write_report(analysis, "out")  # doctest: +SKIP
    """
    from beliefs.inference.forecast import parse_horizon
    from beliefs.inference.pipeline import resolve_engine
    from beliefs.inputs.workspace import load_workspace

    settings = settings or RunSettings()
    resolve_engine(settings.engine)  # a ValueError naming the choices, before anything is read
    if settings.horizon is not None:
        parse_horizon(settings.horizon)
    root = Path(workspace.root if isinstance(workspace, Workspace) else workspace)
    with ExitStack() as stack:
        found = None
        if as_of is not None:
            from beliefs.record.vintage import parse_date, vintage

            found = stack.enter_context(vintage(root, parse_date(as_of)))
            ws = found.workspace
        else:
            ws = workspace if isinstance(workspace, Workspace) else load_workspace(root)
        return _analyse(root, ws, settings, found, since, on_progress, on_wait)


def _analyse(root: Path, ws: Workspace, settings: RunSettings, found, since: str | None, on_progress, on_wait) -> Analysis:
    from beliefs.inference.forecast import parse_horizon
    from beliefs.inference.pipeline import update_history
    from beliefs.inference.sensitivity import sensitivity
    from beliefs.inference.watch import watch
    from beliefs.inputs.indicators import load_indicators

    def phase(name: str) -> Callable[[int, int], None] | None:
        return (lambda done, total: on_progress(name, done, total)) if on_progress else None

    resolved = ws.scenario.resolved  # no forecast or signposts: it is settled
    horizon_days = None if resolved or settings.horizon is None else parse_horizon(settings.horizon)
    update = update_history(ws, **settings.engine_options, horizon_days=horizon_days, on_step=phase("Updating"), on_wait=on_wait)
    history = update.history
    robustness = sensitivity(ws, judgment_sd=settings.judgment_sd, draws=settings.draws, seed=settings.seed, on_progress=phase("Robustness"))
    watched = None if resolved else watch(ws, history, load_indicators(ws))
    record = record_section(root, ws, history, found, since, settings)
    return Analysis(root=root, workspace=ws, settings=settings, history=history, robustness=robustness, watch=watched, record=record,
                    vintage=found, notes=tuple(update.notes))


def final_answer(settings: RunSettings) -> Callable[[Workspace], dict[str, float]]:
    """P(H) after the last step of a workspace, computed afresh (no cache is read or written)."""
    from beliefs.inference.pipeline import compute_history

    def final(workspace: Workspace) -> dict[str, float]:
        probabilities = compute_history(workspace, engine=settings.engine, seed=settings.seed).hypothesis_probability.isel(step=-1)
        return {str(h): float(probabilities.sel(hypothesis=h)) for h in probabilities["hypothesis"].values}

    return final


@contextmanager
def revisions(workspace: Path, rev: str, rev2: str | None) -> Iterator[tuple]:
    """The two versions a diff compares (REV from git, REV2 from git or the working tree), and
    the commits they resolved to."""
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
        yield versions[0], versions[1], commits


def record_section(root: Path, ws: Workspace, history, found, since: str | None, settings: RunSettings) -> dict:
    """What the report says of the record: the vintage it shows, what changed since `since`, and
    (under git) how much of the scored path is hindcast and whether the criteria were pre-registered."""
    from beliefs.inference.pipeline import compute_history
    from beliefs.record.diff import describe, revision_diff
    from beliefs.record.track import annotate
    from beliefs.results.scoring import score_entry

    record = {"as_of": found.describe() if found else None, "since": None, "scores": None}
    if since is not None:
        with revisions(root, since, found.commit.sha if found else None) as (before, after, _):
            result = revision_diff(before, after, final_answer(settings))
            details = [describe(change, before, after) for change in result["changes"]]
        record["since"] = {"rev": since, **result, "details": details}
    if ws.scenario.resolved and found is None:
        entry, score = score_entry(history)
        record["scores"] = annotate({"workspace": str(root)} | entry, ws, score,
                                    lambda then: compute_history(then, engine=settings.engine, seed=settings.seed))
    return record
