"""What a reviewer would ask of the evidence: warnings, never errors (`beliefs check`, exit 0).

* A `statement` row (what someone says) whose likelihood ratio, the largest over the smallest of
  its hypothesis likelihoods as they count (after reliability), exceeds `[calibration]
  statement_ratio_bound` (default 1.5): words are cheap, and resolved questions show statements
  weighed more than deeds.
* A row whose rationale cites a date after the row's own (2025-11-21, 21 November 2025,
  November 21, 2025, or a later month such as November 2025): the judgment may lean on what was
  known only later, a hindsight leak.
* A group whose rows lean opposite ways: one row favours hypothesis a over b (or a latent's yes
  over its no) and another b over a, each by a likelihood ratio above `MIXED_LEAN_TOLERANCE`
  (1.1) after reliability. A group's rows share one weight, so a row pointing the other way is
  diluted as if it corroborated the rest; it may be a development of its own.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import re
from pathlib import Path

from beliefs.errors import Problem, quoted
from beliefs.inputs.evidence import EvidenceRow
from beliefs.inputs.scenario import Scenario
from beliefs.inputs.scenario_file import SCENARIO_FILE, locate_key

DEFAULT_STATEMENT_BOUND = 1.5
MIXED_LEAN_TOLERANCE = 1.1  # a row leans when its likelihood ratio, after reliability, exceeds this
_SHOWN_CLASHES = 3
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name} | \
          {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\s+(\d{{4}})\b", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE)
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+(\d{{4}})\b", re.IGNORECASE)


def review_warnings(root: Path, scenario: Scenario, rows: list[EvidenceRow]) -> list[Problem]:
    """Statement rows weighed beyond the bound and rationales that cite later dates, located at the
    row; groups whose rows lean opposite ways, located at the group's declaration."""
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
    return warnings + mixed_group_warnings(root / SCENARIO_FILE, scenario, rows)


def mixed_group_warnings(scenario_path: Path, scenario: Scenario, rows: list[EvidenceRow]) -> list[Problem]:
    """One warning per group with rows leaning opposite ways on a pair of hypotheses or on a latent.

    Parameters
    ----------
    scenario_path : pathlib.Path
        Where the groups are declared (for the warnings' line and column).
    scenario : Scenario
    rows : list of EvidenceRow
        The workspace's valid rows.

    Returns
    -------
    list of Problem
        Each names the strongest row on either side of every clash (at most three clashes shown).
    """
    members: dict[str, list[EvidenceRow]] = {}
    for row in rows:
        if row.group:
            members.setdefault(row.group, []).append(row)
    warnings = []
    for name, grouped in members.items():
        clashes = []
        for a, b in itertools.combinations(scenario.hypothesis_names, 2):
            clash = _opposite(grouped, lambda row, a=a, b=b: _hypothesis_ratio(row, a, b))
            if clash:
                clashes.append(_clash_text(clash, f"{a} over {b}", f"{b} over {a}"))
        for latent in scenario.latent_names:
            clash = _opposite(grouped, lambda row, latent=latent: _latent_ratio(row, latent))
            if clash:
                clashes.append(_clash_text(clash, f"{latent} yes over no", f"{latent} no over yes"))
        if clashes:
            shown = "; ".join(clashes[:_SHOWN_CLASHES]) + (f"; and {len(clashes) - _SHOWN_CLASHES} more" if len(clashes) > _SHOWN_CLASHES else "")
            message = (f"group {quoted(name)} mixes rows leaning opposite ways: {shown}. A group's rows share one weight, so a row "
                       "pointing the other way is diluted as if it corroborated the rest: if it reports a development of its own, take it "
                       "out of the group or give it a group of its own; if it belongs, say why in its rationale (a row leans when its "
                       f"likelihood ratio after reliability exceeds {MIXED_LEAN_TOLERANCE:g})")
            warnings.append(Problem(scenario_path, message, *locate_key(scenario_path, ["groups", name])))
    return warnings


def _opposite(rows: list[EvidenceRow], ratio_of) -> tuple | None:
    """The row leaning most each way by `ratio_of` (above the tolerance), or None unless both exist."""
    ratios = [(ratio, row) for row in rows if (ratio := ratio_of(row)) is not None]
    up = max(ratios, key=lambda pair: pair[0], default=None)
    down = min(ratios, key=lambda pair: pair[0], default=None)
    if up is None or up[0] <= MIXED_LEAN_TOLERANCE or down[0] >= 1 / MIXED_LEAN_TOLERANCE:
        return None
    return up, (1 / down[0] if down[0] > 0 else float("inf"), down[1])


def _clash_text(clash: tuple, up: str, down: str) -> str:
    (ratio_up, row_up), (ratio_down, row_down) = clash
    return f"row {quoted(row_up.id, 30)} favours {up} ({_ratio(ratio_up)}) but row {quoted(row_down.id, 30)} favours {down} ({_ratio(ratio_down)})"


def _ratio(value: float) -> str:
    """A ratio with enough digits to show that it exceeds the tolerance (1.105, not 1.1)."""
    if value == float("inf"):
        return "likelihood ratio infinite"
    shown = f"{value:.3g}"
    return f"likelihood ratio {shown if float(shown) > MIXED_LEAN_TOLERANCE else f'{value:.4g}'}"


def _hypothesis_ratio(row: EvidenceRow, a: str, b: str) -> float | None:
    """P(row | a) / P(row | b) after reliability (None when the row bears on no hypothesis or on neither)."""
    counted = row.counted_hypotheses
    return None if counted is None else _divide(counted[a], counted[b])


def _latent_ratio(row: EvidenceRow, latent: str) -> float | None:
    """The yes over the no likelihood of `latent` after reliability (None when the row does not bear on it)."""
    counted = row.counted_latent(latent)
    return None if counted is None else _divide(*counted)


def _divide(top: float, bottom: float) -> float | None:
    if bottom > 0:
        return top / bottom
    return float("inf") if top > 0 else None


def statement_ratio(row: EvidenceRow) -> float | None:
    """The largest over the smallest hypothesis likelihood of a statement row, after reliability
    (None for other kinds and rows without hypothesis columns)."""
    if row.kind != "statement" or row.hypotheses is None:
        return None
    counted = row.counted_hypotheses.values()
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
