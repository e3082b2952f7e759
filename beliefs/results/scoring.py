"""Proper scores of a whole path of beliefs once the question has resolved, and calibration
across many questions.

For a history whose scenario resolved to outcome o on date R, every step dated before R
(step 0 included) is scored:

* with a switching line (`[switching]`), P is the forecast of the line held on `by` made at each
  step (`PosteriorHistory.answer`), since that is what the question asks, and the prior baseline
  is the prior's own forecast for `by`;
* Brier = sum_h (P(h) - [h = o])^2, from 0 (certain and right) to 2 (certain and wrong);
* log score = -log2 P(o), in bits, lower is better;
* a close call recorded as probabilities q_o over the outcomes is scored in expectation:
  Brier = sum_o q_o Brier_o, log score = -sum_o q_o log2 P(o);
* the time-weighted means weight each step by the days until the next scored step (the last
  until R), as the Good Judgment Project scores a forecaster's updating: a belief held for a
  month counts thirty times a belief held for a day;
* with a `[calibration]`, the tempered path (`calibrated`) is scored the same way beside it;
* baselines: the prior held throughout, and the uniform 1/K (Brier (K - 1)/K, log2 K bits),
  with skill = 1 - score / baseline (above 0 beats the baseline).

Over a portfolio, every step x hypothesis probability is one binary forecast of "h happens",
weighted by its days, whose outcome is q_h (1 or 0 for a certain outcome; a close call counts
as the outcome with weight q_h and its absence with weight 1 - q_h): the calibration table bins them by tenths, and the Murphy decomposition
splits their mean binary Brier score into reliability - resolution + uncertainty (exact when
the forecasts within a bin are equal; the per-bin mean is used otherwise, as is usual).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # scores kept beside the cache are read without xarray
    from beliefs.results.history import PosteriorHistory

BINS = 10
DECIMALS = 6


@dataclass(frozen=True)
class PathScore:
    """The scores of one resolved history.

    Attributes
    ----------
    outcome : str or dict
        The hypothesis that came true, or the probabilities of a close call, as written.
    resolved_on : datetime.date
    dates : list of str
        The scored steps' dates.
    brier, log_score, days : ndarray, shape (scored step,)
        Each step's scores and the days it was held.
    probabilities : ndarray, shape (scored step, hypothesis)
    hypotheses : list of str
    prior : ndarray, shape (hypothesis,)
    weights : ndarray, shape (hypothesis,)
        The probability that each hypothesis is the outcome (one 1 for a certain outcome).
    rows : list of dict
        Each row's contribution to the log score of the last scored step, in bits (positive:
        it raised P(outcome)), best first.
    """

    outcome: str | dict[str, float]
    resolved_on: dt.date
    dates: list[str]
    brier: np.ndarray
    log_score: np.ndarray
    days: np.ndarray
    probabilities: np.ndarray
    hypotheses: list[str]
    prior: np.ndarray
    weights: np.ndarray
    rows: list[dict] = field(default_factory=list)
    calibrated: np.ndarray | None = None  # the `[calibration]` path at the scored steps (step x hypothesis), when there is one

    def to_json(self) -> dict:
        """Every field as JSON (floats written exactly, infinities as JSON's Infinity); `from_json` reads it back."""
        arrays = {name: getattr(self, name).tolist() for name in ("brier", "log_score", "days", "probabilities", "prior", "weights")}
        return {"outcome": self.outcome, "resolved_on": self.resolved_on.isoformat(), "dates": self.dates, "hypotheses": self.hypotheses,
                "rows": self.rows, "calibrated": None if self.calibrated is None else self.calibrated.tolist(), **arrays}

    @classmethod
    def from_json(cls, data: dict) -> PathScore:
        """The scores `to_json` wrote, equal to the last bit."""
        arrays = {name: np.array(data[name], dtype=float) for name in ("brier", "log_score", "days", "probabilities", "prior", "weights")}
        return cls(data["outcome"], dt.date.fromisoformat(data["resolved_on"]), list(data["dates"]), hypotheses=list(data["hypotheses"]),
                   rows=list(data["rows"]), calibrated=None if data["calibrated"] is None else np.array(data["calibrated"], dtype=float), **arrays)

    def time_weighted(self, values: np.ndarray) -> float:
        """The days-weighted mean of per-step `values`."""
        return float(np.sum(values * self.days) / np.sum(self.days))

    @property
    def baselines(self) -> dict[str, dict[str, float]]:
        """The prior held throughout and the uniform forecast, scored the same way."""
        k = len(self.hypotheses)
        brier, log_score = expected_scores(self.prior[None, :], self.weights)
        return {
            "prior": {"brier": float(brier[0]), "log_score": float(log_score[0])},
            "uniform": {"brier": (k - 1) / k, "log_score": math.log2(k)},
        }

    def summary(self) -> dict:
        """The workspace entry of `beliefs score --json` (resolved)."""
        weighted = {"brier": self.time_weighted(self.brier), "log_score": self.time_weighted(self.log_score)}
        baselines = self.baselines
        skill = {name: {score: _skill(weighted[score], base[score]) for score in base} for name, base in baselines.items()}
        return {
            "status": "resolved",
            "outcome": self.outcome,
            "resolved_on": self.resolved_on.isoformat(),
            "steps": [{"date": d, "brier": _round(b), "log_score": _round(s)} for d, b, s in zip(self.dates, self.brier, self.log_score, strict=True)],
            "time_weighted": {k: _round(v) for k, v in weighted.items()},
            "baselines": {name: {k: _round(v) for k, v in base.items()} for name, base in baselines.items()},
            "skill": {name: {k: _round(v) for k, v in values.items()} for name, values in skill.items()},
            "rows": self.rows,
        } | ({"calibrated": self._calibrated_summary()} if self.calibrated is not None else {})

    def _calibrated_summary(self) -> dict:
        """The `[calibration]` path scored like the judged one: per step and time-weighted."""
        brier, log_score = expected_scores(self.calibrated, self.weights)
        return {"steps": [{"date": d, "brier": _round(b), "log_score": _round(s)} for d, b, s in zip(self.dates, brier, log_score, strict=True)],
                "time_weighted": {"brier": _round(self.time_weighted(brier)), "log_score": _round(self.time_weighted(log_score))}}


def score_history(history: PosteriorHistory) -> PathScore | None:
    """The scores of `history`'s path of beliefs, or None when its question is unresolved.

    Parameters
    ----------
    history : PosteriorHistory
        Its scenario's `[resolution]` gives the outcome and the date.

    Returns
    -------
    PathScore or None
    """
    resolution = history.scenario.resolution
    if resolution is None or not resolution.resolved:
        return None
    judged = resolution.judged_on
    scored, days = scored_steps([dt.date.fromisoformat(d) for d in history.dates], judged)
    hypotheses = history.hypotheses
    q = np.array([resolution.weights.get(h, 0.0) for h in hypotheses])
    probabilities = np.stack([history.answer(t).values for t in scored])
    brier, log_score = expected_scores(probabilities, q)
    # With a switching line the prior's own forecast for `by` is the baseline held throughout.
    prior = history.answer(0).values if history.switches else np.array([history.prior[h] for h in hypotheses])
    calibrated = history.calibrated_probability
    return PathScore(resolution.outcome, judged, [history.dates[t] for t in scored], brier, log_score, days, probabilities,
                     hypotheses, prior, q, _row_contributions(history, resolution.weights, scored[-1]),
                     None if calibrated is None else calibrated.isel(step=scored).values)


def scored_steps(dates: list[dt.date], judged: dt.date) -> tuple[list[int], np.ndarray]:
    """The steps dated before `judged` and the days each was held (until the next, the last until `judged`)."""
    scored = [t for t, d in enumerate(dates) if d < judged]
    ends = [dates[t] for t in scored[1:]] + [judged]
    return scored, np.array([(end - dates[t]).days for t, end in zip(scored, ends, strict=True)], dtype=float)


def expected_scores(probabilities: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Brier and log scores (bits) of each row of `probabilities` (forecast x hypothesis), in
    expectation over the outcome's probabilities `q`: sum_o q_o score(p, o)."""
    k = probabilities.shape[1]
    brier = np.zeros(len(probabilities))
    log_score = np.zeros(len(probabilities))
    for o in np.flatnonzero(q > 0):  # an outcome that cannot have happened adds nothing, even where P(o) = 0
        brier += q[o] * np.sum((probabilities - np.eye(k)[o]) ** 2, axis=1)
        log_score += q[o] * np.array([_bits(p) for p in probabilities[:, o]])
    return brier, log_score


def _row_contributions(history: PosteriorHistory, outcome: dict[str, float], last: int) -> list[dict]:
    """Each row seen by the last scored step: its weighted log likelihood ratio for the outcome
    against the other hypotheses, in bits (in expectation over an uncertain outcome); positive
    rows lowered the log score (they helped)."""
    weights = history.row_weight.isel(step=last).values
    influence = history.influence
    llr = sum(q * influence.hypothesis_llr.sel(hypothesis=h).values for h, q in outcome.items() if q > 0)
    bears = influence.bears_on_hypotheses.values.astype(bool)
    rows = []
    for i, row in enumerate(history.rows):
        if weights[i] > 0 and (bears[i] or history.switches):  # with switching, state rows move the line too
            weight = 1.0 if history.switches else weights[i]  # a switching line's influence is the row's whole effect already
            value = float(weight * llr[i] / math.log(2)) if np.isfinite(llr[i]) else float(np.sign(llr[i]) * np.inf)
            rows.append((value, {"id": row, "date": str(history.row_date.values[i])[:10], "contribution_bits": _round(value)}))
    return [entry for _, entry in sorted(rows, key=lambda pair: -pair[0])]


@dataclass(frozen=True)
class Portfolio:
    """Binary forecasts (step x hypothesis) of many resolved paths, with their days as weights."""

    forecasts: np.ndarray
    outcomes: np.ndarray
    weights: np.ndarray
    briers: list[float]
    log_scores: list[float]

    @classmethod
    def of(cls, scores: list[PathScore]) -> Portfolio:
        """Pool the scored paths."""
        forecasts, outcomes, weights = [], [], []
        for score in scores:
            truth = score.weights  # q_h: the binary outcome "h happened", in expectation for a close call
            forecasts.append(score.probabilities.ravel())
            outcomes.append(np.tile(truth, len(score.days)))
            weights.append(np.repeat(score.days, len(score.hypotheses)))
        join = (lambda parts: np.concatenate(parts)) if scores else (lambda parts: np.zeros(0))
        return cls(join(forecasts), join(outcomes), join(weights),
                   [s.time_weighted(s.brier) for s in scores], [s.time_weighted(s.log_score) for s in scores])

    def _bins(self) -> list[tuple[float, float | None, float | None]]:
        """(weight, mean forecast, observed frequency) of each tenth; the last bin includes 1."""
        index = np.minimum((self.forecasts * BINS).astype(int), BINS - 1)
        bins = []
        for k in range(BINS):
            inside = index == k
            weight = float(self.weights[inside].sum())
            if weight:
                bins.append((weight, float(np.average(self.forecasts[inside], weights=self.weights[inside])),
                             float(np.average(self.outcomes[inside], weights=self.weights[inside]))))
            else:
                bins.append((0.0, None, None))
        return bins

    def calibration(self) -> list[dict]:
        """Ten bins of width 0.1: days-weighted mean forecast, observed frequency, and weight (days)."""
        return [{"low": k / BINS, "high": (k + 1) / BINS, "forecast": None if f is None else _round(f),
                 "observed": None if o is None else _round(o), "weight": _round(w)} for k, (w, f, o) in enumerate(self._bins())]

    def murphy(self) -> dict[str, float] | None:
        """Reliability, resolution and uncertainty of the pooled binary Brier score (by the bins)."""
        total = self.weights.sum()
        if not total:
            return None
        base_rate = float(np.sum(self.weights * self.outcomes) / total)
        reliability = sum(w / total * (f - o) ** 2 for w, f, o in self._bins() if w)
        resolution = sum(w / total * (o - base_rate) ** 2 for w, f, o in self._bins() if w)
        return {"reliability": _round(reliability), "resolution": _round(resolution), "uncertainty": _round(base_rate * (1 - base_rate))}

    def summary(self) -> dict:
        """The `portfolio` entry of `beliefs score --json`."""
        resolved = len(self.briers)
        return {
            "resolved": resolved,
            "brier": _round(float(np.mean(self.briers))) if resolved else None,
            "log_score": _round(float(np.mean(self.log_scores))) if resolved else None,
            "calibration": self.calibration() if resolved else [],
            "murphy": self.murphy() if resolved else None,
        }


def score_report(histories: list[tuple[str, PosteriorHistory]]) -> dict:
    """The whole JSON object of `beliefs score --json` for named histories (resolved or not)."""
    return portfolio_report([(name, *score_entry(history)) for name, history in histories])


def score_entry(history: PosteriorHistory) -> tuple[dict, PathScore | None]:
    """One workspace's entry of `beliefs score --json` (all but its name) and its scores (None when unresolved)."""
    score = score_history(history)
    entry = {"title": history.title}
    if score is None:
        resolution = history.scenario.resolution
        entry |= {"status": "unresolved", "outcome": None, "resolved_on": None, "by": resolution.by.isoformat() if resolution else None,
                  "steps": [], "time_weighted": None, "baselines": None, "skill": None, "rows": [], "why": None}
    else:
        entry |= score.summary() | {"why": history.scenario.resolution.why or None}
        if history.analysts is not None:
            entry["analysts"] = analyst_scores(history, score)
    return entry, score


def portfolio_report(scored: list[tuple[str, dict, PathScore | None]]) -> dict:
    """The JSON object of `beliefs score --json` from each workspace's name, entry and scores."""
    return {"workspaces": [{"workspace": name} | entry for name, entry, _ in scored],
            "portfolio": Portfolio.of([score for _, _, score in scored if score is not None]).summary()}


def analyst_scores(history: PosteriorHistory, pooled: PathScore) -> dict[str, dict]:
    """Each analyst's own path (their rows only) scored on the pooled path's steps and days: the
    `analysts` entry of a resolved workspace in `beliefs score --json`."""
    index = [history.dates.index(d) for d in pooled.dates]
    at_by = history.dataset.get("analyst_probability_at_by")
    out = {}
    for name, spec in history.analysts.items():
        probabilities = history.analyst_probability.sel(analyst=name).values[index]
        if at_by is not None:  # as the pooled path: P(line on `by`) where the step has it
            forecast = at_by.sel(analyst=name).values[index]
            probabilities = np.where(np.isnan(forecast).any(axis=1, keepdims=True), probabilities, forecast)
        brier, log_score = expected_scores(probabilities, pooled.weights)
        weighted = {"brier": pooled.time_weighted(brier), "log_score": pooled.time_weighted(log_score)}
        out[name] = {"label": spec["label"], "weight": spec["weight"], "time_weighted": {k: _round(v) for k, v in weighted.items()},
                     "skill": {base: {k: _round(_skill(weighted[k], values[k])) for k in values} for base, values in pooled.baselines.items()}}
    return out


def _bits(probability: float) -> float:
    return float(-math.log2(probability)) if probability > 0 else math.inf


def _skill(score: float, baseline: float) -> float:
    return 1.0 - score / baseline if baseline else (0.0 if score == 0 else -math.inf)


def _round(value: float) -> float | None:
    """Rounded for JSON; None where a score is infinite (a probability of 0 for the outcome)."""
    return round(float(value), DECIMALS) if math.isfinite(value) else None
