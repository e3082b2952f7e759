"""The final P(H) without some rows, from one forward and one backward pass instead of a
refiltered history per row left out.

Leaving rows out changes only the weights of the steps they, and their group's other members,
sit on: steps a..b. For a propensity whose drift depends on H (the grid filter of
`engines.filter`), the rows' marginal likelihood is the filtered density at step a - 1 carried
forward through a..b with the new weights, integrated against the backward message at b:
beta_t(y) = blur(L_{t+1}(y) beta_{t+1}(y)), beta_T = the trapezoid weights. The blur is a
convolution with a symmetric kernel, so the backward pass is the forward pass's transpose
and the product is exactly the evidence the full refiltering would give. The hypothesis rows
and the states' forward algorithm are plain arithmetic on the new weights. A step emptied by
the removal stays as a step without rows: the evidence is the same (a random walk's steps
compose), and only a switching line, whose answer depends on the last step's date, refilters
from files then.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logsumexp

from beliefs.inference.engines.filter import ForwardFilter, gaussian_blur
from beliefs.inference.engines.states import StateFilter
from beliefs.inference.spec import ModelSpec, logit_beta_logpdf, row_latent_likelihood


class LeaveOut:
    """Log P(H) + log p(rows | H) at the last step for any set of rows left out."""

    def __init__(self, spec: ModelSpec, grid_points: int = 2001):
        self.spec = spec
        self.table = spec.table
        self.last = len(self.table.months) - 1
        self.weights = self.table.weights_at(self.last)
        self._states = StateFilter(spec) if spec.states else None
        self._latents = _PropensitySmoother(spec, self.weights, grid_points) if spec.coupled else None

    def log_joint(self, removed: np.ndarray) -> np.ndarray:
        """Per hypothesis, without the rows of the boolean mask `removed`."""
        weights = self.table.weights_at(self.last, removed)
        joint = self.spec.log_prior + self.spec.hypothesis_loglik(weights)
        if self._states is not None:
            joint = joint + self._states.run(weights, self.last)[0]
        if self._latents is not None:
            joint = joint + self._latents.log_evidence(weights)
        return joint

    def probabilities(self, removed: np.ndarray) -> np.ndarray:
        """P(H | every row but the `removed` ones)."""
        joint = self.log_joint(removed)
        return np.exp(joint - logsumexp(joint))


class _PropensitySmoother:
    """Forward densities and backward messages of every coupled propensity, per hypothesis."""

    def __init__(self, spec: ModelSpec, weights: np.ndarray, grid_points: int):
        self.spec, self.table, self.weights = spec, spec.table, weights
        self.grids = ForwardFilter(spec, grid_points=grid_points, draws=1, chains=1).grids
        self.quadrature = [trapezoid_weights(grid) for grid in self.grids]
        T, H, J = len(self.table.months), len(spec.hypotheses), len(spec.latents)
        self.forward = np.zeros((T, J, H, grid_points))  # filtered, normalised on the grid
        self.log_forward = np.zeros((T, J, H))  # log evidence of the rows up to t
        self.backward = np.zeros((T, J, H, grid_points))  # beta_t, scaled to a maximum of 1
        self.log_backward = np.zeros((T, J, H))
        for j in range(J):
            density, log_mass = None, np.zeros(H)
            for t in range(T):
                density, log_mass = self._step(density, log_mass, t, j, weights)
                self.forward[t, j], self.log_forward[t, j] = density, log_mass
            message, log_scale = np.broadcast_to(self.quadrature[j], (H, grid_points)), np.zeros(H)
            for t in range(T - 1, -1, -1):
                self.backward[t, j], self.log_backward[t, j] = message, log_scale
                if t == 0:
                    break
                message = self._predict(message * self._likelihood(t, j, weights), t, j)
                peak = message.max(axis=-1)
                message, log_scale = message / peak[:, None], log_scale + np.log(peak)

    def log_evidence(self, weights: np.ndarray) -> np.ndarray:
        """Log p(propensity rows | H) with `weights`, summed over the latents: the steps whose
        rows weigh differently are refiltered from the cached density before them."""
        steps = self.table.row_step[weights != self.weights]
        if steps.size == 0:
            return self.log_forward[-1].sum(axis=0)
        first, last = int(steps.min()), int(steps.max())
        out = np.zeros(len(self.spec.hypotheses))
        for j in range(len(self.spec.latents)):
            density, log_mass = (None, np.zeros(out.size)) if first == 0 else (self.forward[first - 1, j], self.log_forward[first - 1, j])
            for t in range(first, last + 1):
                density, log_mass = self._step(density, log_mass, t, j, weights)
            out += log_mass + np.log(np.sum(density * self.backward[last, j], axis=-1)) + self.log_backward[last, j]
        return out

    def _step(self, density, log_mass: np.ndarray, t: int, j: int, weights: np.ndarray):
        """Predict to step t (the prior at t = 0), update with its rows, normalise: as `ForwardFilter._advance`."""
        if t == 0:
            grid = self.grids[j]
            density = np.broadcast_to(np.exp(logit_beta_logpdf(grid, self.spec.alpha[j], self.spec.beta[j])), (len(self.spec.hypotheses), grid.size))
        else:
            density = self._predict(density, t, j)
        density = density * self._likelihood(t, j, weights)
        mass = density @ self.quadrature[j]
        return density / mass[:, None], log_mass + np.log(mass)

    def _predict(self, density: np.ndarray, t: int, j: int) -> np.ndarray:
        """One random-walk step from t - 1 to t (its transpose too: the kernel is symmetric)."""
        volatility = self.spec.volatility[j]
        if t == 0 or volatility <= 0:
            return density
        sd = volatility * np.sqrt(self.table.months[t] - self.table.months[t - 1])
        grid = self.grids[j]
        return gaussian_blur(density, sd, grid[1] - grid[0])

    def _likelihood(self, t: int, j: int, weights: np.ndarray) -> np.ndarray | float:
        """The weighted likelihood of step t's rows on latent j, per hypothesis and grid point."""
        bears = ~((self.table.latent_yes[:, j] == 1) & (self.table.latent_no[:, j] == 1))
        rows = np.flatnonzero((self.table.row_step == t) & bears & (weights > 0))
        if not rows.size:
            return 1.0
        w = expit(self.grids[j][None, :] + self.spec.drift[:, j, None] * self.table.months[t])
        likelihood = row_latent_likelihood(w[..., None], self.table.latent_yes[rows, j], self.table.latent_no[rows, j])
        return np.prod(likelihood ** weights[rows], axis=-1)


def trapezoid_weights(grid: np.ndarray) -> np.ndarray:
    """The weights q with q @ f == np.trapezoid(f, grid), up to rounding."""
    spacing = np.diff(grid)
    q = np.zeros(grid.size)
    q[:-1] += spacing / 2
    q[1:] += spacing / 2
    return q
