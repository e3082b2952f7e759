"""What a hypothetical row would do: the posterior history with it added, nothing written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from beliefs.inference.pipeline import compute_history
from beliefs.inputs.authoring import NewRow, preview_workspace
from beliefs.inputs.workspace import Workspace
from beliefs.results.history import PosteriorHistory


def what_if(
    workspace: Workspace,
    rows: NewRow | Mapping | Iterable[NewRow | Mapping],
    *,
    date: str | dt.date | None = None,
    engine: str = "auto",
    seed: int = 0,
    file_words: str | None = None,
    **options,
) -> PosteriorHistory:
    """The posterior history with hypothetical `rows` added at `date`, without writing anything.

    Equals adding the rows with `add_evidence` and computing the history with the same
    engine and seed. `options` (draws, tune, chains) go to `compute_history`.
    """
    preview = preview_workspace(workspace, rows, date=date, file_words=file_words)
    return compute_history(preview, engine=engine, seed=seed, **options)
