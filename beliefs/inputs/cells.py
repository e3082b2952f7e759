"""Number cells of an evidence file: probabilities and reliabilities, with a readable reason
for every value that is not one (a percentage, a decimal comma, a word)."""

from __future__ import annotations

import math
import re

from beliefs.errors import quoted

_EXAMPLE = "e.g. 0.35"


def parse_probability(text: str) -> float:
    """A probability cell as a float in [0, 1]; ValueError with a readable reason otherwise."""
    value = parse_number(text, "a probability")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{quoted(text.strip())} is outside [0, 1]; a probability runs from 0 to 1, {_EXAMPLE}")
    return value


def parse_number(text: str, what: str) -> float:
    """A number cell as a float; ValueError with a hint for percentages, decimal commas and words."""
    stripped = text.strip()
    try:
        value = float(stripped)
    except ValueError:
        value = None
    if value is None or "_" in stripped:
        if stripped.endswith("%"):
            hint = f"write {what} as a decimal: 0.5, not 50%"
        elif re.fullmatch(r"[0-9]*,[0-9]+", stripped):
            hint = f"write decimals with a point: {stripped.replace(',', '.')}"
        else:
            hint = f"write {what} as a decimal between 0 and 1, {_EXAMPLE}"
        raise ValueError(f"{quoted(stripped)} is not a number; {hint}")
    if not math.isfinite(value):
        raise ValueError(f"{quoted(stripped)} is not a finite number; write {what} as a decimal between 0 and 1, {_EXAMPLE}")
    return value
