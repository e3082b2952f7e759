"""The analyst's priors as a validated `Scenario`: the schema of `scenario.toml`.

Values are checked strictly: `prior = "0.3"` (a string), `prior = true` or
`prior_date = 20250401` are errors, not guesses. Reading the file and turning validation
errors into located messages is `beliefs.inputs.scenario_file`'s job.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from beliefs.errors import did_you_mean, shorten
from beliefs.inputs.clock import today
from beliefs.inputs.kinds import KINDS

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


Rate = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Switch(_Strict):
    """Monthly rates at which a state latent starts (`on`) and stops (`off`) holding: one number
    for every hypothesis, or a table with a rate for each hypothesis."""

    on: Rate | dict[Name, Rate] = 0.0
    off: Rate | dict[Name, Rate] = 0.0

    def rate(self, which: str, hypothesis: str) -> float:
        """The `on` or `off` rate under `hypothesis`."""
        value = getattr(self, which)
        return float(value[hypothesis]) if isinstance(value, dict) else float(value)

    def rates(self) -> list[float]:
        """Every rate given, on and off."""
        return [float(v) for which in ("on", "off") for v in (getattr(self, which).values() if isinstance(getattr(self, which), dict)
                                                               else [getattr(self, which)])]


class Latent(_Strict):
    """An unknown disposition of one of the actors, of one of two kinds.

    `propensity` (the default): a probability w in (0, 1) with a Beta prior; each row's
    likelihood is w p_yes + (1 - w) p_no. With a `volatility` or a `drift`, logit(w) moves over
    time: a random walk whose monthly steps have standard deviation `volatility` and mean
    `drift[H]` under hypothesis H.

    `state`: a condition that holds or does not at each date, with `prior` = P(it holds on the
    prior date); `p_yes` and `p_no` are the row's likelihoods if it holds and if it does not.
    With a `switch`, it starts and stops holding at monthly rates that may depend on H (a
    two-state continuous-time Markov chain); without one it is fixed over time.
    """

    kind: Literal["propensity", "state"] = "propensity"
    prior: BetaPrior | float
    label: str = ""
    volatility: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    drift: dict[str, float] = {}
    switch: Switch | None = None

    @property
    def is_state(self) -> bool:
        """Whether this is a two-state latent."""
        return self.kind == "state"

    @property
    def time_varying(self) -> bool:
        """Whether the latent moves over time: a volatility or non-zero drift (propensity), or switching rates (state)."""
        if self.is_state:
            return self.switch is not None and any(self.switch.rates())
        return self.volatility > 0 or any(self.drift.values())


class Group(_Strict):
    """Evidence rows that report one development: counted together by their design effect.

    With k of its rows seen and `correlation` rho, each row's log-likelihood is weighted by
    1 / (1 + (k - 1) rho) (Kish's design effect): rho = 1 counts k identical rows as one,
    rho = 0 counts them as independent.
    """

    label: str = ""
    correlation: float = Field(default=1.0, ge=0, le=1, allow_inf_nan=False)


class Analyst(_Strict):
    """An analyst whose judgments (`judgments/NAME.csv`, or the evidence files for `author`) are
    pooled with weight `weight` in the log opinion pool."""

    label: str = ""
    weight: float = Field(default=1.0, gt=0, allow_inf_nan=False)


OUTCOME_TOLERANCE = 1e-6  # how far from 1 the probabilities of an uncertain outcome may sum


class Resolution(_Strict):
    """How and when the question is judged: an observable criterion per hypothesis, and, once
    known, the outcome. Resolved questions can be scored (`beliefs score`).

    A close call is recorded as a table of probabilities over the hypotheses (summing to 1),
    with `why` saying what made it close; scores are then their expectation over it.
    """

    by: dt.date
    source: str = ""
    outcome: Name | dict[Name, float] | None = None
    why: str = ""
    resolved_on: dt.date | None = None
    criteria: dict[Name, str]

    @property
    def resolved(self) -> bool:
        """Whether the outcome is known."""
        return self.outcome is not None

    @property
    def weights(self) -> dict[str, float]:
        """The outcome as probabilities by hypothesis: {name: 1.0} for a certain one (empty when unresolved)."""
        if self.outcome is None:
            return {}
        return {self.outcome: 1.0} if isinstance(self.outcome, str) else {h: float(q) for h, q in self.outcome.items()}

    @property
    def likeliest(self) -> str | None:
        """The outcome, or the most probable one of an uncertain outcome."""
        weights = self.weights
        return max(weights, key=weights.__getitem__) if weights else None

    @property
    def judged_on(self) -> dt.date:
        """`resolved_on`, or `by` when it is not given: steps before it are scored."""
        return self.resolved_on or self.by


CALIBRATION_KINDS = (*KINDS, "")  # the kinds of evidence, and "" for unclassified rows
Alpha = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Calibration(_Strict):
    """A likelihood exponent learned from resolved questions (`beliefs calibrate`): every row's
    log-likelihood is multiplied by `alpha` (one number, or one per kind of evidence; a kind the
    table leaves out keeps 1), read from `file` when given. `questions` says how many resolved
    questions back it; `statement_ratio_bound` is where `beliefs check` starts to question a
    statement's likelihood ratio."""

    alpha: Alpha | dict[str, Alpha] | None = None
    file: str = ""
    questions: int | None = Field(default=None, ge=0)
    statement_ratio_bound: float = Field(default=1.5, gt=1, allow_inf_nan=False)

    def row_alpha(self, kind: str) -> float:
        """The exponent of a row of `kind` ("" for unclassified); 1 without a calibration."""
        if self.alpha is None:
            return 1.0
        return float(self.alpha) if not isinstance(self.alpha, dict) else float(self.alpha.get(kind, 1.0))


class Scenario(_Strict):
    """The question, its hypotheses with their priors, the latent unknowns, the evidence groups,
    how the question resolves and, optionally, the monthly rates at which the line held moves
    from one hypothesis to another (`switching`: from -> {to: rate}; absent means it never moves)."""

    title: str = Field(min_length=1)
    prior_date: dt.date
    allow_future: bool = False  # planning: evidence and an outcome dated after today are accepted (with a warning)
    hypotheses: dict[Name, Hypothesis]
    latents: dict[Name, Latent] = {}
    groups: dict[Name, Group] = {}
    resolution: Resolution | None = None
    switching: dict[Name, dict[Name, Rate]] = {}
    calibration: Calibration | None = None
    analysts: dict[Name, Analyst] = {}

    @property
    def switches(self) -> bool:
        """Whether the line held can move between hypotheses (some switching rate above 0)."""
        return any(rate > 0 for targets in self.switching.values() for rate in targets.values())

    def switching_rate(self, source: str, target: str) -> float:
        """The monthly rate of moving from line `source` to line `target` (0 when not given)."""
        return float(self.switching.get(source, {}).get(target, 0.0))

    @property
    def resolved(self) -> bool:
        """Whether the question's outcome is recorded (a `[resolution]` with an `outcome`)."""
        return self.resolution is not None and self.resolution.resolved

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
        for name, latent in self.latents.items():
            self._check_latent(name, latent)
        self._check_switching()
        if self.resolution is not None:
            self._check_resolution(self.resolution)
        if self.calibration is not None:
            _check_calibration(self.calibration)
        return self

    def _check_latent(self, name: str, latent: Latent) -> None:
        where = f"latents.{name}"
        if latent.is_state:
            if isinstance(latent.prior, BetaPrior):
                _inconsistent(f"{where}.prior", f"{where}.prior: a state latent's prior is one probability that it holds on the prior date, "
                                                "e.g. prior = 0.1 (a Beta table is for kind = \"propensity\")")
            if not 0 < latent.prior < 1 or not math.isfinite(latent.prior):
                _inconsistent(f"{where}.prior", f"{where}.prior = {latent.prior!r} is not valid: a state's prior is a probability strictly "
                                                "between 0 and 1, e.g. prior = 0.1")
            for key in ("volatility", "drift"):
                if getattr(latent, key):
                    _inconsistent(f"{where}.{key}", f"{where}.{key}: a state latent does not drift or wander; it switches at the rates of "
                                                    f"[{where}.switch] (on and off); remove {key}")
            for which in ("on", "off"):
                rates = getattr(latent.switch, which, None)
                if isinstance(rates, dict):
                    missing = [h for h in self.hypotheses if h not in rates]
                    unknown = [h for h in rates if h not in self.hypotheses]
                    if unknown:
                        _inconsistent(f"{where}.switch.{which}", f"{where}.switch.{which} names '{shorten(unknown[0])}', which is not a hypothesis"
                                                                  f"{did_you_mean(unknown[0], list(self.hypotheses))}")
                    if missing:
                        _inconsistent(f"{where}.switch.{which}", f"{where}.switch.{which} has no rate for {shorten(', '.join(missing), 60)}; "
                                                                  "give one for every hypothesis, or one number for all")
        else:
            if not isinstance(latent.prior, BetaPrior):
                _inconsistent(f"{where}.prior", f"{where}.prior = {latent.prior!r}: a propensity's prior is a Beta table, e.g. "
                                                "prior = { alpha = 2.0, beta = 14.0 }; for a condition that holds or not, set kind = \"state\"")
            if latent.switch is not None:
                _inconsistent(f"{where}.switch", f"{where}.switch: switching rates are for kind = \"state\"; a propensity moves by "
                                                 "volatility and drift")

    def _check_switching(self) -> None:
        names = list(self.hypotheses)
        for source, targets in self.switching.items():
            if source not in self.hypotheses:
                _inconsistent(f"switching.{source}", f"switching names '{shorten(source)}', which is not a hypothesis{did_you_mean(source, names)}; "
                                                     f"the keys of [switching] are the lines held now: {shorten(', '.join(names), 60)}")
            for target in targets:
                where = f"switching.{source}.{target}"
                if target not in self.hypotheses:
                    _inconsistent(where, f"{shorten(where, 40)}: '{shorten(target)}' is not a hypothesis{did_you_mean(target, names)}; "
                                         f"a rate goes to one of {shorten(', '.join(names), 60)}")
                if target == source:
                    _inconsistent(where, f"{shorten(where, 40)}: a rate from a line to itself means nothing (the line is held until it "
                                         "moves); give only rates to the other lines")
        if not self.switches:
            return
        for name, latent in self.latents.items():
            if not latent.is_state and any(latent.drift.values()):
                _inconsistent(f"latents.{name}.drift",
                              f"latents.{shorten(name, 20)}.drift depends on the line, and with [switching] the line moves: beliefs computes "
                              "that combination by no exact method; remove the drift (keep volatility), make the latent kind = \"state\" "
                              "with switching rates per line, or remove [switching]")

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
        if isinstance(resolution.outcome, str) and resolution.outcome not in self.hypotheses:
            _inconsistent("resolution.outcome", f"outcome '{shorten(resolution.outcome)}' is not a hypothesis{did_you_mean(resolution.outcome, names)}; "
                                                f"write one of {shorten(', '.join(names), 60)}")
        if isinstance(resolution.outcome, dict):
            _check_uncertain_outcome(resolution.outcome, names)
        if resolution.resolved and resolution.judged_on > today() and not self.allow_future:
            key = "resolved_on" if resolution.resolved_on else "by"
            _inconsistent(f"resolution.{key}", f"resolution.{key} = {resolution.judged_on} is after today ({today()}), yet an outcome is set: "
                                               f"an outcome is recorded once it is known; correct the date, or remove outcome until then")
        for key in ("by", "resolved_on"):
            when = getattr(resolution, key)
            if when is not None and when <= self.prior_date:
                _inconsistent(f"resolution.{key}", f"resolution.{key} = {when} is not after prior_date {self.prior_date}; "
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


def _check_uncertain_outcome(outcome: dict[str, float], names: list[str]) -> None:
    """An outcome given as probabilities: known hypotheses, each in [0, 1], summing to 1."""
    for name, q in outcome.items():
        if name not in names:
            _inconsistent(f"resolution.outcome.{name}", f"outcome names '{shorten(name)}', which is not a hypothesis{did_you_mean(name, names)}; "
                                                        f"give probabilities for {shorten(', '.join(names), 60)}")
        if not 0 <= q <= 1 or not math.isfinite(q):
            _inconsistent(f"resolution.outcome.{name}", f"resolution.outcome.{shorten(name)} = {q!r} is outside [0, 1]; each is the "
                                                        "probability that this hypothesis is what came true, e.g. 0.45")
    total = math.fsum(outcome.values())
    if abs(total - 1) > OUTCOME_TOLERANCE:
        _inconsistent("resolution.outcome", f"the outcome's probabilities sum to {total:g}, not 1; for a close call give each hypothesis "
                                            "its probability of being what came true, e.g. outcome = { pressure = 0.55, concede = 0.45 }")


def _check_calibration(calibration: Calibration) -> None:
    if isinstance(calibration.alpha, dict):
        for kind in calibration.alpha:
            if kind not in CALIBRATION_KINDS:
                kinds = ", ".join(k for k in CALIBRATION_KINDS if k)
                _inconsistent(f"calibration.alpha.{kind}", f"calibration.alpha names '{shorten(kind)}', which is not a kind of evidence"
                                                           f"{did_you_mean(kind, list(CALIBRATION_KINDS))}; the kinds are {kinds} and \"\" "
                                                           'for unclassified rows, e.g. alpha = { statement = 0.6, "" = 1.0 }')


def _inconsistent(where: str, message: str):
    """Fail validation with a message located at the dotted key `where` of the file."""
    raise PydanticCustomError("scenario", "{message}", {"message": message, "where": where})
