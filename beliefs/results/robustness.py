"""The typed results of `beliefs sensitivity` (`Robustness`) and `beliefs watch` (`Watch`).

Their fields are in the order of the JSON the commands print, and `to_json()` gives that exact
text: other tools read it, so a field is never renamed or moved.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from beliefs.results.summary import summary_json


@dataclass(frozen=True)
class FinalAnswer:
    """P(H) after the last step, which every change below is measured against."""

    date: str
    hypotheses: dict[str, float]


@dataclass(frozen=True)
class RowLeftOut:
    """The final P(H) without one row; `change` is the largest shift of any hypothesis."""

    id: str
    hypotheses: dict[str, float]
    change: float
    leader_changes: bool


@dataclass(frozen=True)
class GroupLeftOut:
    """The final P(H) without every row of one group."""

    group: str
    rows: list[str]
    hypotheses: dict[str, float]
    change: float
    leader_changes: bool


@dataclass(frozen=True)
class Variant:
    """The final P(H) with one prior or one latent's dynamics multiplied by `factor`."""

    parameter: str
    factor: float
    hypotheses: dict[str, float]
    change: float
    leader_changes: bool


@dataclass(frozen=True)
class BandStep:
    """The judgment band at one step: each hypothesis's `q05`, `q50` and `q95`."""

    date: str
    hypotheses: dict[str, dict[str, float]]


@dataclass(frozen=True)
class BandSettings:
    """How the judgment band was drawn."""

    judgment_sd: float
    draws: int
    seed: int


@dataclass(frozen=True)
class Robustness:
    """How robust the answer is (`beliefs sensitivity`): rows and groups left out (largest change
    first), the judgment band at every step, and the priors and dynamics halved and doubled."""

    final: FinalAnswer
    leave_one_out: list[RowLeftOut]
    groups: list[GroupLeftOut]
    band: list[BandStep]
    priors: list[Variant]
    dynamics: list[Variant]
    settings: BandSettings

    @property
    def linchpins(self) -> list[str]:
        """The rows whose removal alone would change the leading answer."""
        return [entry.id for entry in self.leave_one_out if entry.leader_changes]

    @classmethod
    def from_dict(cls, data: dict) -> Robustness:
        """From the JSON shape of `beliefs sensitivity --json`."""
        return cls(final=FinalAnswer(**data["final"]), leave_one_out=[RowLeftOut(**e) for e in data["leave_one_out"]],
                   groups=[GroupLeftOut(**e) for e in data["groups"]], band=[BandStep(**e) for e in data["band"]],
                   priors=[Variant(**e) for e in data["priors"]], dynamics=[Variant(**e) for e in data["dynamics"]],
                   settings=BandSettings(**data["settings"]))

    def to_dict(self) -> dict:
        """The JSON shape of `beliefs sensitivity --json`."""
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """The exact text `beliefs sensitivity --json` prints."""
        return summary_json(self.to_dict())


@dataclass(frozen=True)
class Outcome:
    """P(H) once an indicator is seen (or once it is not); None where that cannot happen. With a
    switching line, also P(line on `by`)."""

    hypotheses: dict[str, float] | None
    hypotheses_at_by: dict[str, float] | None = None

    def to_dict(self) -> dict:
        """As printed: `hypotheses_at_by` only where the line switches."""
        return {"hypotheses": self.hypotheses} | ({"hypotheses_at_by": self.hypotheses_at_by} if self.hypotheses_at_by is not None else {})


@dataclass(frozen=True)
class Indicator:
    """One indicator not yet seen: its chance of being seen now, the information it would give
    about the hypotheses and each latent it bears on (bits), and what seeing it or not would do."""

    id: str
    summary: str
    probability: float
    information_bits: float
    latent_information_bits: dict[str, float]
    if_observed: Outcome | None
    if_not: Outcome | None

    def to_dict(self) -> dict:
        """As `beliefs watch --json` prints it."""
        return {"id": self.id, "summary": self.summary, "probability": self.probability, "information_bits": self.information_bits,
                "latent_information_bits": self.latent_information_bits,
                "if_observed": self.if_observed.to_dict() if self.if_observed else None,
                "if_not": self.if_not.to_dict() if self.if_not else None}


@dataclass(frozen=True)
class Watch:
    """What to watch for (`beliefs watch`): the indicators, most informative first, as of `date`."""

    date: str
    indicators: list[Indicator]

    @classmethod
    def from_dict(cls, data: dict) -> Watch:
        """From the JSON shape of `beliefs watch --json`."""
        def outcome(value: dict | None) -> Outcome | None:
            return None if value is None else Outcome(**value)

        return cls(data["date"], [Indicator(**{**e, "if_observed": outcome(e["if_observed"]), "if_not": outcome(e["if_not"])})
                                  for e in data["indicators"]])

    def to_dict(self) -> dict:
        """The JSON shape of `beliefs watch --json`."""
        return {"date": self.date, "indicators": [e.to_dict() for e in self.indicators]}

    def to_json(self) -> str:
        """The exact text `beliefs watch --json` prints."""
        return summary_json(self.to_dict())
