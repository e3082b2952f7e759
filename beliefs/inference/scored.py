"""A question's entry of `beliefs score` from its cache: the scores are a function of the history
alone, so they are kept beside it (`.beliefs/score-<engine>.json`, trusted only while the
history's keys are current) and scoring a portfolio again reads one small JSON file per question
instead of opening every history. The numbers are those of scoring the history itself, bit for
bit: the file holds the very arrays that scoring it gave."""

from __future__ import annotations

from beliefs.atomic import READ_ONLY, workspace_lock
from beliefs.inference.cache import read_derived, write_derived
from beliefs.inference.pipeline import update_history
from beliefs.inputs.workspace import Workspace

NAME = "score"


def scored(workspace: Workspace, *, seed: int = 0):
    """The entry of `beliefs score --json` for `workspace` (all but its name) and its `PathScore`
    (None when unresolved), from the cache when it is current; else its history brought up to date
    (`update_history`) and scored, and the result kept for next time.

    Returns
    -------
    tuple of (dict, PathScore or None)
    """
    from beliefs.results.scoring import PathScore, score_entry

    update = update_history(workspace, seed=seed, need_history=False)
    if update.history is None:  # nothing new: the cached history is current
        kept = read_derived(workspace.root, update.engine, NAME, update.keys)
        if kept is not None:
            return kept["entry"], None if kept["score"] is None else PathScore.from_json(kept["score"])
        update = update_history(workspace, seed=seed)
    entry, score = score_entry(update.history)
    _keep(workspace, update.engine, update.keys, {"entry": entry, "score": None if score is None else score.to_json()})
    return entry, score


def _keep(workspace: Workspace, engine: str, keys: list[str], value: dict) -> None:
    """Write the scores beside the history; not at all where the workspace cannot be written."""
    try:
        with workspace_lock(workspace.root, reading=True) as locked:
            if locked:
                write_derived(workspace.root, engine, NAME, keys, value)
    except OSError as error:
        if error.errno not in READ_ONLY:
            raise
