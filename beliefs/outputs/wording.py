"""Standard estimative words for probabilities, so a report reads the same way every time.

The scale is the one US intelligence analysts publish under (ICD 203, "Analytic Standards",
2015). Each band is half-open, [low, high), except that the last one includes 1; the first
band starts at 0, so a model's 0.3% is still "almost no chance" and its 99.7% "almost
certain": the words describe a judgement, not the model's last decimal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SCALE_NAME = "ICD 203"


@dataclass(frozen=True)
class Band:
    """One estimative word and the probabilities it stands for."""

    word: str
    low: float
    high: float

    @property
    def range_text(self) -> str:
        """The band as percentages, e.g. "20–45%"."""
        return f"{100 * self.low:.0f}–{100 * self.high:.0f}%"


SCALE: tuple[Band, ...] = (
    Band("almost no chance", 0.00, 0.05),
    Band("very unlikely", 0.05, 0.20),
    Band("unlikely", 0.20, 0.45),
    Band("roughly even chance", 0.45, 0.55),
    Band("likely", 0.55, 0.80),
    Band("very likely", 0.80, 0.95),
    Band("almost certain", 0.95, 1.00),
)


def estimative_word(probability: float) -> str:
    """The ICD 203 word for `probability` (0 to 1), e.g. 0.3 -> "unlikely"."""
    p = float(probability)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"probability {p!r} is outside [0, 1]")
    for band in SCALE:
        if p < band.high:
            return band.word
    return SCALE[-1].word


def percent(probability: float) -> str:
    """A probability as a percentage for readers: one decimal below 10% and above 90%, else whole."""
    p = 100 * float(probability)
    if p != 0 and (p < 10 or p > 90):
        return f"{p:.1f}%"
    return f"{p:.0f}%"


def move_percents(before: float, after: float) -> tuple[str, str]:
    """Two probabilities as percentages fine enough to show their difference: "12.3%", "11.6%"
    rather than "12%", "12%" when the move is under a point."""
    if abs(after - before) < 0.01 and percent(before) == percent(after):
        return f"{100 * before:.1f}%", f"{100 * after:.1f}%"
    return percent(before), percent(after)


def point_change(before: float, after: float) -> str:
    """The change between two probabilities in percentage points, signed: "+3.6", "−0.7", and
    with two decimals under a tenth of a point ("+0.04") so that a small move does not read as none."""
    change = 100 * (after - before)
    return signed(change, 2 if abs(change) < 0.1 else 1)


def signed(value: float, digits: int = 1) -> str:
    """A signed number with a true minus sign: "+3.6", "−0.7", "0.0" (no sign when it rounds to zero)."""
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return text.replace("-", "−")


def describe(probability: float) -> str:
    """A probability in numbers and words, e.g. "27% (unlikely)"."""
    return f"{percent(probability)} ({estimative_word(probability)})"


def scale_text() -> str:
    """The scale in one line, for the report: "almost no chance 0–5%, very unlikely 5–20%, ..."."""
    return ", ".join(f"{band.word} {band.range_text}" for band in SCALE)


def format_llr(value: float) -> str:
    """A log likelihood ratio as the plots and the report print it: "+0.27", "−1.03", "0.00", "+∞"."""
    if math.isinf(value):
        return "+∞" if value > 0 else "−∞"
    return signed(value, 2)


def outcome_words(outcome: str | dict[str, float] | None, labels: dict[str, str] | None = None) -> str:
    """A resolution's outcome as text: "pressure", or a close call as "pressure 55%, concede 45%"
    (likeliest first; hypotheses with no chance left out). `labels` replaces names, in quotes."""
    name = (lambda h: f"“{labels.get(h, h)}”") if labels else str
    if isinstance(outcome, dict):
        split = sorted(((h, q) for h, q in outcome.items() if q > 0), key=lambda item: -item[1])
        return ", ".join(f"{name(h)} {percent(q)}" for h, q in split)
    return (labels.get(outcome, outcome) if labels else outcome) or ""
