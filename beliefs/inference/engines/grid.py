"""The exact engine's method for constant latents: each latent's posterior on a grid, from the
PyMC model's own compiled log-density.

With constant latents (no drift, no volatility) the latents are independent of each other and of H given the rows, so each
latent's posterior is one-dimensional. The grid runs over logit(w), where the model's
log-density (Jacobian weights) is smooth and decays at both ends, so the trapezoid rule
converges fast for moments and Simpson's rule gives the CDF; the grid's range is found from the density itself, so heavy tails of
Beta priors with alpha or beta below 1 are covered. Draws for plots are exact inverse-CDF
draws from the same grid.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from pytensor.graph.replace import vectorize_graph
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
from beliefs.inference.model import HYPOTHESIS_PROBABILITY, LATENT_VALUE, ROW_WEIGHT, build_model
from beliefs.inference.spec import ModelSpec

COARSE = np.linspace(-700.0, 700.0, 5601)  # logit range that float64 can still tell from 0 and 1
NEGLIGIBLE = 45.0  # log-density this far below the peak is < 1e-19 of it: outside the grid


class GridPosterior:
    """The posterior of each step of a model whose latents do not move, on a grid per latent."""

    def __init__(self, spec: ModelSpec, *, grid_points: int, draws: int, chains: int):
        self.model: pm.Model = build_model(spec)
        self.settings = {"grid_points": grid_points, "draws": draws, "chains": chains}
        self._n_latents = len(spec.latents)
        self._function = self._compile()

    def _compile(self):
        """P(H | rows) and the model's log-density at a batch of points in logit space, as one
        function compiled once (one graph rewrite instead of two)."""
        batch = pt.matrix("logit_w_batch")
        outputs = [self.model[HYPOTHESIS_PROBABILITY]]
        if self._n_latents:
            value = self.model.rvs_to_values[self.model[LATENT_VALUE]]
            outputs.append(vectorize_graph(self.model.logp(jacobian=True), {value: batch}))
        return pytensor.function([batch], outputs, on_unused_input="ignore")

    def posterior(self, weights: np.ndarray, step: int, seed: int) -> StepPosterior:
        """The posterior at `step`: P(H) from the model, each latent's grid density, exact draws."""
        self.model[ROW_WEIGHT].set_value(weights)  # same shape every step: no need for pm.set_data's checks
        hypotheses = np.asarray(self._function(np.zeros((0, max(self._n_latents, 1))))[0])
        chains, draws = self.settings["chains"], self.settings["draws"]
        rng = np.random.default_rng(step_seed(seed, step))
        J = self._n_latents
        mean, q05, q95 = np.zeros(J), np.zeros(J), np.zeros(J)
        samples, density_w = np.zeros((chains, draws, J)), np.zeros((J, DENSITY_POINTS.size))
        for j in range(J):
            grid = self._grid(j)
            w, density = expit(grid), np.exp(self._log_density(j, grid))
            density_w[j] = density_of_w(DENSITY_POINTS, grid, density / np.trapezoid(density, grid))
            cdf = cumulative_simpson(density, x=grid, initial=0.0)
            mean[j] = np.trapezoid(w * density, grid) / np.trapezoid(density, grid)
            quantile = PchipInterpolator(*increasing_cdf(cdf, w))
            q05[j], q95[j] = quantile(QUANTILES)
            samples[:, :, j] = quantile(rng.uniform(size=(chains, draws)))
        chosen = sample_hypotheses(np.broadcast_to(hypotheses, (chains, draws, hypotheses.size)), rng)
        return StepPosterior(hypotheses, samples, mean, q05, q95, chosen, latent_density=density_w)

    def _log_density(self, j: int, grid: np.ndarray) -> np.ndarray:
        """Log-density of logit(w_j) along `grid`, the other latents held fixed (independent)."""
        points = np.zeros((grid.size, self._n_latents))
        points[:, j] = grid
        logp = self._function(points)[1]
        return logp - logp.max()

    def _grid(self, j: int) -> np.ndarray:
        coarse = self._log_density(j, COARSE)
        inside = np.flatnonzero(coarse > -NEGLIGIBLE)
        low, high = COARSE[max(inside[0] - 1, 0)], COARSE[min(inside[-1] + 1, COARSE.size - 1)]
        return np.linspace(low, high, self.settings["grid_points"])

