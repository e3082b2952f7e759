"""The `beliefs` command: a thin shell over the public API.

Exit status: 0 success, 1 an unexpected failure, 2 a problem in the analyst's files or
arguments (each named with file, line and column), 3 NUTS sampling that did not converge.
"""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from beliefs.errors import WorkspaceError
from beliefs.inputs.workspace import init_workspace, load_workspace
from beliefs.results.diagnostics import THRESHOLDS_TEXT

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Bayesian belief updating from dated evidence.")
out = Console()
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


WorkspaceArg = Annotated[Path, typer.Argument(help="Workspace folder (holds scenario.toml and evidence/).")]


def _fail(error: WorkspaceError) -> None:
    for problem in error.problems:
        err.print(f"[bold red]error[/] {escape(str(problem))}", highlight=False, soft_wrap=True)
    count = len(error.problems)
    err.print(f"{count} problem{'s' if count != 1 else ''}; nothing was computed or written.", highlight=False)
    raise typer.Exit(2)


@app.command()
def init(directory: WorkspaceArg) -> None:
    """Create a new workspace with a commented scenario.toml and an empty evidence/ folder."""
    try:
        init_workspace(directory)
    except WorkspaceError as error:
        _fail(error)
    out.print(f"Created workspace {directory}: edit {directory / 'scenario.toml'}, then add dated CSV files to {directory / 'evidence'}.")


@app.command()
def check(workspace: WorkspaceArg = Path(".")) -> None:
    """Validate a workspace without computing anything."""
    try:
        ws = load_workspace(workspace)
    except WorkspaceError as error:
        _fail(error)
    for warning in ws.warnings:
        err.print(f"[bold yellow]warning[/] {escape(str(warning))}", highlight=False, soft_wrap=True)
    scenario = ws.scenario
    groups = f", {_count(len(scenario.groups), 'group')}" if scenario.groups else ""
    out.print(f"OK: {scenario.title!r}: {_count(len(scenario.hypotheses), 'hypothesis', 'hypotheses')}, {_count(len(scenario.latents), 'latent')}"
              f"{groups}, {_count(len(ws.rows), 'row')} in {_count(len(ws.steps) - 1, 'dated step')}"
              + (f"; {_count(len(ws.warnings), 'warning')} above." if ws.warnings else "."), highlight=False, soft_wrap=True)


def _count(n: int, word: str, plural: str | None = None) -> str:
    """"1 latent", "2 latents": a count with its noun in the right number."""
    return f"{n} {word if n == 1 else plural or word + 's'}"


@app.command()
def update(
    workspace: WorkspaceArg = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of a table.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed: the same files, engine and seed give the same numbers.")] = 0,
    engine: Annotated[str, typer.Option(help="auto (exact where it applies), exact or nuts.")] = "auto",
    draws: Annotated[int, typer.Option(min=10, help="Posterior draws per chain.")] = 1000,
    horizon: Annotated[str | None, typer.Option(help="Also forecast each latent this far past the last step: 30d, 6w or 3m.")] = None,
    allow_unconverged: Annotated[bool, typer.Option(help="Exit 0 even when NUTS did not converge on some step.")] = False,
) -> None:
    """Compute the posterior after every dated step (only what changed since the last run).

    Exits 3 when NUTS failed its convergence checks on a step (unless --allow-unconverged).
    """
    from beliefs.inference.forecast import parse_horizon
    from beliefs.inference.pipeline import ENGINES, update_history
    from beliefs.results.summary import summary_json

    if engine not in ENGINES:
        err.print(f"[bold red]error[/] --engine {engine!r}: choose one of {', '.join(ENGINES)}")
        raise typer.Exit(2)
    try:
        horizon_days = parse_horizon(horizon) if horizon else None
    except ValueError as error:
        err.print(f"[bold red]error[/] --horizon: {error}")
        raise typer.Exit(2) from None
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
        err.print(f"[yellow]note[/] {note}")
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


# -- add and what-if: one evidence row from flags ---------------------------------------------
RowId = Annotated[str, typer.Option("--id", help="A unique id for the row (required).")]
RowSummary = Annotated[str, typer.Option("--summary", help="What was observed, in a sentence (required).")]
RowSource = Annotated[str, typer.Option("--source", help="Where it was reported: outlet and date, or a URL.")]
RowReliability = Annotated[str | None, typer.Option("--reliability", help="How far the report can be trusted, 0 to 1 (default 1).")]
RowRationale = Annotated[str, typer.Option("--rationale", help="Why the probabilities are what they are.")]
RowP = Annotated[list[str] | None, typer.Option("--p", help="HYPOTHESIS=P: how likely the observation is if HYPOTHESIS is true; repeat for each.")]
RowLatent = Annotated[list[str] | None, typer.Option("--latent", help="NAME=YES,NO: its likelihood if the latent is high (yes) and low (no).")]
RowGroup = Annotated[str, typer.Option("--group", help="The row's group in scenario.toml: rows that report one development.")]
RowFileWords = Annotated[str | None, typer.Option("--file-words", help="Words after the date in the file name, e.g. ceasefire-accepted.")]


def _row_flags(p: list[str] | None, latent: list[str] | None, workspace: Path, required: dict[str, str] | None = None):
    """--p and --latent as the API's dicts, the problems of the flags themselves (a malformed
    flag, an unknown name with its likely typo, a missing required flag), each located at the
    flag, and the names those problems stand for (so that their knock-on effects on the row,
    such as "p_x is blank", are not reported again)."""
    from beliefs.errors import Problem, did_you_mean

    try:
        scenario = load_workspace(workspace).scenario
    except WorkspaceError as error:
        _fail(error)
    problems, hypotheses, latents, covered = [], {}, {}, set()
    examples = {"--date": "2025-12-01", "--id": "talks-resume", "--summary": '"What was seen, in a sentence"'}
    for flag, value in (required or {}).items():
        if not value.strip():
            problems.append(Problem(Path(flag), f"missing; every row needs it, e.g. {flag} {examples[flag]}"))
            covered.add(f"{flag[2:]} is blank")
    for text in p or []:
        name, sep, value = (part.strip() for part in text.partition("="))
        if not sep or not name:
            problems.append(Problem(Path("--p"), f"{text!r} is not HYPOTHESIS=P; write e.g. --p {scenario.hypothesis_names[0]}=0.6"))
        elif name not in scenario.hypotheses:
            problems.append(Problem(Path(f"--p {name}"), f"unknown hypothesis{did_you_mean(name, scenario.hypothesis_names)}; "
                                                         f"the hypotheses are {', '.join(scenario.hypothesis_names)}"))
            covered.update(f"p_{h} is blank while" for h in scenario.hypothesis_names)
        elif name in hypotheses:
            problems.append(Problem(Path(f"--p {name}"), "given twice; give each hypothesis once"))
        else:
            hypotheses[name] = value
    for text in latent or []:
        name, sep, values = (part.strip() for part in text.partition("="))
        pair = [v.strip() for v in values.split(",")]
        if not sep or not name or len(pair) != 2:
            problems.append(Problem(Path("--latent"), f"{text!r} is not NAME=YES,NO; write e.g. --latent willingness=0.6,0.3 (both values)"))
        elif name not in scenario.latents:
            known = ", ".join(scenario.latent_names) or "none"
            problems.append(Problem(Path(f"--latent {name}"), f"unknown latent{did_you_mean(name, scenario.latent_names)}; the latents are {known}"))
            covered.add("row bears on nothing")
        elif name in latents:
            problems.append(Problem(Path(f"--latent {name}"), "given twice; give each latent once"))
        else:
            latents[name] = (pair[0], pair[1])
    return hypotheses or None, latents or None, problems, covered


def _check_row(workspace: Path, row, date: str | None, file_words: str | None, problems: list, covered: set[str]) -> None:
    """Validate the row as `add` would write it, and exit 2 with the flags' problems and the row's
    own, the knock-on effects of a flag's mistake left out."""
    from beliefs.inputs.authoring import preview_workspace

    try:
        preview_workspace(load_workspace(workspace), row, date=date, file_words=file_words)
    except WorkspaceError as error:
        problems = problems + [pr for pr in error.problems if not any(pr.message.startswith(knock_on) for knock_on in covered)]
    if problems:
        _fail(WorkspaceError(problems))


@app.command()
def add(
    workspace: WorkspaceArg = Path("."),
    date: Annotated[str, typer.Option("--date", help="The day of the observation, YYYY-MM-DD (required).")] = "",
    id: RowId = "",
    summary: RowSummary = "",
    source: RowSource = "",
    reliability: RowReliability = None,
    rationale: RowRationale = "",
    p: RowP = None,
    latent: RowLatent = None,
    group: RowGroup = "",
    file_words: RowFileWords = None,
    from_indicator: Annotated[str | None, typer.Option("--from-indicator", help="Take the row's cells from this indicator of "
                                                                               "indicators.csv (seen on --date); other flags override them.")] = None,
) -> None:
    """Append one evidence row to evidence/DATE.csv (created with its header if new); never changes existing lines."""
    from beliefs.inputs.authoring import NewRow, add_evidence

    required = {"--date": date} if from_indicator is not None else {"--date": date, "--id": id, "--summary": summary}
    hypotheses, latents, problems, covered = _row_flags(p, latent, workspace, required)
    if from_indicator is not None:
        seen = _indicator(workspace, from_indicator)
        id, summary, rationale, group = id or seen.id, summary or seen.summary, rationale or seen.rationale, group or (seen.group or "")
        reliability = reliability if reliability is not None else f"{seen.reliability:g}"
        hypotheses = hypotheses or seen.hypotheses
        latents = {**seen.latents, **(latents or {})} or None
    row = NewRow(id=id, summary=summary, source=source, reliability=reliability, rationale=rationale, hypotheses=hypotheses, latents=latents,
                 group=group)
    _check_row(workspace, row, date if date.strip() else None, file_words, problems, covered)
    try:
        path = add_evidence(workspace, date=date, id=id, summary=summary, source=source, reliability=reliability, rationale=rationale,
                            hypotheses=hypotheses, latents=latents, group=group, file_words=file_words,
                            on_wait=lambda: err.print("Waiting for another beliefs process on this workspace..."))
    except WorkspaceError as error:
        _fail(error)
    out.print(f"Added {id!r} to {path}", highlight=False)


def _indicator(workspace: Path, name: str):
    """The indicator `name` of the workspace's indicators.csv; exit 2 naming the file when there is none."""
    from beliefs.errors import Problem, did_you_mean
    from beliefs.inputs.indicators import INDICATORS_FILE, load_indicators

    try:
        indicators = load_indicators(load_workspace(workspace))
    except WorkspaceError as error:
        _fail(error)
    found = next((row for row in indicators if row.id == name), None)
    if found is None:
        ids = [row.id for row in indicators]
        _fail(WorkspaceError([Problem(Path(workspace) / INDICATORS_FILE, f"no indicator '{name}'{did_you_mean(name, ids)}; "
                                                                         f"the indicators are {', '.join(ids) or 'none'}")]))
    return found


@app.command("what-if")
def what_if(
    workspace: WorkspaceArg = Path("."),
    date: Annotated[str | None, typer.Option("--date", help="The day of the hypothetical row (default: the day after the last step).")] = None,
    id: Annotated[str, typer.Option("--id", help="An id for the hypothetical row; it must not be taken.")] = "what-if",
    summary: Annotated[str, typer.Option("--summary", help="What the hypothetical observation is, in a sentence.")] = "hypothetical observation",
    source: RowSource = "",
    reliability: RowReliability = None,
    rationale: RowRationale = "",
    p: RowP = None,
    latent: RowLatent = None,
    group: RowGroup = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the previewed history as JSON instead of a table.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    engine: Annotated[str, typer.Option(help="auto (exact where it applies), exact or nuts.")] = "auto",
) -> None:
    """Preview the posterior with one hypothetical row added, without writing anything."""
    from beliefs.inference.pipeline import ENGINES, compute_history
    from beliefs.inputs.authoring import NewRow, preview_workspace
    from beliefs.results.summary import summary_json

    if engine not in ENGINES:
        err.print(f"[bold red]error[/] --engine {engine!r}: choose one of {', '.join(ENGINES)}")
        raise typer.Exit(2)
    hypotheses, latents, problems, covered = _row_flags(p, latent, workspace)
    row = NewRow(id=id, summary=summary, source=source, reliability=reliability, rationale=rationale, hypotheses=hypotheses, latents=latents,
                 group=group)
    _check_row(workspace, row, date, None, problems, covered)
    try:
        ws = load_workspace(workspace)
        preview = preview_workspace(ws, row, date=date)
    except WorkspaceError as error:
        _fail(error)
    after = compute_history(preview, engine=engine, seed=seed).summary()
    if as_json:
        sys.stdout.write(summary_json(after))
        return
    if len(preview.steps) == len(ws.steps) + 1 and preview.steps[-1].date > ws.steps[-1].date:
        now = after["steps"][-2]  # a new last step: the step before it is today's posterior
    else:
        now = compute_history(ws, engine=engine, seed=seed).summary()["steps"][-1]
    when = next(r.date for r in preview.rows if r.id == id)
    from beliefs.outputs.tables import what_if_table

    show(what_if_table(now, after, ws.scenario, f"{summary} ({when})"))


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
    seed: Annotated[int, typer.Option(help="Random seed: the same files, engine and seed give the same numbers.")] = 0,
    horizon: Annotated[str, typer.Option(help="How far past the last step the latents' forecast fan reaches: 30d, 6w or 3m.")] = "30d",
) -> None:
    """Write a self-contained report folder: index.html, report.md, figures (PNG, SVG), history.nc, summary.json."""
    import matplotlib

    matplotlib.use("Agg")
    from beliefs.inference.forecast import parse_horizon
    from beliefs.inference.pipeline import ENGINES, update_history
    from beliefs.outputs.report import write_report

    if engine not in ENGINES:
        err.print(f"[bold red]error[/] --engine {engine!r}: choose one of {', '.join(ENGINES)}")
        raise typer.Exit(2)
    try:
        horizon_days = parse_horizon(horizon)
    except ValueError as error:
        err.print(f"[bold red]error[/] --horizon: {error}")
        raise typer.Exit(2) from None
    try:
        ws = load_workspace(workspace)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=True, disable=not err.is_terminal) as progress:
            task = progress.add_task("Updating", total=len(ws.steps))
            result = update_history(ws, engine=engine, seed=seed, horizon_days=horizon_days,
                                    on_step=lambda done, total: progress.update(task, completed=done),
                                    on_wait=lambda: err.print("Waiting for another beliefs process on this workspace..."))
            progress.update(task, description="Robustness", completed=0)
            from beliefs.inference.sensitivity import sensitivity
            from beliefs.inference.watch import watch
            from beliefs.inputs.indicators import load_indicators

            robustness = sensitivity(ws, seed=seed)
            watched = watch(ws, result.history, load_indicators(ws))
            progress.update(task, description="Drawing", completed=0)
            folder = write_report(ws, result.history, out_dir, robustness=robustness, watch=watched,
                                  on_progress=lambda done, total: progress.update(task, completed=done, total=total))
    except WorkspaceError as error:
        _fail(error)
    out.print(f"Wrote the report to {folder / 'index.html'}", highlight=False)




from beliefs import cli_analysis  # noqa: E402, F401  (registers score, sensitivity and watch on `app`)


def main() -> None:
    """Run the command; an unexpected error prints one line (a traceback only with --debug) and exits 1."""
    try:
        app(standalone_mode=True)
    except Exception as error:  # not a problem in the analyst's files (those exit 2 with their location)
        if _options["debug"]:
            raise
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
