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
    """Compute the posterior after every dated step and show it."""
    from beliefs.pipeline import ENGINES, compute_history

    if engine not in ENGINES:
        err.print(f"[bold red]error[/] --engine {engine!r}: choose one of {', '.join(ENGINES)}")
        raise typer.Exit(2)
    try:
        ws = load_workspace(workspace)
    except WorkspaceError as error:
        _fail(error)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=as_json or not err.is_terminal) as progress:
        task = progress.add_task("Updating", total=len(ws.steps))
        history = compute_history(ws, engine=engine, seed=seed, draws=draws,
                                  on_step=lambda done, total: progress.update(task, completed=done))
    if as_json:
        sys.stdout.write(history.to_json())
        return
    out.print(history_table(history))


def history_table(history) -> Table:
    """The terminal view: one line per step, probabilities in percent, latents with 90% bands."""
    summary = history.summary()
    labels = history.labels
    table = Table(title=f"{summary['title']}  [dim](engine: {summary['engine']})[/]", title_justify="left")
    table.add_column("step", justify="right")
    table.add_column("date")
    table.add_column("rows", justify="right")
    for name in history.hypotheses:
        table.add_column(f"{name}\n[dim]{labels[name][:28]}[/]", justify="right")
    for name in history.latents:
        table.add_column(f"{name}\n[dim]mean [5%, 95%][/]", justify="right")
    for index, step in enumerate(summary["steps"]):
        cells = [str(index), step["date"], str(len(step["evidence"]))]
        cells += [f"{100 * p:.1f}%" for p in step["hypotheses"].values()]
        cells += [f"{s['mean']:.3f} [{s['q05']:.2f}, {s['q95']:.2f}]" for s in step["latents"].values()]
        table.add_row(*cells)
    return table


def main() -> None:
    app()
