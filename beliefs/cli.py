"""The `beliefs` command: a thin shell over the public API.

Exit status: 0 success, 1 an unexpected failure, 2 a problem in the analyst's files or
arguments (each named with file, line and column), 3 NUTS sampling that did not converge.
"""

from __future__ import annotations

import atexit
import errno
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from beliefs.errors import WorkspaceError, literal, printable
from beliefs.inputs.clock import today
from beliefs.inputs.workspace import init_workspace, load_workspace
from beliefs.results.diagnostics import THRESHOLDS_TEXT

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Bayesian belief updating from dated evidence.")


def _reader_gone() -> None:
    """Stdout's reader stopped reading (`beliefs score | head`): send the rest nowhere and end
    quietly with status 0, as nothing went wrong."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(0)


class _Output(Console):
    """rich's console for stdout, ending quietly with status 0 (not rich's 1) when the reader is gone."""

    def on_broken_pipe(self) -> None:
        """End as `_reader_gone` says."""
        _reader_gone()


out = _Output()
err = Console(stderr=True)

def show(table) -> None:
    """Print a table whole: up to 120 columns when piped (not rich's 80), and never narrower than
    its unbreakable cells in a narrow terminal (the terminal wraps the lines; no header is cut)."""
    minimum = Measurement.get(out, out.options.update_width(10_000), table).minimum
    piped = not out.is_terminal and "COLUMNS" not in os.environ
    width = max(120 if piped else out.width, minimum)
    saved, out.width = out.width, width
    try:
        out.print(table)
    finally:
        out.width = saved


def progress_bar() -> Progress:
    """The progress bar of a long command, on stderr and only in a terminal; it vanishes when done."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True, disable=not err.is_terminal)


def phase(progress: Progress, description: str):
    """An `on_progress(done, total)` callback that shows one phase of a command as its own bar, in place
    of the phase before it; its total is the one the first call gives, so it never changes mid-run."""
    task = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            for other in list(progress.task_ids):
                progress.remove_task(other)
            task = progress.add_task(description, total=total)
        progress.update(task, completed=done)

    return update


SEED_MAX = 2**64 - 1  # seeds are stored as unsigned 64-bit integers
WorkspaceArg = Annotated[Path, typer.Argument(help="Workspace folder (holds scenario.toml and evidence/).")]


def _fail(error: WorkspaceError) -> None:
    _print_problems(error)
    raise typer.Exit(2)


def _print_problems(error: WorkspaceError) -> None:
    for problem in error.problems:
        err.print(f"[bold red]error[/] {escape(str(problem))}", highlight=False, soft_wrap=True)
    count = len(error.problems)
    err.print(f"{count} problem{'s' if count != 1 else ''}; nothing was computed or written.", highlight=False)


@app.command()
def init(directory: WorkspaceArg) -> None:
    """Create a new workspace with a commented scenario.toml and an empty evidence/ folder."""
    try:
        init_workspace(directory)
    except WorkspaceError as error:
        _fail(error)
    out.print(f"Created workspace {literal(directory)}: edit {literal(directory / 'scenario.toml')}, then add dated CSV files to "
              f"{literal(directory / 'evidence')}.", highlight=False)


@app.command()
def check(workspace: WorkspaceArg = Path(".")) -> None:
    """Validate a workspace without computing anything."""
    from beliefs.inputs.indicators import load_indicators

    try:
        ws = load_workspace(workspace)
        load_indicators(ws)  # validated as `watch` would, so it fails here, not later
    except WorkspaceError as error:
        _fail(error)
    from beliefs.record.blame import preregistration_warning

    late = preregistration_warning(ws)  # criteria written after the fact (git blame); None outside git
    warnings = [*ws.warnings, late] if late else list(ws.warnings)
    for warning in warnings:
        err.print(f"[bold yellow]warning[/] {escape(str(warning))}", highlight=False, soft_wrap=True)
    scenario = ws.scenario
    groups = f", {_count(len(scenario.groups), 'group')}" if scenario.groups else ""
    out.print(f"OK: {literal(repr(scenario.title))}: {_count(len(scenario.hypotheses), 'hypothesis', 'hypotheses')}, {_count(len(scenario.latents), 'latent')}"
              f"{groups}, {_count(len(ws.rows), 'row')} in {_count(len(ws.steps) - 1, 'dated step')}"
              + (f" (no dated CSV files in {escape(str(ws.evidence_dir))} yet)" if not ws.rows else "")
              + (f"; {_count(len(warnings), 'warning')} above." if warnings else "."), highlight=False, soft_wrap=True)


def _count(n: int, word: str, plural: str | None = None) -> str:
    """"1 latent", "2 latents": a count with its noun in the right number."""
    return f"{n} {word if n == 1 else plural or word + 's'}"


@app.command()
def update(
    workspace: WorkspaceArg = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of a table.")] = False,
    seed: Annotated[int, typer.Option(min=0, max=SEED_MAX, help="Random seed: the same files, engine and seed give the same numbers.")] = 0,
    engine: Annotated[str, typer.Option(help="auto (exact where it applies), exact or nuts.")] = "auto",
    draws: Annotated[int, typer.Option(min=10, help="Posterior draws per chain.")] = 1000,
    horizon: Annotated[str | None, typer.Option(help="Also forecast each latent this far past the last step: 30d, 6w or 3m.")] = None,
    allow_unconverged: Annotated[bool, typer.Option(help="Exit 0 even when NUTS did not converge on some step.")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The path as the workspace stood in git at the end of this day "
                                                               "(UTC, YYYY-MM-DD): its steps up to that day.")] = None,
) -> None:
    """Compute the posterior after every dated step (only what changed since the last run).

    Exits 3 when NUTS failed its convergence checks on a step (unless --allow-unconverged).
    """
    from beliefs.inference.forecast import parse_horizon
    from beliefs.inference.pipeline import ENGINES, update_history
    from beliefs.results.summary import summary_json

    if engine not in ENGINES:
        err.print(f"[bold red]error[/] --engine {literal(repr(engine))}: choose one of {', '.join(ENGINES)}")
        raise typer.Exit(2)
    try:
        horizon_days = parse_horizon(horizon) if horizon else None
    except ValueError as error:
        err.print(f"[bold red]error[/] --horizon: {literal(str(error))}", highlight=False)
        raise typer.Exit(2) from None
    if as_of is not None:
        from beliefs.cli_record import update_as_of

        update_as_of(workspace, as_of, as_json=as_json, engine=engine, seed=seed, draws=draws, horizon_days=horizon_days,
                     allow_unconverged=allow_unconverged)
        return
    try:
        ws = load_workspace(workspace)
    except WorkspaceError as error:
        _fail(error)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("Updating", total=len(ws.steps))
        result = update_history(ws, engine=engine, seed=seed, draws=draws, horizon_days=horizon_days, need_history=False,
                                on_step=lambda done, total: progress.update(task, completed=done),
                                on_wait=lambda: err.print("Waiting for another beliefs process on this workspace..."))
    for note in result.notes:
        err.print(f"[yellow]note[/] {literal(note)}", highlight=False, soft_wrap=True)
    planned = sorted({row.date.isoformat() for row in ws.rows if row.date > today()})
    if planned:  # allowed by allow_future = true: say so, so that no one reads them as news
        err.print(f"[bold yellow]warning[/] planning rows dated after today ({today()}), allowed by allow_future = true: {', '.join(planned)}",
                  highlight=False)
    computed = result.computed_steps
    err.print(f"engine: {result.engine}; computed {len(computed)} of {len(ws.steps)} steps"
              + (f" (from step {computed[0]})" if computed else " (all cached)"), highlight=False)
    summary = result.summary
    if horizon_days is not None:
        summary = {**summary, "forecast": result.history.forecast_summary()}
    if as_json:
        sys.stdout.write(summary_json(summary))
    else:
        from beliefs.outputs.tables import summary_table

        show(summary_table(summary, ws.scenario))
    _check_convergence(summary, allow_unconverged)


def _check_convergence(summary: dict, allow_unconverged: bool) -> None:
    """Never let unconverged sampling pass silently as an answer."""
    failed = [s for s in summary["steps"] if not s.get("diagnostics", {}).get("converged", True)]
    if not failed:
        return
    dates = ", ".join(s["date"] for s in failed)
    err.print(f"[bold yellow]warning[/] NUTS did not converge ({THRESHOLDS_TEXT}) on {len(failed)} step(s): {dates}, "
              "even after a second, longer run; do not rely on those numbers: use --engine exact, or more --draws.", highlight=False)
    if not allow_unconverged:
        raise typer.Exit(3)


_options = {"debug": False}


@app.callback()
def _global_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show the Python traceback of an unexpected error.")] = False,
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=lambda value: _print_version(value),
                                          help="Print the version of beliefs and exit.")] = False,
) -> None:
    """Bayesian belief updating from dated evidence."""
    _options["debug"] = debug


def _print_version(value: bool) -> None:
    if value:
        from beliefs import __version__

        out.print(f"beliefs {__version__}", highlight=False)
        raise typer.Exit(0)


@app.command()
def report(
    workspace: WorkspaceArg = Path("."),
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder to write (default: WORKSPACE/reports); replaced whole, atomically.")] = None,
    engine: Annotated[str, typer.Option(help="auto (exact where it applies), exact or nuts.")] = "auto",
    seed: Annotated[int, typer.Option(min=0, max=SEED_MAX, help="Random seed: the same files, engine and seed give the same numbers.")] = 0,
    horizon: Annotated[str, typer.Option(help="How far past the last step the latents' forecast fan reaches: 30d, 6w or 3m "
                                                "(none once the question has resolved).")] = "30d",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Report the workspace as it stood in git at the end of this day (UTC, "
                                                               "YYYY-MM-DD).")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Add a \"What changed since REV\" section: each change since this git "
                                                               "revision and its own effect on the answer.")] = None,
) -> None:
    """Write a self-contained report folder: index.html, report.md, figures (PNG, SVG), history.nc, summary.json."""
    import matplotlib

    matplotlib.use("Agg")
    from beliefs.inference.forecast import parse_horizon
    from beliefs.inference.pipeline import ENGINES
    from beliefs.outputs.report import write_report
    from beliefs.results.analysis import RunSettings
    from beliefs.workflow import analyse

    if engine not in ENGINES:
        err.print(f"[bold red]error[/] --engine {literal(repr(engine))}: choose one of {', '.join(ENGINES)}")
        raise typer.Exit(2)
    try:
        parse_horizon(horizon)
    except ValueError as error:
        err.print(f"[bold red]error[/] --horizon: {literal(str(error))}", highlight=False)
        raise typer.Exit(2) from None
    settings = RunSettings(engine=engine, seed=seed, horizon=horizon)
    if as_of is not None:
        from beliefs.cli_record import as_of_date

        as_of_date(as_of)  # exit 2 with the fix before anything is computed
    try:
        with progress_bar() as progress:
            phases = {}

            def on_progress(name: str, done: int, total: int) -> None:
                phases.setdefault(name, phase(progress, name))(done, total)

            analysis = analyse(workspace, settings, as_of=as_of, since=since, on_progress=on_progress,
                               on_wait=lambda: err.print("Waiting for another beliefs process on this workspace..."))
            for note in analysis.notes:
                err.print(f"[yellow]note[/] {literal(note)}", highlight=False, soft_wrap=True)
            if analysis.vintage:
                found = analysis.vintage
                err.print(f"as of {found.date}: commit {found.commit.short} (committed {found.commit.committed:%Y-%m-%d %H:%M} UTC)", highlight=False)
            folder = write_report(analysis, out_dir, on_progress=phase(progress, "Drawing"))
    except WorkspaceError as error:
        _fail(error)
    out.print(f"Wrote the report to {literal(folder / 'index.html')}", highlight=False)




# The other commands register on `app` when imported, in the order `beliefs --help` lists them.
from beliefs import cli_rows  # noqa: E402, F401, I001  (add, what-if)
from beliefs import cli_analysis  # noqa: E402, F401  (score, sensitivity, watch)
from beliefs import cli_record  # noqa: E402, F401  (diff)
from beliefs import cli_analysts  # noqa: E402, F401  (analysts)


def main() -> None:
    """Run the command; an unexpected error prints one line (a traceback only with --debug) and exits 1."""
    try:
        app(standalone_mode=True)
    except BrokenPipeError:
        _reader_gone()
    except WorkspaceError as error:  # a problem found past a command's own checks, such as the cache folder being a file
        _print_problems(error)
        sys.exit(2)
    except Exception as error:  # not a problem in the analyst's files (those exit 2 with their location)
        if _options["debug"]:
            raise
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):  # the previous files stay: every write is atomic
            where = f" writing {printable(str(error.filename))}" if error.filename else ""
            print(f"error: the disk is full{where} ({error.strerror or 'no space left'}); nothing was replaced: free some space and run again",
                  file=sys.stderr)
            sys.exit(1)
        first = (str(error).strip().splitlines() or [""])[0]
        print(f"error: unexpected {type(error).__name__}: {first} (run again as `beliefs --debug ...` for the traceback)", file=sys.stderr)
        sys.exit(1)


def console() -> None:
    """The `beliefs` command: `main`, then exit without the interpreter's teardown.

    Freeing the modules of PyMC, PyTensor and xarray at exit costs about 0.4 s, a sixth of a
    one-file update. By the time `main` returns every file is written, closed and renamed, so
    only the output streams and the `atexit` handlers are left to run, and they are run here.
    Only for the console script: in-process callers (tests, notebooks) use `main` or `app`.
    """
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    if not isinstance(code, int):  # sys.exit("message") or sys.exit(None)
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    console()
