"""Checks on evidence that reports one development more than once: warnings, never errors.

A group declared in `scenario.toml` that no row uses is probably a typo or a leftover; two rows
of one date with the same likelihoods, or from the same source, that share no group are
probably one development counted twice. Both are worth a look but may be right, so they are
warnings (`beliefs check` prints them and exits 0).
"""

from __future__ import annotations

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
        alike: dict = {}
        for row in same_day:
            alike.setdefault(_likelihoods(row), []).append(row)
        for cluster in alike.values():
            warnings += _cluster_warning(cluster, "has the same likelihoods", "have the same likelihoods")
        cited: dict = {}
        for row in same_day:
            if row.source:
                cited.setdefault(row.source, []).append(row)
        for cluster in cited.values():  # rows already warned about for their likelihoods are not counted twice
            first = _likelihoods(cluster[0])
            warnings += _cluster_warning([cluster[0], *(r for r in cluster[1:] if _likelihoods(r) != first)],
                                         "cites the same source", "cite the same source")
    return warnings


def _likelihoods(row: EvidenceRow) -> tuple:
    return tuple(sorted((row.hypotheses or {}).items())), tuple(sorted(row.latents.items()))


def _cluster_warning(cluster: list[EvidenceRow], one: str, many: str) -> list[Problem]:
    """One warning for rows of one date that share likelihoods or a source, located at the second
    row: a cluster of any size is one line (the rows sharing the first row's group are fine)."""
    first = cluster[0]
    others = [row for row in cluster[1:] if first.group is None or row.group != first.group]
    if not others:
        return []
    where = f"{first.path.name}:{first.line}" if first.path else first.id
    rows = f"row {quoted(others[0].id)} {one}" if len(others) == 1 else f"row {quoted(others[0].id)} and {len(others) - 1} more rows {many}"
    advice = "if both report one development, give them one group" if len(others) == 1 else "if they report one development, give them one group"
    return [Problem(others[0].path, f"{rows} as row {quoted(first.id)} ({where}) on the same date; {advice}", others[0].line, 1)]
