"""The analyst's priors as a validated `Scenario`: the schema of `scenario.toml`.

Values are checked strictly: `prior = "0.3"` (a string), `prior = true` or
`prior_date = 20250401` are errors, not guesses. Reading the file and turning validation
errors into located messages is `beliefs.inputs.scenario_file`'s job.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from beliefs.errors import did_you_mean, shorten

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Hypothesis(_Strict):
    """One of the mutually exclusive answers to the question."""

    prior: float = Field(ge=0, allow_inf_nan=False)
    label: str = ""


class BetaPrior(_Strict):
    """A Beta(alpha, beta) prior of a latent's value at the prior date."""

    alpha: float = Field(gt=0, allow_inf_nan=False)
    beta: float = Field(gt=0, allow_inf_nan=False)

    @property
    def mean(self) -> float:
        """Alpha / (alpha + beta)."""
        return self.alpha / (self.alpha + self.beta)


class Latent(_Strict):
    """An unknown probability in (0, 1), such as a disposition of one of the actors.

    With a `volatility` or a `drift`, logit(w) moves over time: a random walk whose monthly
    steps have standard deviation `volatility` and mean `drift[H]` under hypothesis H.
    """

    prior: BetaPrior
    label: str = ""
    volatility: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    drift: dict[str, float] = {}

    @property
    def time_varying(self) -> bool:
        """Whether the latent moves over time (a volatility or a non-zero drift)."""
        return self.volatility > 0 or any(self.drift.values())


class Group(_Strict):
    """Evidence rows that report one development: counted together by their design effect.

    With k of its rows seen and `correlation` rho, each row's log-likelihood is weighted by
    1 / (1 + (k - 1) rho) (Kish's design effect): rho = 1 counts k identical rows as one,
    rho = 0 counts them as independent.
    """

    label: str = ""
    correlation: float = Field(default=1.0, ge=0, le=1, allow_inf_nan=False)


class Resolution(_Strict):
    """How and when the question is judged: an observable criterion per hypothesis, and, once
    known, the outcome. Resolved questions can be scored (`beliefs score`)."""

    by: dt.date
    source: str = ""
    outcome: Name | None = None
    resolved_on: dt.date | None = None
    criteria: dict[Name, str]

    @property
    def resolved(self) -> bool:
        """Whether the outcome is known."""
        return self.outcome is not None

    @property
    def judged_on(self) -> dt.date:
        """`resolved_on`, or `by` when it is not given: steps before it are scored."""
        return self.resolved_on or self.by


class Scenario(_Strict):
    """The question, its hypotheses with their priors, the latent unknowns, the evidence groups
    and how the question resolves."""

    title: str = Field(min_length=1)
    prior_date: dt.date
    hypotheses: dict[Name, Hypothesis]
    latents: dict[Name, Latent] = {}
    groups: dict[Name, Group] = {}
    resolution: Resolution | None = None

    @model_validator(mode="after")
    def _check_consistency(self) -> Scenario:
        if len(self.hypotheses) < 2:
            found = f"only '{shorten(next(iter(self.hypotheses)))}'" if self.hypotheses else "none"
            _inconsistent("hypotheses", f"a scenario needs at least two hypotheses, found {found}; add another, e.g. other = {{ prior = 0.5 }}")
        total = sum(h.prior for h in self.hypotheses.values())
        if total <= 0:
            _inconsistent("hypotheses", "every prior is 0; give at least one hypothesis a positive prior (priors are normalised to sum to 1)")
        if not math.isfinite(total):
            _inconsistent("hypotheses", "the priors are too large to add up; write them as numbers such as 0.3 (they are normalised to sum to 1)")
        for name in self.latents:
            if name in self.hypotheses:
                _inconsistent(f"latents.{name}", f"'{shorten(name)}' is both a hypothesis and a latent; give them different names")
        for latent, spec in self.latents.items():
            unknown = sorted(set(spec.drift) - set(self.hypotheses))
            if unknown:
                _inconsistent(
                    f"latents.{latent}.drift",
                    f"latents.{shorten(latent, 20)}.drift names {shorten(', '.join(map(repr, unknown)), 40)}, which is not a hypothesis; "
                    f"drift keys must be among {shorten(', '.join(self.hypotheses), 60)}",
                )
            for suffix in ("yes", "no"):
                if f"{latent}_{suffix}" in self.hypotheses:
                    _inconsistent(
                        f"latents.{latent}",
                        f"hypothesis '{shorten(latent)}_{suffix}' and latent '{shorten(latent)}' would share the column "
                        f"p_{shorten(latent)}_{suffix}; rename one",
                    )
        if self.resolution is not None:
            self._check_resolution(self.resolution)
        return self

    def _check_resolution(self, resolution: Resolution) -> None:
        names = list(self.hypotheses)
        missing = [h for h in names if h not in resolution.criteria]
        if missing:
            _inconsistent("resolution.criteria", f"no criterion for {shorten(', '.join(missing), 60)}; give every hypothesis an observable "
                                                 f'criterion, e.g. {shorten(missing[0])} = "what would show it by {resolution.by}"')
        for name, text in resolution.criteria.items():
            if name not in self.hypotheses:
                _inconsistent(f"resolution.criteria.{name}", f"criterion for '{shorten(name)}', which is not a hypothesis{did_you_mean(name, names)}; "
                                                             f"criteria are keyed by hypothesis: {shorten(', '.join(names), 60)}")
            if not text.strip():
                _inconsistent(f"resolution.criteria.{name}",
                              f"the criterion for '{shorten(name)}' is empty; say what observable fact would resolve the question to it")
        if resolution.outcome is not None and resolution.outcome not in self.hypotheses:
            _inconsistent("resolution.outcome", f"outcome '{shorten(resolution.outcome)}' is not a hypothesis{did_you_mean(resolution.outcome, names)}; "
                                                f"write one of {shorten(', '.join(names), 60)}")
        if resolution.judged_on <= self.prior_date:
            key = "resolved_on" if resolution.resolved_on else "by"
            _inconsistent(f"resolution.{key}", f"resolution.{key} = {resolution.judged_on} is not after prior_date {self.prior_date}; "
                                               "a question resolves after the priors were set")

    @property
    def time_varying(self) -> bool:
        """Whether any latent moves over time (then its rows are tied to their step's date)."""
        return any(latent.time_varying for latent in self.latents.values())

    @property
    def hypothesis_names(self) -> list[str]:
        """Hypothesis names in the file's order."""
        return list(self.hypotheses)

    @property
    def latent_names(self) -> list[str]:
        """Latent names in the file's order."""
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


def _inconsistent(where: str, message: str):
    """Fail validation with a message located at the dotted key `where` of the file."""
    raise PydanticCustomError("scenario", "{message}", {"message": message, "where": where})
