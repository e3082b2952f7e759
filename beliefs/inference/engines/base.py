"""The engine contract: what every engine is, says about itself and returns.

An engine turns the model, conditioned on the rows of one step, into that step's posterior.
Every engine returns the same `StepPosterior`, so the history, the plots and the report never
need to know which engine ran; what differs between engines (settings, cache key,
diagnostics, how the numbers were computed and how the report words it) is stated by the
engine itself, so a new engine touches only its own file and the registry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from beliefs.inference.spec import ModelSpec
    from beliefs.inputs.scenario import Scenario
    from beliefs.inputs.workspace import Workspace

QUANTILES = (0.05, 0.95)
# Where exact engines report each propensity's density: midpoints of 500 equal bins of (0, 1),
# so a density that is infinite at 0 or 1 (a Beta with alpha or beta below 1) stays finite.
DENSITY_POINTS = (np.arange(500) + 0.5) / 500


@dataclass(frozen=True)
class StepPosterior:
    """The posterior after one step: P(H | rows), latent draws and their summaries.

    `draw_hypothesis` is a draw of H paired with each latent draw (from P(H | rows, draw)),
    so the joint posterior of H and the latents can be followed forward in time.
    """

    hypothesis_probability: np.ndarray  # (hypothesis,)
    latent_draws: np.ndarray  # (chain, draw, latent)
    latent_mean: np.ndarray  # (latent,)
    latent_q05: np.ndarray  # (latent,)
    latent_q95: np.ndarray  # (latent,)
    draw_hypothesis: np.ndarray  # (chain, draw) index into the hypotheses
    diagnostics: dict[str, np.ndarray] = field(default_factory=dict)  # a sampler's convergence checks of the step
    sample_stats: dict[str, np.ndarray] = field(default_factory=dict)  # a sampler's statistics of each draw, (chain, draw), ArviZ's names
    state_probability: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (state,) P(it holds)
    state_draws: np.ndarray | None = None  # (chain, draw, state) 0 or 1, paired with draw_hypothesis
    state_given_hypothesis: np.ndarray | None = None  # (hypothesis, state) P(it holds | H, rows): exact forecasts
    latent_density: np.ndarray | None = None  # (latent, DENSITY_POINTS) exact density of w; None from a sampler
    hypothesis_at_by: np.ndarray | None = None  # (hypothesis,) P(line on `by` | rows) with switching lines, `by` later
    joint_probability: np.ndarray | None = None  # (joint,) P(line and states | rows) with switching lines


class Engine(ABC):
    """One way of computing the posterior of every step of a `ModelSpec`.

    Subclasses set `name` (as the command line and the history name them) and
    `has_diagnostics` (whether their results carry convergence diagnostics), and say which
    settings determine their numbers and what besides those the cache key must hold.
    Module-level imports stay light: heavy libraries are imported when an engine is built,
    so that a run with nothing to compute never loads them.
    """

    name: ClassVar[str]
    has_diagnostics: bool = False  # an instance may say False: a sampler with nothing to sample has no chains

    def __init__(self, spec: ModelSpec, settings: dict):
        self.spec = spec
        self.settings = dict(settings)

    @classmethod
    @abstractmethod
    def settings_for(cls, *, draws: int, tune: int, chains: int) -> dict:
        """The settings that, with the seed, fully determine this engine's numbers."""

    @classmethod
    def cache_key(cls, workspace: Workspace, settings: dict) -> dict:
        """What besides the settings, seed and files a cached step of this engine depends on."""
        return {}

    @property
    @abstractmethod
    def method(self) -> str:
        """How the numbers are computed (`grid`, `filter`, `nuts`, `closed form`, ...): `describe` words it."""

    @classmethod
    @abstractmethod
    def describe(cls, method: str, settings: dict, scenario: Scenario) -> str:
        """How this engine computed the numbers by `method` with `settings`, in plain words: the
        report's paragraph on the engine (the history keeps it as `method_text`)."""

    @classmethod
    def hypotheses_exact(cls, method: str, scenario: Scenario) -> bool:
        """Whether P(H | rows) carries no sampling error; an engine that samples says when it does."""
        return True

    @staticmethod
    def closed_form_text(name: str) -> str:
        """The paragraph of any engine with no continuous unknown to compute (`closed form`)."""
        return (f"The numbers were computed exactly by the {name} engine: with no continuous unknown, Bayes' rule gives the hypotheses' "
                "probabilities in closed form from the PyMC model, and nothing needs sampling.")

    @abstractmethod
    def posterior(self, weights: np.ndarray, step: int, seed: int) -> StepPosterior:
        """The posterior at `step`, each row's log-likelihood multiplied by its weight.

        Parameters
        ----------
        weights : ndarray, shape (row,)
            `LikelihoodTable.weights_at(step)`: 0 for rows after the step, a group's design
            effect for grouped rows, 1 otherwise.
        step : int
            The step's index (0 is the prior); moving latents are read at its date.
        seed : int
            The run's seed; each step derives its own with `step_seed`.
        """


def summarise_draws(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 5% / 95% quantiles of each latent from (chain, draw, latent) draws."""
    flat = draws.reshape(-1, draws.shape[-1])
    if flat.shape[0] == 0 or flat.shape[1] == 0:
        empty = np.zeros(draws.shape[-1])
        return empty, empty, empty
    q05, q95 = np.quantile(flat, QUANTILES, axis=0)
    return flat.mean(axis=0), q05, q95


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles) -> np.ndarray:
    """Quantiles of a discrete distribution (values with weights), interpolated at midpoints."""
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return np.interp(quantiles, cumulative, values)


def sample_hypotheses(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One hypothesis index per row of `probabilities` (..., hypothesis), drawn from that row."""
    cumulative = np.cumsum(probabilities, axis=-1)
    cumulative /= cumulative[..., -1:]
    uniform = rng.uniform(size=(*probabilities.shape[:-1], 1))
    return np.minimum((uniform > cumulative).sum(axis=-1), probabilities.shape[-1] - 1)


def step_seed(seed: int, step: int) -> int:
    """An independent, reproducible seed for each step from the run's seed."""
    return int(np.random.SeedSequence([seed, step]).generate_state(1)[0])


def density_of_w(w: np.ndarray, z: np.ndarray, density_of_z: np.ndarray) -> np.ndarray:
    """The density of w = expit(z) at `w`, from a density of z tabulated on the increasing grid
    `z` (zero outside it): p(w) = p(logit w) / (w (1 - w))."""
    return np.interp(np.log(w) - np.log1p(-w), z, density_of_z, left=0.0, right=0.0) / (w * (1.0 - w))


def increasing_cdf(cdf: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A normalised CDF and its values, keeping only points where the CDF rises by more than the
    float resolution, so that it can be inverted (flat or underflowing stretches would make an
    interpolant divide by ~0) without losing anything a probability can resolve."""
    cdf = np.maximum.accumulate(np.clip(cdf / cdf[-1], 0.0, 1.0))
    keep = np.concatenate([[True], np.diff(cdf) > np.finfo(float).eps])
    return cdf[keep], values[keep]
