"""Checks on evidence that reports one development more than once: warnings, never errors.

A group declared in `scenario.toml` that no row uses is probably a typo or a leftover; two rows
of one date with the same likelihoods, or from the same source, that share no group are
probably one development counted twice. Both are worth a look but may be right, so they are
warnings (`beliefs check` prints them and exits 0).
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

from beliefs.errors import Problem, quoted
from beliefs.inputs.evidence import EvidenceRow
from beliefs.inputs.scenario import Scenario
from beliefs.inputs.scenario_file import locate_key


def group_warnings(scenario_path: Path, scenario: Scenario, rows: list[EvidenceRow]) -> list[Problem]:
    """Unused declared groups, and likely unmarked redundancy between rows of one date.

    Parameters
    ----------
    scenario_path : pathlib.Path
        Where the groups are declared (for the warnings' line and column).
    scenario : Scenario
    rows : list of EvidenceRow
        The workspace's valid rows, in date order.

    Returns
    -------
    list of Problem
        One warning each, located at the group's declaration or at the later row's line.
    """
    warnings = []
    used = {row.group for row in rows}
    for name in scenario.groups:
        if name not in used:
            message = f"group {quoted(name)} is declared but no evidence row uses it; put {name} in its rows' group column, or remove [groups.{name}]"
            warnings.append(Problem(scenario_path, message, *locate_key(scenario_path, ["groups", name])))
    by_date: dict = {}
    for row in rows:
        by_date.setdefault(row.date, []).append(row)
    for same_day in by_date.values():
        for first, second in combinations(same_day, 2):
            if first.group is not None and first.group == second.group:
                continue
            reason = _redundancy(first, second)
            if reason:
                where = f"{first.path.name}:{first.line}" if first.path else first.id
                warnings.append(Problem(second.path, f"row {quoted(second.id)} {reason} as row {quoted(first.id)} ({where}) on the same date; "
                                                     "if both report one development, give them one group", second.line, 1))
    return warnings


def _redundancy(first: EvidenceRow, second: EvidenceRow) -> str | None:
    if (first.hypotheses, first.latents) == (second.hypotheses, second.latents):
        return "has the same likelihoods"
    if first.source and first.source == second.source:
        return "cites the same source"
    return None
