"""When each part of a workspace was written, from git blame: a step is a hindcast when any of
its rows, as it stands, was last changed more than a grace period after the step's date (step 0
by the lines of its priors), and the resolution criteria are pre-registered only when they were
last changed within the grace period after `prior_date`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from beliefs.errors import Problem
from beliefs.inputs.scenario_file import SCENARIO_FILE, locate_key
from beliefs.inputs.workspace import Workspace
from beliefs.record.git import Repository, line_dates, repository

GRACE_DAYS = 7


@dataclass(frozen=True)
class Written:
    """The last change of some lines: when, and the line (and column) it touched."""

    when: dt.datetime
    line: int
    column: int | None

    def late(self, date: dt.date, grace: int) -> bool:
        """Whether it was written more than `grace` days after `date` (UTC days)."""
        return (self.when.date() - date).days > grace


def _last_change(repo: Repository, workspace: Workspace, file: str, locations: list[tuple[int, int | None]]) -> Written | None:
    dates = line_dates(repo, workspace.root / file)
    found = [(dates[line - 1], line, column) for line, column in locations if dates and line and line <= len(dates)]
    if not found:
        return None
    when, line, column = max(found, key=lambda item: item[0])  # where the latest change is (the first such line)
    return Written(when, line, column)


def steps_written(workspace: Workspace, repo: Repository | None = None) -> list[Written | None] | None:
    """For each step, the latest last change of its rows (step 0: of the priors' lines); None outside git."""
    repo = repo or repository(workspace.root)
    if repo is None:
        return None
    scenario_file = workspace.root / SCENARIO_FILE
    priors = [locate_key(scenario_file, ["hypotheses", name]) for name in workspace.scenario.hypotheses]
    written: list[Written | None] = [_last_change(repo, workspace, SCENARIO_FILE, priors)]
    blamed: dict = {}
    for step in workspace.steps[1:]:
        latest = None
        for row in step.rows:
            if row.path is None or row.line is None:
                continue
            if row.path not in blamed:
                blamed[row.path] = line_dates(repo, row.path)
            dates = blamed[row.path]
            if dates and row.line <= len(dates) and (latest is None or dates[row.line - 1] > latest.when):
                latest = Written(dates[row.line - 1], row.line, None)
        written.append(latest)
    return written


def hindcast_flags(workspace: Workspace, grace: int = GRACE_DAYS) -> list[bool] | None:
    """For each step, whether it is a hindcast (written more than `grace` days after its date); None outside git."""
    written = steps_written(workspace)
    if written is None:
        return None
    return [w is not None and w.late(step.date, grace) for step, w in zip(workspace.steps, written, strict=True)]


def criteria_written(workspace: Workspace) -> Written | None:
    """When the lines of `[resolution.criteria]` were last changed; None outside git or without criteria."""
    resolution = workspace.scenario.resolution
    repo = repository(workspace.root)
    if resolution is None or repo is None:
        return None
    scenario_file = workspace.root / SCENARIO_FILE
    return _last_change(repo, workspace, SCENARIO_FILE, [locate_key(scenario_file, ["resolution", "criteria", h]) for h in resolution.criteria])


def preregistration(workspace: Workspace, grace: int = GRACE_DAYS) -> dict:
    """`criteria_changed_on` (the date the criteria were last changed, or None outside git) and
    `preregistered` (whether that was within `grace` days of `prior_date`; None outside git)."""
    written = criteria_written(workspace)
    if written is None:
        return {"criteria_changed_on": None, "preregistered": None}
    return {"criteria_changed_on": written.when.date().isoformat(), "preregistered": not written.late(workspace.scenario.prior_date, grace)}


def preregistration_warning(workspace: Workspace, grace: int = GRACE_DAYS) -> Problem | None:
    """A warning when the resolution criteria were last changed more than `grace` days after `prior_date`."""
    written = criteria_written(workspace)
    prior_date = workspace.scenario.prior_date
    if written is None or not written.late(prior_date, grace):
        return None
    days = (written.when.date() - prior_date).days
    return Problem(workspace.root / SCENARIO_FILE,
                   f"the resolution criteria were last changed on {written.when.date()}, {days} days after prior_date {prior_date}: they were "
                   "not written before the forecasting began, so scores judged by them can flatter the path; say so where the scores are "
                   "shown, and keep criteria fixed from the prior date in future questions", written.line, written.column)
