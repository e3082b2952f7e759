"""A new analyst's slips that the parsers alone would pass in silence or explain poorly.

Errors: a scenario file under a near-miss name, a command run from inside `evidence/`, and
dated CSV files that would not be read (at the workspace's top, or in a folder not named
`evidence`). Warnings (`beliefs check` prints them and exits 0): priors that do not sum to 1
(percentages, say), which are normalised, and planning rows dated after today, which
`allow_future = true` lets in.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from beliefs.errors import Problem, printable
from beliefs.inputs.clock import today
from beliefs.inputs.evidence import EVIDENCE_DIR, EvidenceRow
from beliefs.inputs.file_names import date_of_file
from beliefs.inputs.scenario import Scenario
from beliefs.inputs.scenario_file import SCENARIO_FILE, locate_key


def missing_scenario(root: Path) -> Problem | None:
    """Why `root` has no `scenario.toml` when the reason can be seen: a near-miss name beside
    it, or `root` is the `evidence/` folder of a workspace. None otherwise."""
    path = root / SCENARIO_FILE
    if path.exists() or path.is_symlink():
        return None
    near = sorted(p.name for p in _entries(root) if p.is_file() and (p.name.casefold().startswith(SCENARIO_FILE)
                                                                       or difflib.SequenceMatcher(None, p.name.casefold(), SCENARIO_FILE).ratio() >= 0.85))
    if near:
        name = near[0]
        if name.casefold() == SCENARIO_FILE:
            why = "the name must be lower-case"
        elif name.casefold().startswith(SCENARIO_FILE):
            why = f"the editor or the download added {printable(name[len(SCENARIO_FILE):])[:20]}"
        else:
            why = "beliefs reads only that name"  # a typo, such as scenario.tml or scenarios.toml
        return Problem(path, f"not found, but {printable(name)[:60]} is: rename it to {SCENARIO_FILE} ({why})")
    here = root.resolve()
    parent = here.parent
    if (parent / SCENARIO_FILE).is_file() and (here.name == EVIDENCE_DIR or _dated_csvs(here)):
        return Problem(path, f"not found: {here} looks like the {EVIDENCE_DIR}/ folder of the workspace {parent}; "
                             f"give that folder instead (e.g. `beliefs check {parent}`), or run beliefs from it (`cd ..`)")
    return None


def misplaced_evidence(root: Path) -> list[Problem]:
    """Dated CSV files that beliefs would not read: at the workspace's top, or in a folder other than
    `evidence/` (when its name is close to it, or when `evidence/` has none)."""
    evidence = root / EVIDENCE_DIR
    problems = []
    has_evidence = bool(_dated_csvs(evidence))
    for entry in sorted(_entries(root)):
        if entry.name.startswith(".") or entry.name == EVIDENCE_DIR:
            continue
        if entry.is_file() and date_of_file(entry) is not None:
            problems.append(Problem(entry, f"is a dated evidence file at the top of the workspace, where beliefs does not look: "
                                           f"move it into {evidence}/"))
        elif entry.is_dir():
            dated = _dated_csvs(entry)
            close = difflib.SequenceMatcher(None, entry.name.casefold(), EVIDENCE_DIR).ratio() >= 0.75
            if dated and (close or not has_evidence):
                found = ", ".join(p.name for p in dated[:3]) + (", ..." if len(dated) > 3 else "")
                problems.append(Problem(entry, f"holds {len(dated)} dated CSV file{'s' if len(dated) != 1 else ''} ({printable(found)[:80]}), "
                                               f"but beliefs reads evidence only from {evidence}/: rename this folder to "
                                               f"{EVIDENCE_DIR} (lower-case), or move the files there"))
    return problems


def slip_warnings(root: Path, scenario: Scenario, rows: list[EvidenceRow]) -> list[Problem]:
    """Priors that will be normalised, and planning rows (and outcome) dated after today."""
    path = root / SCENARIO_FILE
    warnings = []
    priors = {name: h.prior for name, h in scenario.hypotheses.items()}
    total = sum(priors.values())
    if abs(total - 1.0) > 1e-6:
        normalised = ", ".join(f"{name} {value / total:.3g}" for name, value in priors.items())
        percent = " (written as percentages?)" if abs(total - 100.0) < 0.5 else ""
        warnings.append(Problem(path, f"the hypotheses' priors sum to {total:g}{percent}, not 1; they are normalised to {normalised}",
                                *locate_key(path, ["hypotheses"])))
    now = today()
    for date, where in sorted({(row.date, row.path) for row in rows if row.date > now and row.path is not None}):
        warnings.append(Problem(where, f"dated {date}, after today ({now}): planning rows, accepted because allow_future = true in {SCENARIO_FILE}"))
    resolution = scenario.resolution
    if resolution is not None and resolution.resolved and resolution.judged_on > now:
        key = "resolved_on" if resolution.resolved_on else "by"
        warnings.append(Problem(path, f"resolution.{key} = {resolution.judged_on} is after today ({now}): a planned outcome, accepted because "
                                      "allow_future = true", *locate_key(path, ["resolution", key])))
    return warnings


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _dated_csvs(folder: Path) -> list[Path]:
    return sorted(p for p in _entries(folder) if p.suffix.lower() == ".csv" and date_of_file(p.with_suffix(".csv")) is not None)
