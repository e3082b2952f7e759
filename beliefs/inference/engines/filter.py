"""The exact engine's method for latents that move over time: a forward filter on a grid of
logit(w), evaluating the `ModelSpec` the PyMC model is built from.

Given H, each latent follows its own Gaussian random walk in z = logit(w), and the rows
factorise over latents, so one one-dimensional filter per hypothesis and latent is exact up
to the grid. The filter works in y_t = z_t - drift[H] * (months since the prior date), in
which every hypothesis's walk has no drift: predicting is a convolution with a centred
Gaussian, and updating multiplies by the step's row likelihoods evaluated at
z = y + drift[H] * months. Each filter's normalising constants are the marginal likelihood
of the latent's rows under H, which with the hypothesis rows gives P(H | rows so far); the
latent's posterior is the mixture of the hypotheses' filters weighted by P(H | rows).
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import cumulative_simpson
from scipy.interpolate import PchipInterpolator
from scipy.optimize import brentq
from scipy.special import expit, logsumexp
from scipy.stats import beta as beta_distribution

from beliefs.inference.engines.base import (
    DENSITY_POINTS,
    QUANTILES,
    StepPosterior,
    density_of_w,
    increasing_cdf,
    sample_hypotheses,
    step_seed,
)
from beliefs.inference.engines.states import StateFilter
from beliefs.inference.spec import ModelSpec, logit_beta_logpdf, row_latent_likelihood

TAIL = 1e-13  # prior mass left outside the grid at each end
LOGIT_SPAN = 40.0  # the grid covers at least |logit(w)| <= 40


class ForwardFilter:
    """The posterior of each step of a model with moving latents, filtered forward on grids."""

    def __init__(self, spec: ModelSpec, *, grid_points: int, draws: int, chains: int):
        self.settings = {"grid_points": grid_points, "draws": draws, "chains": chains}
        self.spec = spec
        self.table = spec.table
        self.hypotheses = spec.hypotheses
        self.drift = spec.drift
        self.grids = [self._grid(a, b) for a, b in zip(spec.alpha, spec.beta, strict=True)]
        self._density = None  # (step, hypothesis, latent, grid), filtered as far as `_done`
        self._states = StateFilter(spec)

    def _grid(self, a: float, b: float) -> np.ndarray:
        """A grid fixed by the prior alone, so that adding later steps never changes earlier ones.

        It spans the prior's range and at least logit 1e-17 to 1 - 1e-17 (|z| <= 40), beyond which
        w no longer differs from 0 or 1 in double precision.
        """
        low = _logit(beta_distribution.ppf(TAIL, a, b))
        high = -_logit(beta_distribution.ppf(TAIL, b, a))  # 1 - w ~ Beta(b, a): no rounding to 1
        return np.linspace(min(low - 1.0, -LOGIT_SPAN), max(high + 1.0, LOGIT_SPAN), self.settings["grid_points"])

    def _filter_to(self, weights: np.ndarray, step: int) -> None:
        """Filter every (hypothesis, latent) pair up to `step` with the rows' `weights`.

        The densities of earlier calls are kept and only the steps from the first one whose
        rows now weigh differently are filtered again: when a later row joins a group, the
        earlier rows of the group weigh less from then on, so the filter restarts at the
        group's first step; without groups each step is filtered once (milliseconds).
        """
        n_steps, H, J = len(self.table.months), len(self.hypotheses), len(self.spec.latents)
        if self._density is None:
            self._density = np.zeros((n_steps, H, J, self.settings["grid_points"]))
            self._log_evidence = np.zeros((n_steps, H, J))
            self._used = np.full(self.table.n_rows, np.nan)  # the weight each row was filtered with
            self._done = -1  # the last step whose densities are current
        row_step = self.table.row_step
        changed = (row_step <= min(step, self._done)) & (self._used != weights)
        start = min(int(row_step[changed].min()) if changed.any() else n_steps, self._done + 1)
        for t in range(start, step + 1):
            self._advance(t, weights)
        self._used[row_step <= step] = weights[row_step <= step]
        self._done = step

    def _advance(self, t: int, weights: np.ndarray) -> None:
        """One filter step: predict from step t - 1 (the prior at t = 0), then update with the
        rows of step t, each likelihood raised to the row's weight."""
        for j, volatility in enumerate(self.spec.volatility):
            grid = self.grids[j]
            bears = ~((self.table.latent_yes[:, j] == 1) & (self.table.latent_no[:, j] == 1))
            rows = np.flatnonzero((self.table.row_step == t) & bears & (weights > 0))
            for h in range(len(self.hypotheses)):
                if t == 0:
                    density, log_evidence = np.exp(logit_beta_logpdf(grid, self.spec.alpha[j], self.spec.beta[j])), 0.0
                else:
                    density, log_evidence = self._density[t - 1, h, j], self._log_evidence[t - 1, h, j]
                    if volatility > 0:
                        sd = volatility * np.sqrt(self.table.months[t] - self.table.months[t - 1])
                        density = gaussian_blur(density, sd, grid[1] - grid[0])
                if rows.size:
                    w = expit(grid + self.drift[h, j] * self.table.months[t])
                    likelihood = row_latent_likelihood(w[:, None], self.table.latent_yes[rows, j], self.table.latent_no[rows, j])
                    density = density * np.prod(likelihood ** weights[rows], axis=1)
                mass = np.trapezoid(density, grid)
                self._density[t, h, j] = density / mass
                self._log_evidence[t, h, j] = log_evidence + np.log(mass)

    def posterior(self, weights: np.ndarray, step: int, seed: int) -> StepPosterior:
        """The posterior at `step`: P(H) from the filters' normalising constants, latents as mixtures over H."""
        joint = self.log_joint(weights, step)
        probability = np.exp(joint - logsumexp(joint))
        chains, draws = self.settings["chains"], self.settings["draws"]
        rng = np.random.default_rng(step_seed(seed, step))
        chosen = sample_hypotheses(np.broadcast_to(probability, (chains, draws, probability.size)), rng)
        J = len(self.spec.latents)
        mean, q05, q95, samples = np.zeros(J), np.zeros(J), np.zeros(J), np.zeros((chains, draws, J))
        density_w = np.zeros((J, DENSITY_POINTS.size))
        for j in range(J):
            components = [self._component(step, h, j) for h in range(len(self.hypotheses))]
            density_w[j] = sum(p * density_of_w(DENSITY_POINTS, c.z, c.density) for p, c in zip(probability, components, strict=True))
            mean[j] = sum(p * c.mean for p, c in zip(probability, components, strict=True))
            q05[j], q95[j] = (_mixture_quantile(probability, components, q) for q in QUANTILES)
            uniform = rng.uniform(size=(chains, draws))
            for h, component in enumerate(components):
                picked = chosen == h
                samples[picked, j] = component.quantile(uniform[picked])
        return StepPosterior(probability, samples, mean, q05, q95, chosen, latent_density=density_w)

    def log_joint(self, weights: np.ndarray, step: int) -> np.ndarray:
        """Log P(H) + log p(rows so far | H), per hypothesis: the filter's normalising constants
        with the hypothesis rows. Its logsumexp is the log marginal likelihood of the rows."""
        joint = self.spec.log_prior + self.spec.hypothesis_loglik(weights) + self.latent_log_evidence(weights, step)
        return joint + self._states.run(weights, step)[0] if self.spec.states else joint

    def latent_log_evidence(self, weights: np.ndarray, step: int) -> np.ndarray:
        """Log p(propensity rows up to `step` | H), per hypothesis, summed over the latents."""
        self._filter_to(weights, step)
        return self._log_evidence[step].sum(axis=1)

    def _component(self, step: int, h: int, j: int) -> _Component:
        z = self.grids[j] + self.drift[h, j] * self.table.months[step]
        return _Component(z, self._density[step, h, j])


class _Component:
    """One hypothesis's filtered density of a latent, as a distribution over w = expit(z)."""

    def __init__(self, z: np.ndarray, density: np.ndarray):
        self.z, self.density = z, density  # density of z, normalised on the filter's grid
        w = expit(z)
        self.mean = np.trapezoid(w * density, z) / np.trapezoid(density, z)
        cdf = cumulative_simpson(density, x=z, initial=0.0)
        cdf, z = increasing_cdf(cdf, z)
        self.cdf_of_z = PchipInterpolator(z, cdf, extrapolate=False)
        self.z_of_cdf = PchipInterpolator(cdf, z)
        self.z_range = (z[0], z[-1])

    def cdf(self, z: float) -> float:
        low, high = self.z_range
        return 0.0 if z <= low else 1.0 if z >= high else float(self.cdf_of_z(z))

    def quantile(self, q) -> np.ndarray:
        return expit(self.z_of_cdf(q))


def _mixture_quantile(weights, components: list[_Component], q: float) -> float:
    """The q-quantile of w under the mixture: solve sum_h P(h) CDF_h(z) = q for z."""
    live = [(p, c) for p, c in zip(weights, components, strict=True) if p > 0]
    low = min(c.z_range[0] for _, c in live)
    high = max(c.z_range[1] for _, c in live)
    z = brentq(lambda x: sum(p * c.cdf(x) for p, c in live) - q, low, high, xtol=1e-12)
    return float(expit(z))


def _logit(w: float) -> float:
    w = max(float(w), 1e-300)
    return float(np.log(w) - np.log1p(-w))


def gaussian_blur(density: np.ndarray, sd: float, spacing: float) -> np.ndarray:
    """Convolve a density on a uniform grid with Normal(0, sd^2): one random-walk step.

    Done in Fourier space with the Gaussian's exact transform, so a step far smaller than the
    grid spacing (a day at low volatility) still adds exactly its variance; zero padding
    keeps mass from wrapping around the ends.
    """
    n = density.shape[-1]  # the last axis: a batch of densities (hypotheses, draws) blurs at once
    frequencies = np.fft.rfftfreq(2 * n, d=spacing) * 2 * np.pi
    blurred = np.fft.irfft(np.fft.rfft(density, 2 * n) * np.exp(-0.5 * (sd * frequencies) ** 2), 2 * n)[..., :n]
    return np.maximum(blurred, 0.0, out=blurred)
