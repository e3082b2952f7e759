"""Learning a likelihood exponent alpha from resolved questions (`beliefs calibrate`).

alpha multiplies every row's log-likelihood (after reliability and the group's design effect;
`beliefs.inference.tempering`), one alpha for all rows, one per kind of evidence ("" for
unclassified rows), or one per analyst (each analyst's own path, on the rows they judged). It is chosen to minimise the sum over the questions of each path's
time-weighted log score in bits (`beliefs.results.scoring`): alpha < 1 says the analyst's
likelihoods were too strong, alpha > 1 too timid. Each question's answers are re-scored for a
new alpha by arithmetic (or the exact forward algorithms, batched), not recomputed from files;
a propensity with a drift is filtered for each alpha, so those questions go to worker processes.

One alpha is found on a grid of step 0.02 over [0, 4], refined by the parabola through the best
point and its neighbours; alphas by kind start there and are refined jointly (Powell's method,
kept only where they score no worse). How firmly a few questions pin alpha down is a bootstrap
over questions: the fit repeated on resamples of the questions, and the 5% and 95% quantiles of
the alphas found; `leave_one_out` scores each question with alpha fitted on the others.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

from beliefs.inference.analysts import own_workspace
from beliefs.inference.tempering import TemperedAnswers
from beliefs.inputs.kinds import KINDS
from beliefs.inputs.pooling import AUTHOR
from beliefs.inputs.workspace import Workspace
from beliefs.results.scoring import scored_steps

ALPHA_MAX = 4.0
GRID = np.linspace(0.0, ALPHA_MAX, 201)  # step 0.02
REPLICATES = 200
LEVEL = 0.9
BY = ("all", "kind", "analyst")
DECIMALS = 6


@dataclass(frozen=True)
class Question:
    """One resolved question: its tempered answers at the scored steps, the days each was held,
    and the outcome's probabilities over the hypotheses."""

    name: str
    title: str
    answers: TemperedAnswers
    days: np.ndarray
    outcome: np.ndarray
    rows: int

    def log_scores(self, alphas: np.ndarray) -> np.ndarray:
        """The time-weighted log score (bits) for each row of `alphas` (batch x class)."""
        probabilities = self.answers.answers(alphas)  # (batch, step, hypothesis)
        happened = self.outcome > 0  # as in `scoring.expected_scores`: an outcome that cannot have happened adds nothing
        with np.errstate(divide="ignore"):
            bits = -(np.log2(probabilities[..., happened]) * self.outcome[happened]).sum(axis=-1)
        return bits @ self.days / self.days.sum()

    def log_score(self, alpha: np.ndarray) -> float:
        """The time-weighted log score (bits) with one alpha per class."""
        return float(self.log_scores(np.asarray(alpha, dtype=float)[None])[0])


def classes_of(workspaces: list[Workspace], by: str) -> list[str]:
    """The classes alpha is fitted for: ["all"], the analysts (the author first), or the kinds the
    rows use ("" last: unclassified)."""
    if by == "all":
        return ["all"]
    if by == "analyst":
        return list(dict.fromkeys(name for ws in workspaces for name in analysts_of(ws)))
    used = {row.kind for ws in workspaces for row in ws.rows}
    return [kind for kind in (*KINDS, "") if kind in used]


def analysts_of(workspace: Workspace) -> tuple[str, ...]:
    """The workspace's analysts, the author first (the author alone without `judgments/`)."""
    return workspace.panel.names if workspace.panel is not None else (AUTHOR,)


def by_analyst(named: list[tuple[str, Workspace]]) -> list[tuple[str, Workspace, str]]:
    """Each resolved question with analysts once per analyst: the path on that analyst's own rows
    and judgments (`own_workspace`), named "workspace (analyst)"; a workspace without analysts
    once, as the author's (an unresolved one is skipped later)."""
    out = []
    for name, workspace in named:
        if not workspace.scenario.resolved or workspace.panel is None:
            out.append((name, workspace, AUTHOR))
            continue
        out += [(f"{name} ({analyst})", own_workspace(workspace, analyst), analyst) for analyst in workspace.panel.names]
    return out


def question_of(name: str, workspace: Workspace, classes: list[str], analyst: str = AUTHOR) -> Question | None:
    """`workspace` as a question to calibrate on, or None while it is unresolved; with classes by
    analyst, every row is `analyst`'s."""
    scenario = workspace.scenario
    if not scenario.resolved:
        return None
    resolution = scenario.resolution
    scored, days = scored_steps([step.date for step in workspace.steps], resolution.judged_on)
    if analyst in classes:
        index = [classes.index(analyst)] * len(workspace.rows)
    else:
        index = [0 if classes == ["all"] else classes.index(row.kind) for row in workspace.rows]
    outcome = np.array([resolution.weights.get(h, 0.0) for h in scenario.hypothesis_names])
    return Question(name, scenario.title, TemperedAnswers(workspace, index, scored, n_classes=len(classes)), days, outcome, len(workspace.rows))


def calibrate(named: list[tuple[str, Workspace]], by: str = "all", seed: int = 0, replicates: int = REPLICATES,
              on_progress: Callable[[int, int], None] | None = None, workers: int | None = None) -> dict:
    """The JSON object of `beliefs calibrate --json` for named workspaces.

    Parameters
    ----------
    named : list of (str, Workspace)
        The workspaces, by the name to show; unresolved ones are listed in `skipped`.
    by : {"all", "kind", "analyst"}
        One alpha, one per kind of evidence, or one per analyst (each analyst's own path on each
        question, `judgments/`; the author's alone where a workspace has no further analysts).
    seed, replicates
        The bootstrap's seed and its number of resamples.
    on_progress : callable, optional
        `on_progress(done, total)` after each question's log score is computed on the grid of
        alphas, the costly part (seconds a question when a propensity has a drift).
    workers : int, optional
        Processes that score the questions with a drifting propensity (default: one per CPU this
        process may use); the answer is the same to the last bit with any number.

    Raises
    ------
    ValueError
        When none of the workspaces has resolved.
    """
    classes = classes_of([ws for _, ws in named if ws.scenario.resolved], by)
    questions, sources, skipped = [], [], []
    expanded = by_analyst(named) if by == "analyst" else [(name, workspace, AUTHOR) for name, workspace in named]
    for name, workspace, analyst in expanded:
        source = (name, workspace, classes, analyst if by == "analyst" else None)
        question = question_of(*source)
        if question is None:
            skipped.append(name)
        else:
            questions.append(question)
            sources.append(source)
    if not questions:
        raise ValueError("none of the workspaces given has resolved; calibrate needs questions with [resolution] outcome set")
    curves = _grid_curves(questions, sources, on_progress, workers)  # (question, grid)
    single = _grid_minimum(curves.sum(axis=0))
    pool = _Pool(questions)
    every = np.ones(len(questions))
    alpha = np.full(len(classes), single) if by == "all" else _fit_classes(pool, every, np.full(len(classes), single))
    ones = np.ones(len(classes))
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(questions), size=(replicates, len(questions)))
    resampled = np.array([_fit(pool, curves, np.bincount(pick, minlength=len(questions)), by, len(classes)) for pick in picks])
    low, high = np.quantile(resampled, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], axis=0)
    held_out = []
    for i, question in enumerate(questions):
        others = [j for j in range(len(questions)) if j != i]
        if others:
            fitted = _fit(pool, curves, np.bincount(others, minlength=len(questions)), by, len(classes))
            held_out.append({"workspace": question.name, "alpha": _shown(fitted, classes, by), "log_score": _round(question.log_score(fitted))})
    return {
        "by": by,
        "alpha": _shown(alpha, classes, by),
        "interval": {"method": "bootstrap over questions", "level": LEVEL, "replicates": replicates, "seed": seed,
                     "low": _shown(low, classes, by), "high": _shown(high, classes, by)},
        "log_score": _round(sum(q.log_score(alpha) for q in questions)),
        "log_score_at_1": _round(sum(q.log_score(ones) for q in questions)),
        "leave_one_out": {"log_score": _round(sum(e["log_score"] for e in held_out)) if held_out else None, "questions": held_out},
        "questions": [{"workspace": q.name, "title": q.title, "rows": q.rows, "steps": len(q.days),
                       "log_score": _round(q.log_score(alpha)), "log_score_at_1": _round(q.log_score(ones))} for q in questions],
        "skipped": skipped,
        "curve": {"alpha": [_round(g) for g in GRID], "log_score": [_round(v) for v in curves.sum(axis=0)]},
        "bounds": [0.0, ALPHA_MAX],
    }


def _grid_curves(questions: list[Question], sources: list[tuple], on_progress, workers: int | None) -> np.ndarray:
    """Each question's log score at every alpha of GRID, shape (question, grid). A drifting
    propensity is filtered afresh for every alpha (seconds a question), so those questions are
    spread over processes, each rebuilding its question from the workspace (a filter does not
    pickle); the others are arithmetic and stay here."""
    curves = np.zeros((len(questions), len(GRID)))
    costly = [i for i, question in enumerate(questions) if question.answers.spec.coupled]
    workers = min(workers or _usable_cpus(), len(costly))
    done = 0

    def finished(i: int, curve: np.ndarray) -> None:
        nonlocal done
        curves[i] = curve
        done += 1
        if on_progress:
            on_progress(done, len(questions))

    with ExitStack() as stack:
        pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=_start_method())) if workers > 1 else None
        futures = {pool.submit(_source_curve, sources[i]): i for i in costly} if pool else {}
        elsewhere = set(futures.values())
        for i, question in enumerate(questions):
            if i not in elsewhere:
                finished(i, _curve(question))
        for future in as_completed(futures):
            finished(futures[future], future.result())
    return curves


def _usable_cpus() -> int:
    """The CPUs this process may run on (all of them where the system cannot say)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _start_method():
    """The start method of the workers: forkserver where the system has it (quick, and safe beside
    threads), spawn elsewhere."""
    return multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")


def _curve(question: Question) -> np.ndarray:
    """The question's log score at every alpha of GRID (the same alpha for every class)."""
    n_classes = question.answers.n_classes
    return question.log_scores(np.repeat(GRID[:, None], n_classes, axis=1))


def _source_curve(source: tuple) -> np.ndarray:
    """`_curve` in a worker process, of the question `question_of(*source)` builds."""
    return _curve(question_of(*source))


def _fit(pool: _Pool, curves: np.ndarray, counts: np.ndarray, by: str, n_classes: int) -> np.ndarray:
    """Alpha fitted on the questions counted `counts` times each (a resample, or all but one)."""
    single = _grid_minimum(counts @ curves)
    if by == "all":
        return np.full(n_classes, single)
    return _fit_classes(pool, counts, np.full(n_classes, single))


def _grid_minimum(values: np.ndarray) -> float:
    """The alpha minimising `values` on GRID, refined by the parabola through the best point and its neighbours."""
    values = np.where(np.isfinite(values), values, np.inf)
    i = int(np.argmin(values))
    if 0 < i < len(GRID) - 1 and np.all(np.isfinite(values[i - 1:i + 2])):
        left, middle, right = values[i - 1:i + 2]
        curvature = left - 2 * middle + right
        if curvature > 0:
            step = GRID[1] - GRID[0]
            return float(np.clip(GRID[i] + step * (left - right) / (2 * curvature), GRID[i - 1], GRID[i + 1]))
    return float(GRID[i])


def _fit_classes(pool: _Pool, counts: np.ndarray, start: np.ndarray) -> np.ndarray:
    """One alpha per class, refined jointly from `start` (one alpha for all); kept only if no worse.
    `counts` says how many times each question counts (a bootstrap resample repeats some). With
    every question stacked and every likelihood positive the score's gradient is exact (truncated Newton);
    otherwise Powell's method, which needs none."""
    def total(alpha: np.ndarray) -> float:
        value = pool.total(alpha, counts)
        return value if np.isfinite(value) else 1e12

    bounds = [(0.0, ALPHA_MAX)] * len(start)
    if pool.smooth:
        result = minimize(lambda a: pool.total(a, counts, gradient=True), start, jac=True, method="TNC", bounds=bounds,
                          options={"ftol": 1e-12, "gtol": 1e-8, "xtol": 1e-6})
    else:
        result = minimize(total, start, method="Powell", bounds=bounds, options={"xtol": 1e-3, "ftol": 1e-10})
    return np.asarray(result.x, dtype=float) if result.fun <= total(start) else start


class _Pool:
    """Every question's scored steps side by side, so that the summed score of one alpha is a few
    array operations: questions without states, switching or coupled latents are stacked (their
    hypotheses padded with impossible ones); the others are scored one by one."""

    def __init__(self, questions: list[Question]):
        self.questions = questions
        stacked = [i for i, q in enumerate(questions) if q.answers.linear]
        self.others = [i for i, q in enumerate(questions) if not q.answers.linear]
        width = max((len(questions[i].outcome) for i in stacked), default=0)
        prior, contributions, outcome, weight, owner = [], [], [], [], []
        for i in stacked:
            q = questions[i]
            pad = width - len(q.outcome)
            prior.append(np.repeat(np.pad(q.answers.spec.log_prior, (0, pad), constant_values=-np.inf)[None], len(q.days), axis=0))
            contributions.append(np.pad(q.answers._by_class, ((0, 0), (0, 0), (0, pad))))
            outcome.append(np.repeat(np.pad(q.outcome, (0, pad))[None], len(q.days), axis=0))
            weight.append(q.days / q.days.sum())
            owner.append(np.full(len(q.days), i))
        join = (lambda parts, shape: np.concatenate(parts)) if stacked else (lambda parts, shape: np.zeros(shape))
        self.prior = join(prior, (0, 0))
        self.contributions = join(contributions, (0, 0, 0))
        self.outcome = join(outcome, (0, 0))
        self.weight = join(weight, (0,))
        self.owner = join(owner, (0,)).astype(int)
        self.smooth = not self.others and bool(np.all(np.isfinite(self.contributions)))


    def total(self, alpha: np.ndarray, counts: np.ndarray, gradient: bool = False):
        """The summed time-weighted log score (bits), each question counted `counts[i]` times (and,
        when `gradient` and the pool is `smooth`, its gradient in alpha)."""
        value = sum(counts[i] * self.questions[i].log_score(alpha) for i in self.others if counts[i])
        slope = np.zeros(len(alpha))
        if self.owner.size:
            weight = counts[self.owner] * self.weight
            with np.errstate(invalid="ignore", divide="ignore"):
                logits = self.prior + np.where(alpha[None, :, None] > 0, alpha[None, :, None] * self.contributions, 0.0).sum(axis=1)
                log_p = logits - logsumexp(logits, axis=1, keepdims=True)
                bits = -np.where(self.outcome > 0, self.outcome * log_p, 0.0).sum(axis=1) / np.log(2)
            value += float(np.sum(weight * bits))
            if gradient:  # d bits / d alpha_c = (E_p[K_c] - E_q[K_c]) / ln 2, with K_c the class's log-likelihoods
                expected = np.einsum("sh,sch->sc", np.exp(log_p), self.contributions) - np.einsum("sh,sch->sc", self.outcome, self.contributions)
                slope = weight @ expected / np.log(2)
        return (float(value), slope) if gradient else float(value)


def _shown(alpha: np.ndarray, classes: list[str], by: str):
    """Alpha as JSON: a number, or a table by kind or by analyst."""
    return _round(alpha[0]) if by == "all" else {kind: _round(a) for kind, a in zip(classes, alpha, strict=True)}


def _round(value: float) -> float | None:
    value = float(value)
    return round(value, DECIMALS) if np.isfinite(value) else None
