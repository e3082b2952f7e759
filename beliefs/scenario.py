"""The analyst's priors: `scenario.toml` parsed and validated into a `Scenario`.

The file is small and hand-written, so every problem is reported with the line of the key
that caused it and an example of a valid value.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from beliefs.errors import Problem, WorkspaceError

SCENARIO_FILE = "scenario.toml"

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Hypothesis(_Strict):
    """One of the mutually exclusive answers to the question."""

    prior: float = Field(ge=0, allow_inf_nan=False)
    label: str = ""


class BetaPrior(_Strict):
    alpha: float = Field(gt=0, allow_inf_nan=False)
    beta: float = Field(gt=0, allow_inf_nan=False)

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


class Latent(_Strict):
    """An unknown probability in (0, 1), such as a disposition of one of the actors."""

    prior: BetaPrior
    label: str = ""


class Scenario(_Strict):
    """The question, its hypotheses with their priors, and the latent unknowns."""

    title: str = Field(min_length=1)
    prior_date: dt.date
    hypotheses: dict[Name, Hypothesis]
    latents: dict[Name, Latent] = {}

    @model_validator(mode="after")
    def _check_consistency(self) -> Scenario:
        if len(self.hypotheses) < 2:
            raise ValueError("a scenario needs at least two hypotheses")
        if sum(h.prior for h in self.hypotheses.values()) <= 0:
            raise ValueError("the hypotheses' priors are all zero; give at least one a positive prior")
        for latent in self.latents:
            for suffix in ("yes", "no"):
                if f"{latent}_{suffix}" in self.hypotheses:
                    raise ValueError(
                        f"hypothesis '{latent}_{suffix}' and latent '{latent}' would share the "
                        f"column p_{latent}_{suffix}; rename one of them"
                    )
        return self

    @property
    def hypothesis_names(self) -> list[str]:
        return list(self.hypotheses)

    @property
    def latent_names(self) -> list[str]:
        return list(self.latents)

    @property
    def prior_probabilities(self) -> dict[str, float]:
        """The hypotheses' priors normalised to sum to one."""
        total = sum(h.prior for h in self.hypotheses.values())
        return {name: h.prior / total for name, h in self.hypotheses.items()}

    def label(self, name: str) -> str:
        """The analyst's label of a hypothesis or latent, or its name when none was given."""
        item = self.hypotheses.get(name) or self.latents.get(name)
        return (item.label if item else "") or name


_HINTS = {
    "title": 'a non-empty string, e.g. title = "Will the talks resume?"',
    "prior_date": "a TOML date, e.g. prior_date = 2025-04-01",
    "prior": "a number >= 0, e.g. prior = 0.3",
    "alpha": "a number > 0, e.g. alpha = 2.0",
    "beta": "a number > 0, e.g. beta = 14.0",
    "label": 'a string, e.g. label = "Step up pressure"',
    "hypotheses": 'a table of at least two entries, e.g. pressure = { prior = 0.2, label = "..." }',
}


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; raise `WorkspaceError` listing every problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise WorkspaceError([Problem(path, "file not found; every workspace needs a scenario.toml (see `beliefs init`)")]) from None
    except UnicodeDecodeError as error:
        raise WorkspaceError([Problem(path, f"not UTF-8 text ({error.reason}); save the file as UTF-8")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise WorkspaceError([_syntax_problem(path, error)]) from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise WorkspaceError([_validation_problem(path, text, e) for e in error.errors()]) from None


def _syntax_problem(path: Path, error: tomllib.TOMLDecodeError) -> Problem:
    message = getattr(error, "msg", str(error))
    line = getattr(error, "lineno", None)
    column = getattr(error, "colno", None)
    return Problem(path, f"TOML syntax error: {message}", line, column)


def _validation_problem(path: Path, text: str, error: dict) -> Problem:
    keys = [str(k) for k in error["loc"] if not str(k).startswith(("function-after", "[key]"))]
    where = ".".join(keys) or "scenario"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = f"unknown key '{keys[-1]}'; valid keys are title, prior_date, hypotheses, latents (and prior, label inside them)"
    elif error["type"] == "missing":
        message = f"missing required key '{where}'"
    elif error["type"] == "string_pattern_mismatch" or "[key]" in map(str, error["loc"]):
        message = f"'{error['input']}' is not a valid name; use letters, digits and underscores, starting with a letter"
    hint = _HINTS.get(keys[-1] if keys else "")
    if hint and error["type"] not in ("extra_forbidden", "missing"):
        message = f"{where}: {message}; expected {hint}"
    elif error["type"] != "missing":
        message = f"{where}: {message}"
    line, column = _locate(text, keys)
    return Problem(path, message, line, column)


def _locate(text: str, keys: list[str]) -> tuple[int | None, int | None]:
    """Best-effort line and column of a dotted key path in TOML text (tomllib keeps none)."""
    lines = text.splitlines()
    start, found = 0, (None, None)
    for key in keys:
        pattern = re.compile(rf"(^|[\s{{,.\[]){re.escape(key)}\s*([=\].]|$)")
        for number in range(start, len(lines)):
            match = pattern.search(lines[number])
            if match:
                start = number
                found = (number + 1, match.start() + len(match.group(1)) + 1)
                break
    return found
