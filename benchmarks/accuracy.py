"""Accuracy against the exact answer.

Where every latent is constant, the exact answer is the independent closed form of
tests/closed_form.py (which knows nothing of the package's model, engines or likelihood
code). Where a latent moves over time (volatility or drift in scenario.toml) there is no
closed form: the exact answer is then the exact engine (a forward filter on a grid), which
the tests check against brute-force path integration; here it is also checked against that
brute force (tests/brute_force.py) on the first steps, where brute force is feasible.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"  # where closed_form.py and brute_force.py are read from (run.py may point it at a snapshot)
BRUTE_FORCE_STEPS = 2  # brute force integrates the whole path on a grid of POINTS^steps points
BRUTE_FORCE_GRID = {"points": 641, "low": -16.0, "high": 10.0}  # finer or wider changes steps 0-1 of the default workspace by < 1e-8


@dataclass(frozen=True)
class Posteriors:
    """Hypothesis probabilities (step x hypothesis) and latent means (step x latent)."""

    hypothesis_probability: np.ndarray
    latent_mean: np.ndarray

    def take(self, steps: list[int]) -> Posteriors:
        return Posteriors(self.hypothesis_probability[steps], self.latent_mean[steps])


@dataclass(frozen=True)
class Errors:
    """Largest absolute error over the compared steps."""

    hypothesis: float
    latent_mean: float
    steps: int


@dataclass(frozen=True)
class Reference:
    """The exact answer at every step, what it is, and an independent check for the exact engine."""

    posteriors: Posteriors
    kind: str  # "closed form" or "exact engine"
    independent: Posteriors | None = None  # brute force at the first steps (moving latents only)

    @property
    def n_steps(self) -> int:
        return len(self.posteriors.hypothesis_probability)


@contextmanager
def _tests_on_path():
    sys.path.insert(0, str(TESTS))
    try:
        yield
    finally:
        sys.path.remove(str(TESTS))


def time_varying(root: Path) -> bool:
    import beliefs

    return beliefs.load_workspace(root).scenario.time_varying


def reference(root: Path, steps: list[int] | None = None) -> Reference:
    """The exact posterior of the workspace at `root` at `steps` (default: every step)."""
    if time_varying(root):
        full = exact_engine(root)
        steps = list(range(full.hypothesis_probability.shape[0])) if steps is None else steps
        check = brute_force(root, list(range(min(BRUTE_FORCE_STEPS, len(steps))))) if steps and steps[0] == 0 else None
        return Reference(full.take(steps), "exact engine", check)
    return Reference(closed_form(root, steps), "closed form")


def closed_form(root: Path, steps: list[int] | None = None) -> Posteriors:
    """tests/closed_form.py at `steps`: constant latents only."""
    import beliefs

    with _tests_on_path():
        from closed_form import hypothesis_posterior, latent_posterior
    workspace = beliefs.load_workspace(root)
    steps = list(range(len(workspace.steps))) if steps is None else steps
    names = workspace.scenario.latent_names
    hypotheses = np.array([hypothesis_posterior(workspace, t) for t in steps])
    latents = np.array([[latent_posterior(workspace, t, name)["mean"] for name in names] for t in steps]).reshape(len(steps), len(names))
    return Posteriors(hypotheses, latents)


def brute_force(root: Path, steps: list[int]) -> Posteriors | None:
    """tests/brute_force.py at `steps` (one latent only: its P(H) accounts for that latent's rows)."""
    import beliefs

    workspace = beliefs.load_workspace(root)
    names = workspace.scenario.latent_names
    if len(names) != 1:
        return None
    with _tests_on_path():
        from brute_force import filtering_posterior
    results = [filtering_posterior(workspace, t, names[0], **BRUTE_FORCE_GRID) for t in steps]
    return Posteriors(np.array([p for p, _ in results]), np.array([[latent["mean"]] for _, latent in results]))


def exact_engine(root: Path) -> Posteriors:
    """The exact engine's whole history, computed in this process from scratch (no cache)."""
    import beliefs

    history = beliefs.compute_history(beliefs.load_workspace(root), engine="exact")
    return _posteriors(history)


def cached_history(root: Path, engine: str) -> Posteriors:
    """The posterior history that `beliefs update --engine <engine>` left in the workspace's cache."""
    from beliefs.inference.cache import cache_paths
    from beliefs.results.history import PosteriorHistory

    return _posteriors(PosteriorHistory.from_netcdf(cache_paths(root, engine)[0]))


def _posteriors(history) -> Posteriors:
    dataset = history.dataset
    return Posteriors(dataset["hypothesis_probability"].transpose("step", "hypothesis").values,
                      dataset["latent_mean"].transpose("step", "latent").values)


def from_naive(results: list[dict]) -> Posteriors:
    return Posteriors(np.array([r["hypothesis_probability"] for r in results]),
                      np.array([r["latent_mean"] for r in results]).reshape(len(results), -1))


def errors(actual: Posteriors, reference: Posteriors) -> Errors:
    """Largest absolute differences over the leading steps both cover."""
    count = min(len(actual.hypothesis_probability), len(reference.hypothesis_probability))
    a, r = actual.take(list(range(count))), reference.take(list(range(count)))
    hypothesis = float(np.max(np.abs(a.hypothesis_probability - r.hypothesis_probability))) if count else float("nan")
    latent = float(np.max(np.abs(a.latent_mean - r.latent_mean))) if count and a.latent_mean.size else float("nan")
    return Errors(hypothesis, latent, count)
