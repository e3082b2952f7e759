"""The exact engine's method for constant latents: each latent's posterior on a grid, computed
with numpy from the `ModelSpec` the PyMC model is built from.

With constant latents (no drift, no volatility) the latents are independent of each other and
of H given the rows, so the model's log-density splits into one term per latent and one for H:

    log p(z_j | rows) = logit_beta_logpdf(z_j) + sum_rows weight * log(w p_yes + (1 - w) p_no) + const,
    P(H | rows) = softmax(log prior + sum_rows weight * log L_H + the states' log evidence).

The grid runs over z = logit(w), where that density is smooth and decays at both ends, so the
trapezoid rule converges fast for moments and Simpson's rule gives the CDF; the grid's range is
found from the density itself on a coarse grid, so heavy tails of Beta priors with alpha or beta
below 1 are covered. Draws for plots are exact inverse-CDF draws from the same grid.

Nothing is compiled: a step costs the arithmetic of its grids. Rows with the same likelihood pair
are summed once (their weights added), and the rows' sum on a grid is kept and updated with the
rows whose weight changed, so a replay adds each row's terms to a grid once, not once per step;
the tests hold these sums to the PyMC model's own log-density.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import cumulative_simpson
from scipy.interpolate import PchipInterpolator
from scipy.special import expit

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

COARSE = np.linspace(-700.0, 700.0, 5601)  # logit range that float64 can still tell from 0 and 1
NEGLIGIBLE = 45.0  # log-density this far below the peak is < 1e-19 of it: outside the grid
BLOCK = 1 << 20  # grid points x likelihood pairs evaluated at once (8 MB of float64)


class GridPosterior:
    """The posterior of each step of a model whose latents do not move, on a grid per latent."""

    def __init__(self, spec: ModelSpec, *, grid_points: int, draws: int, chains: int):
        self.spec = spec
        self.settings = {"grid_points": grid_points, "draws": draws, "chains": chains}
        self._states = StateFilter(spec)
        self._latents = [_ConstantLatent(spec, j, grid_points) for j in range(len(spec.latents))]

    def posterior(self, weights: np.ndarray, step: int, seed: int) -> StepPosterior:
        """The posterior at `step`: P(H) exactly, each latent's grid density, exact draws."""
        joint = self.log_joint(weights, step)
        hypotheses = np.exp(joint - joint.max())
        hypotheses /= hypotheses.sum()  # the softmax as PyTensor writes it: a prior of 0.5 and a likelihood ratio of 4 give 0.8 exactly
        chains, draws = self.settings["chains"], self.settings["draws"]
        rng = np.random.default_rng(step_seed(seed, step))
        J = len(self._latents)
        mean, q05, q95 = np.zeros(J), np.zeros(J), np.zeros(J)
        samples, density_w = np.zeros((chains, draws, J)), np.zeros((J, DENSITY_POINTS.size))
        for j, latent in enumerate(self._latents):
            grid, log_density = latent.on_grid(weights)
            w, density = expit(grid), np.exp(log_density - log_density.max())
            density_w[j] = density_of_w(DENSITY_POINTS, grid, density / np.trapezoid(density, grid))
            cdf = cumulative_simpson(density, x=grid, initial=0.0)
            mean[j] = np.trapezoid(w * density, grid) / np.trapezoid(density, grid)
            quantile = PchipInterpolator(*increasing_cdf(cdf, w))
            q05[j], q95[j] = quantile(QUANTILES)
            samples[:, :, j] = quantile(rng.uniform(size=(chains, draws)))
        chosen = sample_hypotheses(np.broadcast_to(hypotheses, (chains, draws, hypotheses.size)), rng)
        return StepPosterior(hypotheses, samples, mean, q05, q95, chosen, latent_density=density_w)

    def log_joint(self, weights: np.ndarray, step: int) -> np.ndarray:
        """Log P(H) + log p(rows up to `step` | H), per hypothesis: the hypothesis rows and the
        states' forward algorithm (constant propensities do not depend on H)."""
        joint = self.spec.log_prior + self.spec.hypothesis_loglik(weights)
        return joint + self._states.run(weights, step)[0] if self.spec.states else joint

    def latent_log_density(self, j: int, z: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Log-density of logit(w_j) at `z` given the rows' `weights`, up to a constant: the prior
        (Jacobian included) plus each bearing row's weighted log-likelihood, summed afresh."""
        latent = self._latents[j]
        counts = latent.counts(weights)
        return logit_beta_logpdf(z, latent.alpha, latent.beta) + latent.rows_loglik(expit(z), np.flatnonzero(counts > 0), counts)


class _ConstantLatent:
    """One constant latent: its prior, and the rows bearing on it grouped by their likelihood pair."""

    def __init__(self, spec: ModelSpec, j: int, grid_points: int):
        yes, no = spec.table.latent_yes[:, j], spec.table.latent_no[:, j]
        self.rows = np.flatnonzero(~((yes == 1) & (no == 1)))  # the others add log 1 = 0
        pairs, self.pair_of_row = np.unique(np.stack([yes[self.rows], no[self.rows]], axis=1), axis=0, return_inverse=True)
        self.pair_of_row, (self.p_yes, self.p_no) = self.pair_of_row.reshape(-1), pairs.reshape(-1, 2).T
        self.alpha, self.beta = spec.alpha[j], spec.beta[j]
        self.grid_points = grid_points
        self._prior_coarse = logit_beta_logpdf(COARSE, self.alpha, self.beta)
        self._held: dict[str, tuple] = {}  # "coarse" / "fine": (grid's key, distinct w, grid -> w, counts, the rows' sum at w)

    def counts(self, weights: np.ndarray) -> np.ndarray:
        """The summed weight of each likelihood pair's rows (rows of weight 0 count 0)."""
        return np.bincount(self.pair_of_row, weights=np.maximum(weights[self.rows], 0.0), minlength=self.p_yes.size)

    def on_grid(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The grid over logit(w) where the posterior lives, and the log-density on it (up to a constant).

        The grid spans the coarse points whose log-density is within `NEGLIGIBLE` of the peak,
        one coarse point beyond each end.
        """
        counts = self.counts(weights)
        coarse = self._prior_coarse + self._summed("coarse", None, COARSE, counts)
        inside = np.flatnonzero(coarse > coarse.max() - NEGLIGIBLE)
        low, high = max(inside[0] - 1, 0), min(inside[-1] + 1, COARSE.size - 1)
        grid = np.linspace(COARSE[low], COARSE[high], self.grid_points)
        return grid, logit_beta_logpdf(grid, self.alpha, self.beta) + self._summed("fine", (low, high), grid, counts)

    def _summed(self, name: str, key, z: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The rows' weighted log-likelihood on grid `z`: the sum held for the same grid, updated
        with the pairs whose weight changed, or summed afresh (a new grid, or most weights changed).

        It is evaluated once per distinct w = expit(z): past |z| of about 37, w is 0 or 1 to double
        precision, which is half the coarse grid.
        """
        held = self._held.get(name)
        if held is None or held[0] != key:
            w, back = np.unique(expit(z), return_inverse=True)
            held = (key, w, back, None, None)
        _, w, back, used, total = held
        fresh = total is None
        if not fresh:
            changed = np.flatnonzero(counts != used)
            fresh = changed.size > np.count_nonzero(counts) // 2
            if not fresh:
                terms = self.log_likelihood(w, changed)
                fresh = not np.isfinite(terms).all()  # -inf (a likelihood of 0 at an end of the grid) cannot be taken back out
                total = total if fresh else total + terms @ (counts[changed] - used[changed])
        if fresh:
            total = self.rows_loglik(w, np.flatnonzero(counts > 0), counts)  # weight 0 adds 0 (0 x log 0 would be NaN)
        self._held[name] = (key, w, back, counts, total)
        return total[back]

    def rows_loglik(self, w: np.ndarray, pairs: np.ndarray, factors: np.ndarray) -> np.ndarray:
        """Sum over `pairs` of factor x log-likelihood at `w`, in blocks of at most `BLOCK` values."""
        total = np.zeros(w.size)
        for block in np.array_split(pairs, max(1, -(-pairs.size * w.size // BLOCK))):
            if block.size:
                total += self.log_likelihood(w, block) @ factors[block]
        return total

    def log_likelihood(self, w: np.ndarray, pairs: np.ndarray) -> np.ndarray:
        """Log of each pair's likelihood w p_yes + (1 - w) p_no, shape (w, pair)."""
        with np.errstate(divide="ignore"):
            return np.log(row_latent_likelihood(w[:, None], self.p_yes[pairs], self.p_no[pairs]))
