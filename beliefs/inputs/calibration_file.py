"""`[calibration] file = "..."`: the alpha that `beliefs calibrate --out` wrote, read into the
scenario so that the cache, the report and `update --json` see the numbers, not just a name
(a scenario whose calibration has both `alpha` and `file` was read from the file).

The file is the JSON object `beliefs calibrate --json` prints; only `alpha` (a number, or a
table by kind of evidence) and the list of `questions` (how many back it) are read.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from beliefs.errors import Problem, quoted, shorten
from beliefs.inputs.scenario import CALIBRATION_KINDS, Scenario
from beliefs.inputs.scenario_file import SCENARIO_FILE, locate_key


def resolve_calibration(root: Path, scenario: Scenario) -> tuple[Scenario, list[Problem]]:
    """`scenario` with `[calibration] file` read into its alpha and question count, or the
    problems that stop it (located at the `file` key, or in the file itself)."""
    calibration = scenario.calibration
    if calibration is None or not calibration.file:
        return scenario, []
    path = root / calibration.file
    line, column = locate_key(root / SCENARIO_FILE, ["calibration", "file"])
    if calibration.alpha is not None:
        return scenario, [Problem(root / SCENARIO_FILE, "[calibration] gives both alpha and file; keep one: the file written by "
                                                        "`beliefs calibrate --out`, or alpha = 0.8 by hand", line, column)]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        message = (f"calibration.file: {quoted(shorten(calibration.file, 60))} was not found next to {SCENARIO_FILE}; "
                   f"write it with `beliefs calibrate RESOLVED... --out {calibration.file}`")
        return scenario, [Problem(root / SCENARIO_FILE, message, line, column)]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return scenario, [Problem(path, f"cannot be read as the JSON `beliefs calibrate --out` writes ({shorten(str(error), 60)}); write it again")]
    alpha = data.get("alpha") if isinstance(data, dict) else None
    questions = data.get("questions") if isinstance(data, dict) else None
    if not _valid_alpha(alpha) or not isinstance(questions, list):
        return scenario, [Problem(path, "lacks a valid alpha (a number >= 0, or a table of them by kind of evidence) and a list of questions; "
                                        "write it again with `beliefs calibrate --out`")]
    resolved = calibration.model_copy(update={"alpha": alpha, "questions": len(questions)})  # `file` stays: where it came from
    return scenario.model_copy(update={"calibration": resolved}), []


def _valid_alpha(alpha) -> bool:
    def number(value) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0

    if isinstance(alpha, dict):
        return all(kind in CALIBRATION_KINDS and number(value) for kind, value in alpha.items())
    return number(alpha)
