"""The `beliefs` command: a thin shell over the public API.

Exit status: 0 success, 1 an unexpected failure, 2 a problem in the analyst's files or
arguments (each named with file, line and column).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from beliefs.errors import WorkspaceError
from beliefs.workspace import init_workspace, load_workspace

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Bayesian belief updating from dated evidence.")
out = Console()
err = Console(stderr=True)

WorkspaceArg = Annotated[Path, typer.Argument(help="Workspace folder (holds scenario.toml and evidence/).")]


def _fail(error: WorkspaceError) -> None:
    for problem in error.problems:
        err.print(f"[bold red]error[/] {problem}", highlight=False, soft_wrap=True)
    err.print(f"{len(error.problems)} problem(s); nothing was computed or written.", highlight=False)
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
    out.print(f"OK: {ws.scenario.title!r}: {len(ws.scenario.hypotheses)} hypotheses, {len(ws.scenario.latents)} latents, "
              f"{len(ws.rows)} rows in {len(ws.steps) - 1} dated steps.", highlight=False)


@app.command()
def update(
    workspace: WorkspaceArg = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of a table.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed: the same files, engine and seed give the same numbers.")] = 0,
    engine: Annotated[str, typer.Option(help="auto (exact where it applies), exact or nuts.")] = "auto",
    draws: Annotated[int, typer.Option(min=10, help="Posterior draws per chain.")] = 1000,
) -> None:
    """Compute the posterior after every dated step (only what changed since the last run)."""
    from beliefs.pipeline import ENGINES, update_history
    from beliefs.summary import summary_json

    if engine not in ENGINES:
        err.print(f"[bold red]error[/] --engine {engine!r}: choose one of {', '.join(ENGINES)}")
        raise typer.Exit(2)
    try:
        ws = load_workspace(workspace)
    except WorkspaceError as error:
        _fail(error)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("Updating", total=len(ws.steps))
        result = update_history(ws, engine=engine, seed=seed, draws=draws, need_history=False,
                                on_step=lambda done, total: progress.update(task, completed=done),
                                on_wait=lambda: err.print("Waiting for another beliefs process on this workspace..."))
    for note in result.notes:
        err.print(f"[yellow]note[/] {note}")
    computed = result.computed_steps
    err.print(f"engine: {result.engine}; computed {len(computed)} of {len(ws.steps)} steps"
              + (f" (from step {computed[0]})" if computed else " (all cached)"), highlight=False)
    if as_json:
        sys.stdout.write(summary_json(result.summary))
        return
    out.print(summary_table(result.summary, ws.scenario))


def summary_table(summary: dict, scenario) -> Table:
    """The terminal view: one line per step, probabilities in percent, latents with 90% bands."""
    table = Table(title=f"{summary['title']}  [dim](engine: {summary['engine']})[/]", title_justify="left")
    table.add_column("step", justify="right")
    table.add_column("date", no_wrap=True)
    table.add_column("rows", justify="right")
    for name in scenario.hypothesis_names:
        table.add_column(name, justify="right", no_wrap=True)
    for name in scenario.latent_names:
        table.add_column(f"{name} (90%)", justify="right", no_wrap=True)
    for index, step in enumerate(summary["steps"]):
        cells = [str(index), step["date"], str(len(step["evidence"]))]
        cells += [f"{100 * p:.1f}%" for p in step["hypotheses"].values()]
        cells += [f"{s['mean']:.3f} ({s['q05']:.2f}–{s['q95']:.2f})" for s in step["latents"].values()]
        table.add_row(*cells)
    legend = "; ".join(f"{name} = {scenario.label(name)}" for name in scenario.hypothesis_names + scenario.latent_names)
    table.caption = legend
    table.caption_justify = "left"
    return table


def main() -> None:
    app()
