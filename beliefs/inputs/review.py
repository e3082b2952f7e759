"""What a reviewer would ask of the evidence: warnings, never errors (`beliefs check`, exit 0).

* A `statement` row (what someone says) whose likelihood ratio, the largest over the smallest of
  its hypothesis likelihoods as they count (after reliability), exceeds `[calibration]
  statement_ratio_bound` (default 1.5): words are cheap, and resolved questions show statements
  weighed more than deeds.
* A row whose rationale cites a date after the row's own (2025-11-21, 21 November 2025,
  November 21, 2025, or a later month such as November 2025): the judgment may lean on what was
  known only later, a hindsight leak.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path

from beliefs.errors import Problem, quoted
from beliefs.inputs.evidence import EvidenceRow
from beliefs.inputs.scenario import Scenario

DEFAULT_STATEMENT_BOUND = 1.5
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name} | \
          {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\s+(\d{{4}})\b", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE)
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+(\d{{4}})\b", re.IGNORECASE)


def review_warnings(root: Path, scenario: Scenario, rows: list[EvidenceRow]) -> list[Problem]:
    """Statement rows weighed beyond the bound, and rationales that cite later dates, located at the row."""
    calibration = scenario.calibration
    bound = calibration.statement_ratio_bound if calibration is not None else DEFAULT_STATEMENT_BOUND
    warnings = []
    for row in rows:
        ratio = statement_ratio(row)
        if ratio is not None and ratio > bound:
            shown = "infinite (a likelihood of 0)" if ratio == float("inf") else f"{ratio:.3g}"
            warnings.append(Problem(row.path, f"row {quoted(row.id, 30)} is a statement with a likelihood ratio of {shown}, above "
                                              f"{bound:g}: words are cheap, so ask whether a deed would be needed to move the odds this much "
                                              "(the bound is [calibration] statement_ratio_bound)", row.line))
        later = later_dates(row.rationale, row.date)
        if later:
            warnings.append(Problem(row.path, f"row {quoted(row.id, 30)} is dated {row.date} but its rationale cites {later[0]}: a judgment "
                                              "made with hindsight? judge the row as it could be judged on its date", row.line))
    return warnings


def statement_ratio(row: EvidenceRow) -> float | None:
    """The largest over the smallest hypothesis likelihood of a statement row, after reliability
    (None for other kinds and rows without hypothesis columns)."""
    if row.kind != "statement" or row.hypotheses is None:
        return None
    values = list(row.hypotheses.values())
    mean = sum(values) / len(values)
    counted = [row.reliability * v + (1.0 - row.reliability) * mean for v in values]
    return max(counted) / min(counted) if min(counted) > 0 else float("inf")


def later_dates(text: str, date: dt.date) -> list[str]:
    """The dates cited in `text` that come after `date`, as written (a month counts as after when
    it begins after `date`)."""
    found = []
    for match in _ISO.finditer(text):
        cited = _date(int(match[1]), int(match[2]), int(match[3]))
        if cited and cited > date:
            found.append((match.start(), match[0]))
    for pattern, order in ((_DAY_MONTH_YEAR, (3, 2, 1)), (_MONTH_DAY_YEAR, (3, 1, 2))):
        for match in pattern.finditer(text):
            year, month, day = (match[i] for i in order)
            cited = _date(int(year), _MONTHS[month.lower()], int(day))
            if cited and cited > date:
                found.append((match.start(), match[0]))
    for match in _MONTH_YEAR.finditer(text):
        cited = _date(int(match[2]), _MONTHS[match[1].lower()], 1)
        if cited and cited > date and not any(start <= match.start() < start + len(seen) for start, seen in found):
            found.append((match.start(), match[0]))
    return [text for _, text in sorted(found)]


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
