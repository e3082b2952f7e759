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
    engine and seed.

    Parameters
    ----------
    workspace : Workspace
    rows, date, file_words
        As for `beliefs.preview_workspace`.
    engine, seed, **options
        As for `beliefs.compute_history` (draws, tune, chains, horizon_days).

    Returns
    -------
    PosteriorHistory
        The history of the previewed workspace.
    """
    preview = preview_workspace(workspace, rows, date=date, file_words=file_words)
    return compute_history(preview, engine=engine, seed=seed, **options)
