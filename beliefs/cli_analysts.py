"""The `beliefs analysts` command: the workspace's analysts, their own answers, and the rows on
which they disagree, ranked by disagreement times influence (where a Delphi round starts).
It registers on the one `app` of `beliefs.cli`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from beliefs.cli import WorkspaceArg, _fail, app, out, show
from beliefs.errors import WorkspaceError
from beliefs.inputs.workspace import load_workspace


@app.command()
def analysts(
    workspace: WorkspaceArg = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed of the history whose row influence ranks the rows.")] = 0,
) -> None:
    """List the analysts (judgments/NAME.csv beside the author) and the rows they disagree on most,
    ranked by disagreement (bits) times the row's influence on the pooled answer."""
    try:
        ws = load_workspace(workspace)
    except WorkspaceError as error:
        _fail(error)
    if ws.panel is None:
        if as_json:
            sys.stdout.write(json.dumps({"analysts": [], "rows": []}, indent=2) + "\n")
        else:
            out.print(f"No further analysts: add judgments/NAME.csv to {workspace} (e.g. with `beliefs add --analyst NAME`).", highlight=False)
        return
    from beliefs.inference.analysts import analyst_answers, ranked_disagreement
    from beliefs.inference.pipeline import update_history

    history = update_history(ws, seed=seed).history
    answers = analyst_answers(ws)
    hypotheses = ws.scenario.hypothesis_names
    panel = ws.panel
    listed = [{"name": name, "label": panel.labels[name], "weight": panel.weights[name],
               "rows_judged": sum(panel.judged(name, row) is not None for row in ws.rows),
               "final": dict(zip(hypotheses, answers[name], strict=True))} for name in panel.names]
    rows = ranked_disagreement(ws, history.influence)
    if as_json:
        sys.stdout.write(json.dumps({"analysts": listed, "rows": rows}, indent=2, ensure_ascii=False) + "\n")
        return
    from beliefs.outputs.tables import analysts_tables

    for table in analysts_tables(listed, rows, hypotheses):
        show(table)
