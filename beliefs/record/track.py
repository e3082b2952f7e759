"""How much of a track record is real: the scores of `beliefs score` annotated from git with
which steps are hindcasts, the share of the time-weighted score they hold, the scores of the
path as it was published at each date (`real_time`, from `--as-of` vintages), and whether the
resolution criteria were pre-registered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from beliefs.errors import WorkspaceError
from beliefs.inputs.workspace import Workspace
from beliefs.record.blame import GRACE_DAYS, hindcast_flags, preregistration
from beliefs.record.git import Repository, commit_as_of, commits, repository
from beliefs.record.vintage import checkout
from beliefs.results.scoring import DECIMALS, PathScore, expected_scores

if TYPE_CHECKING:  # annotating kept scores needs no history, nor xarray
    from beliefs.results.history import PosteriorHistory

NOT_IN_GIT = "the workspace is not in a git repository"


def annotate(entry: dict, workspace: Workspace, score: PathScore | None, compute: Callable[[Workspace], PosteriorHistory],
             grace: int = GRACE_DAYS) -> dict:
    """One workspace's entry of `beliefs score --json` with its record added.

    Parameters
    ----------
    entry : dict
        The entry as `score_report` made it.
    workspace : Workspace
        The workspace as it stands.
    score : PathScore or None
        The scores of its history (`score_history`), None when its question is unresolved.
    compute : callable
        The history of a workspace (for the vintages), with the run's engine and seed.
    grace : int
        Days after a step's date within which its rows count as written in real time.

    Returns
    -------
    dict
        The entry with `hindcast` on each step, `hindcast_share`, `real_time` (None with
        `real_time_reason` when no vintage can be scored), `criteria_changed_on` and `preregistered`.
    """
    entry = entry | preregistration(workspace, grace)
    if score is None:
        return entry | {"hindcast_share": None, "real_time": None, "real_time_reason": "the question is unresolved"}
    flags = hindcast_flags(workspace, grace)
    if flags is None:
        entry["steps"] = [step | {"hindcast": None} for step in entry["steps"]]
        return entry | {"hindcast_share": None, "real_time": None, "real_time_reason": NOT_IN_GIT}
    by_date = dict(zip((s.date.isoformat() for s in workspace.steps), flags, strict=True))
    scored = np.array([by_date[d] for d in score.dates])
    entry["steps"] = [step | {"hindcast": bool(flag)} for step, flag in zip(entry["steps"], scored, strict=True)]
    share = float(np.sum(score.days[scored]) / np.sum(score.days))
    real_time, reason = _real_time(repository(workspace.root), workspace, score, compute)
    return entry | {"hindcast_share": round(share, DECIMALS), "real_time": real_time, "real_time_reason": reason}


def _real_time(repo: Repository, workspace: Workspace, score: PathScore, compute) -> tuple[dict | None, str | None]:
    """The scores of the path as published: at each scored date, the last step of the vintage of that day."""
    computed: dict[str, PosteriorHistory | None] = {}
    steps, missing = [], []
    history_of_repo = commits(repo)
    for date in score.dates:
        day = dt.date.fromisoformat(date)
        commit = commit_as_of(repo, day, history_of_repo)
        if commit is None:
            missing.append(date)
            continue
        if commit.sha not in computed:
            try:
                with checkout(repo, commit, workspace.root, f"the last commit by {date}") as then:
                    computed[commit.sha] = compute(then) if list(then.scenario.hypotheses) == score.hypotheses else None
            except WorkspaceError:
                computed[commit.sha] = None
        history = computed[commit.sha]
        if history is None:
            missing.append(date)
            continue
        dates = [dt.date.fromisoformat(d) for d in history.dates]
        last = max(t for t, d in enumerate(dates) if d <= day) if dates[0] <= day else 0
        steps.append((date, commit.sha, history.answer(last).sel(hypothesis=score.hypotheses).values))  # as the path is scored
    if not steps:
        return None, f"no valid version of the workspace with these hypotheses was committed by {score.dates[-1]}, the last scored date"
    index = [score.dates.index(date) for date, _, _ in steps]
    brier, log_score = expected_scores(np.array([p for _, _, p in steps]), score.weights)
    days = score.days[index]
    weighted = {"brier": _round(np.sum(brier * days) / np.sum(days)), "log_score": _round(np.sum(log_score * days) / np.sum(days))}
    result = {"steps": [{"date": date, "commit": sha, "brier": _round(b), "log_score": _round(s)}
                        for (date, sha, _), b, s in zip(steps, brier, log_score, strict=True)],
              "time_weighted": weighted, "days_covered": _round(np.sum(days) / np.sum(score.days))}
    reason = (f"no valid committed version with these hypotheses on {', '.join(missing)}: those steps were not published, and real_time "
              "leaves them out"
              if missing else None)
    return result, reason


def _round(value: float) -> float | None:
    value = float(value)
    return round(value, DECIMALS) if np.isfinite(value) else None



def portfolio_share(entries: list[dict]) -> float | None:
    """The share of all scored days, over the resolved workspaces under git, held by hindcast steps
    (each workspace's share weighted by its days: from its prior date to its resolution)."""
    held = total = 0.0
    for entry in entries:
        if entry.get("hindcast_share") is None:
            continue
        days = (dt.date.fromisoformat(entry["resolved_on"]) - dt.date.fromisoformat(entry["steps"][0]["date"])).days
        held += entry["hindcast_share"] * days
        total += days
    return round(held / total, DECIMALS) if total else None
