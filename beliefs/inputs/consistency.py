"""Checks across the rows of a workspace, once every file is parsed: ids used twice, and
evidence that together leaves no hypothesis standing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from beliefs.errors import Problem, quoted

if TYPE_CHECKING:
    from beliefs.inputs.evidence import EvidenceRow
    from beliefs.inputs.scenario import Scenario


def duplicate_ids(rows: list[EvidenceRow]) -> list[Problem]:
    """A problem for each valid row whose id an earlier row (by file name, then line) already has."""
    problems = []
    seen: dict[str, EvidenceRow] = {}
    for row in sorted(rows, key=lambda r: (str(r.path), r.line or 0)):
        first = seen.setdefault(row.id, row)
        if first is not row:
            where = f"line {first.line}" if first.path == row.path else f"{first.path.name if first.path else '?'}:{first.line}"
            problems.append(Problem(row.path, f"duplicate id {quoted(row.id)}, already used at {where}; ids must be unique across the workspace", row.line, 1))
    return problems


def contradiction(rows: list[EvidenceRow], scenario: Scenario) -> list[Problem]:
    """A problem at the row after which every hypothesis has probability zero, if there is one.

    A fully reliable row with p_h = 0 rules h out for good (a less reliable one never does,
    since its likelihoods are mixed with their mean); once all are ruled out, no posterior exists.
    """
    ruled_out = {name: "prior 0" for name, h in scenario.hypotheses.items() if h.prior == 0}
    for row in rows:  # in date order: the first step at which nothing is left is reported
        if row.hypotheses is None:
            continue
        for name, value in row.counted_hypotheses.items():
            if name not in ruled_out and value == 0.0:
                ruled_out[name] = f"row {quoted(row.id, 20)}"
        if len(ruled_out) == len(scenario.hypotheses):
            by_reason: dict[str, list[str]] = {}
            for name, why in ruled_out.items():
                by_reason.setdefault(why, []).append(name)
            reasons = "; ".join(f"{', '.join(names)}: {why}" for why, names in by_reason.items())
            if len(reasons) > 60:
                reasons = reasons[:56] + " ..."
            message = f"after this row every hypothesis has probability 0 ({reasons}); contradictory evidence: write e.g. 0.01 instead of 0"
            return [Problem(row.path, message, row.line, 1)]
    return []
