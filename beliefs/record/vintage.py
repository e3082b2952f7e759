"""A vintage: the workspace as it stood at the end of a day (UTC), read from git into a
temporary folder, so that it computes exactly as that version's files would, without
touching the analyst's files or cache."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from beliefs.errors import Problem, WorkspaceError
from beliefs.inputs.scenario_file import SCENARIO_FILE
from beliefs.inputs.workspace import Workspace, load_workspace
from beliefs.record.git import Commit, Repository, commit_as_of, commits, extract, require_repository


@dataclass(frozen=True)
class Vintage:
    """The workspace at `commit`, the last commit by the end of `date`, with only the steps dated up to `date`."""

    date: dt.date
    commit: Commit
    workspace: Workspace

    def describe(self) -> dict:
        """What the report and the JSON say of it."""
        return {"as_of": self.date.isoformat(), "commit": self.commit.sha, "committed": self.commit.committed.isoformat()}


def parse_date(text: str) -> dt.date:
    """A `--as-of` date, YYYY-MM-DD; ValueError with the fix otherwise."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. --as-of 2025-06-30") from None


def up_to(workspace: Workspace, date: dt.date) -> Workspace:
    """The workspace with only the rows dated on or before `date` (the steps up to it are unchanged:
    a step depends only on the rows of its date and before)."""
    return dataclasses.replace(workspace, rows=tuple(row for row in workspace.rows if row.date <= date))


@contextmanager
def checkout(repo: Repository, commit: Commit, root: Path, when: str) -> Iterator[Workspace]:
    """The workspace `root` as it was at `commit`, loaded from a temporary folder (removed after);
    problems in that version's files are reported against `root`, naming the commit."""
    with tempfile.TemporaryDirectory(prefix="beliefs-vintage-") as folder:
        copy = Path(folder) / (root.resolve().name or "workspace")
        if not extract(repo, commit, copy) or not (copy / SCENARIO_FILE).is_file():
            raise WorkspaceError([Problem(root / SCENARIO_FILE, f"did not exist at commit {commit.short} ({when}, committed "
                                                               f"{commit.committed:%Y-%m-%d %H:%M} UTC); choose a later date or revision")])
        try:
            yield load_workspace(copy)
        except WorkspaceError as error:
            raise WorkspaceError([_moved(problem, copy, root, commit) for problem in error.problems]) from None


def _moved(problem: Problem, copy: Path, root: Path, commit: Commit) -> Problem:
    """A problem in the temporary copy, named by the analyst's path and the commit."""
    try:
        path = root / Path(problem.path).relative_to(copy)
    except ValueError:
        path = problem.path
    return dataclasses.replace(problem, path=path, message=f"(at commit {commit.short}) {problem.message}")


@contextmanager
def vintage(root: Path, date: dt.date) -> Iterator[Vintage]:
    """The workspace `root` as it stood at the end of `date` (UTC).

    Raises
    ------
    WorkspaceError
        Outside git, with no commit by `date`, or when the workspace did not exist then.
    """
    root = Path(root)
    repo = require_repository(root, "--as-of")
    commit = commit_as_of(repo, date)
    if commit is None:
        history = commits(repo)
        first = f"; the first commit is of {history[-1].committed:%Y-%m-%d}" if history else "; the repository has no commit yet"
        raise WorkspaceError([Problem(root, f"no commit on or before {date} (UTC){first}: there is no version of that day to compute")])
    with checkout(repo, commit, root, f"the last commit by {date}") as workspace:
        yield Vintage(date, commit, up_to(workspace, date))
