"""A workspace: one question's folder, with `scenario.toml` and dated `evidence/` files.

Loading validates everything before anything is computed; a workspace with a problem
raises `WorkspaceError` listing all of them, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from beliefs.errors import Problem, WorkspaceError, quoted
from beliefs.inputs import clock
from beliefs.inputs.calibration_file import resolve_calibration
from beliefs.inputs.consistency import contradiction
from beliefs.inputs.evidence import EVIDENCE_DIR, EvidenceRow, load_evidence
from beliefs.inputs.groups import group_warnings
from beliefs.inputs.judgments import load_judgments
from beliefs.inputs.pooling import Panel, make_panel, pooled_rows
from beliefs.inputs.review import review_warnings
from beliefs.inputs.scenario import Scenario
from beliefs.inputs.scenario_file import SCENARIO_FILE, load_scenario
from beliefs.inputs.slips import misplaced_evidence, missing_scenario, slip_warnings


@dataclass(frozen=True)
class Step:
    """One dated update: all rows of the files of one date. Step 0 is the prior."""

    index: int
    date: dt.date
    rows: tuple[EvidenceRow, ...]

    @property
    def evidence_ids(self) -> list[str]:
        """The ids of the step's rows."""
        return [row.id for row in self.rows]


@dataclass(frozen=True)
class Workspace:
    """A validated scenario with its evidence, ordered into dated steps.

    `warnings` are things worth a look that are not errors (see `beliefs.inputs.groups`).
    With further analysts (`judgments/`), `rows` hold the pooled likelihoods and `panel` each
    analyst's own (`beliefs.inputs.pooling`); without them `panel` is None.
    """

    root: Path
    scenario: Scenario
    rows: tuple[EvidenceRow, ...]
    warnings: tuple[Problem, ...] = ()
    panel: Panel | None = None

    @property
    def steps(self) -> list[Step]:
        """Step 0 (the prior) and one step per evidence date, in date order."""
        by_date: dict = {}
        for row in self.rows:  # one pass: a workspace of many rows and dates asks for its steps often
            by_date.setdefault(row.date, []).append(row)
        steps = [Step(0, self.scenario.prior_date, ())]
        for index, date in enumerate(sorted(by_date), start=1):
            steps.append(Step(index, date, tuple(by_date[date])))
        return steps

    def step_of(self, row: EvidenceRow) -> int:
        """The index of the step that `row` belongs to."""
        return next(step.index for step in self.steps if step.date == row.date)

    @property
    def evidence_dir(self) -> Path:
        """The workspace's `evidence/` folder."""
        return self.root / EVIDENCE_DIR


def load_workspace(root: str | Path = ".") -> Workspace:
    """Read and validate a workspace folder.

    Parameters
    ----------
    root : path
        The folder that holds `scenario.toml` and `evidence/`.

    Returns
    -------
    Workspace
        The scenario and its rows ordered into dated steps.

    Raises
    ------
    WorkspaceError
        With every problem of every file at once; nothing is computed or written.

    Examples
    --------
    >>> workspace = beliefs.load_workspace(".")  # doctest: +SKIP
    >>> [step.date for step in workspace.steps][:2]  # doctest: +SKIP
    """
    root = Path(root)
    if root.is_file():
        raise WorkspaceError([Problem(root, "is a file, not a workspace folder; give the folder that holds scenario.toml (e.g. its parent)")])
    if not root.is_dir():
        raise WorkspaceError([Problem(root, "workspace folder not found; give the folder that holds scenario.toml (or create one with `beliefs init`)")])
    missing = missing_scenario(root)
    if missing:
        raise WorkspaceError([missing])
    scenario, problems = resolve_calibration(root, load_scenario(root / SCENARIO_FILE))
    rows, evidence_problems = load_evidence(root / EVIDENCE_DIR, scenario)
    problems += evidence_problems
    problems += misplaced_evidence(root)
    judgments, judgment_problems, judgment_warnings = load_judgments(root, scenario, rows)
    problems += judgment_problems
    if problems:
        raise WorkspaceError(problems)
    warnings = (group_warnings(root / SCENARIO_FILE, scenario, rows) + slip_warnings(root, scenario, rows) + _after_resolution(scenario, rows)
                + review_warnings(root, scenario, rows))
    warnings += judgment_warnings
    panel = make_panel(scenario, rows, judgments)
    if panel is not None:
        rows, problems = pooled_rows(panel, rows, scenario)
        problems = problems or contradiction(rows, scenario)
        if problems:
            raise WorkspaceError(problems)
    return Workspace(root=root, scenario=scenario, rows=tuple(rows), warnings=tuple(warnings), panel=panel)


def _after_resolution(scenario: Scenario, rows: list[EvidenceRow]) -> list[Problem]:
    """A warning for each row dated after the question was judged: it cannot bear on what is scored."""
    resolution = scenario.resolution
    if resolution is None:
        return []
    key = "resolved_on" if resolution.resolved_on else "by"
    return [Problem(row.path, f"row {quoted(row.id)} is dated {row.date}, after the question's resolution date {resolution.judged_on} "
                              f"([resolution] {key}); evidence after it cannot bear on the question as judged: remove the row, or correct its date",
                    row.line, 1) for row in rows if row.date > resolution.judged_on]


TEMPLATE = '''\
# The priors of one question. `beliefs check` validates this file; `beliefs update` computes
# the posterior after every dated file in evidence/. See the README for the full format.
# The commented examples below are valid as they stand: remove the leading "# " to use them.

title = "What will happen next?"
prior_date = {prior_date}        # the day these priors describe: step 0; evidence is dated after it

# Mutually exclusive answers. Priors are normalised to sum to 1. Each evidence row gives,
# in its p_<name> columns, how likely that observation would be if the hypothesis were true.
[hypotheses]
yes = {{ prior = 0.5, label = "It happens" }}
no  = {{ prior = 0.5, label = "It does not happen" }}

# Zero or more latents. A propensity is an unknown probability in (0, 1) with a Beta prior.
# Evidence rows bear on a latent through p_<name>_yes and p_<name>_no.
# [latents.resolve]
# label = "How determined the main actor is"
# prior = {{ alpha = 2.0, beta = 2.0 }}

# A state is a condition that holds or not on each date; prior = P(it holds on prior_date).
# Optional monthly rates of starting (on, here one per hypothesis) and ceasing (off) to hold.
# [latents.ready]
# label = "The other side is ready to talk"
# kind = "state"
# prior = 0.2
# [latents.ready.switch]
# on = {{ yes = 0.10, no = 0.02 }}
# off = 0.05

# Rows that report one development share a group (the `group` column), so it is not
# counted twice; correlation runs from 0 (independent reports) to 1 (one report repeated).
# [groups.summit]
# label = "The summit and the reports about it"
# correlation = 0.8

# How the question is judged; set outcome (and resolved_on) once it is known, for `beliefs score`.
# [resolution]
# by = {by}
# outcome = "yes"
# resolved_on = {today}
# [resolution.criteria]
# yes = "What observable fact shows that it happened by then"
# no = "What shows that it did not"

# indicators.csv, beside this file, lists what to watch for (`beliefs watch`): evidence rows
# without a date, whose p_ columns are chances of being seen within about a month. E.g.:
#   id,summary,rationale,p_yes,p_no
#   talks-announced,"Talks are announced","Likelier if it is going to happen",0.5,0.1
'''

GITIGNORE = """\
# Written by `beliefs init`: rebuilt by `beliefs update` and `beliefs report`.
.beliefs/
reports/
# Half-written files and folders of interrupted runs (the next run removes them).
.*.tmp
.*.tmp-*/
.*.old-*/
"""


def init_workspace(root: str | Path, today: dt.date | None = None) -> Path:
    """Create a new, valid, empty workspace: a commented `scenario.toml`, `evidence/` and a
    `.gitignore` for the cache and the report (an existing `.gitignore` is left alone).

    Parameters
    ----------
    root : path
        The folder to create (or an empty one).
    today : datetime.date, optional
        Default today (`beliefs.inputs.clock.today`); the template's prior date is the day before,
        so that today's news is evidence.

    Returns
    -------
    pathlib.Path
        `root`.

    Raises
    ------
    WorkspaceError
        When `root` already holds a scenario (it is never overwritten).
    """
    root = Path(root)
    scenario_path = root / SCENARIO_FILE
    if scenario_path.exists():
        raise WorkspaceError([Problem(scenario_path, "already exists; `beliefs init` never overwrites a scenario (choose an empty folder)")])
    (root / EVIDENCE_DIR).mkdir(parents=True, exist_ok=True)
    (root / EVIDENCE_DIR / ".gitkeep").touch()
    ignore = root / ".gitignore"
    if not ignore.exists():  # the cache and the report are rebuilt from the files: keep them out of git
        ignore.write_text(GITIGNORE, encoding="utf-8")
    today = today or clock.today()
    text = TEMPLATE.format(prior_date=today - dt.timedelta(days=1), today=today, by=today + dt.timedelta(days=365))
    scenario_path.write_text(text, encoding="utf-8")
    return root
