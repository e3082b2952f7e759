"""An independent closed-form posterior, written from the model's definition alone.

Hypotheses: prior times the product of the rows' (reliability-mixed) likelihoods, each raised
to its group weight, normalised. Each latent: one-dimensional adaptive quadrature of Beta prior
times the rows' weighted likelihoods. A group of k rows seen by the step, with correlation rho,
weighs each of them 1 / (1 + (k - 1) rho) (Kish's design effect); ungrouped rows weigh 1.
Nothing here uses the package's model, engines or likelihood code.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, optimize


def _mix(values, reliability):
    values = np.asarray(values, dtype=float)
    return reliability * values + (1 - reliability) * values.mean()


def _weight(workspace, row, step: int, ignore_groups: bool = False) -> float:
    if row.group is None or ignore_groups:
        return 1.0
    date = workspace.steps[step].date
    k = sum(1 for other in workspace.rows if other.group == row.group and other.date <= date)
    return 1.0 / (1.0 + (k - 1) * workspace.scenario.groups[row.group].correlation)


def hypothesis_posterior(workspace, step: int, ignore_groups: bool = False) -> np.ndarray:
    scenario = workspace.scenario
    names = scenario.hypothesis_names
    prior = np.array([scenario.hypotheses[h].prior for h in names], dtype=float)
    posterior = prior / prior.sum()
    for row in workspace.rows:
        if row.date <= workspace.steps[step].date and row.hypotheses is not None:
            posterior = posterior * _mix([row.hypotheses[h] for h in names], row.reliability) ** _weight(workspace, row, step, ignore_groups)
    return posterior / posterior.sum()


def latent_posterior(workspace, step: int, name: str) -> dict[str, float]:
    """Mean and 5% / 95% quantiles of one latent after `step`, by quadrature.

    QUADPACK's algebraic weight w^(alpha-1) (1-w)^(beta-1) takes the Beta prior's endpoint
    singularities exactly; the rows' likelihood product is smooth.
    """
    prior = workspace.scenario.latents[name].prior
    a, b = prior.alpha, prior.beta
    pairs = [
        (*_mix(row.latents[name], row.reliability), _weight(workspace, row, step))
        for row in workspace.rows
        if row.date <= workspace.steps[step].date and name in row.latents
    ]
    grid = np.linspace(0, 1, 1001)
    scale = max(sum(k * np.log(w * y + (1 - w) * n) for y, n, k in pairs) for w in grid) if pairs else 0.0

    def likelihood(w):
        return np.exp(sum(k * np.log(w * y + (1 - w) * n) for y, n, k in pairs) - scale)

    opts = dict(epsabs=0, epsrel=1e-12, limit=500)
    total = integrate.quad(likelihood, 0, 1, weight="alg", wvar=(a - 1, b - 1), **opts)[0]
    mean = integrate.quad(lambda w: w * likelihood(w), 0, 1, weight="alg", wvar=(a - 1, b - 1), **opts)[0] / total

    def cdf(x):
        if x <= 0.5:
            return integrate.quad(lambda w: (1 - w) ** (b - 1) * likelihood(w), 0, x, weight="alg", wvar=(a - 1, 0), **opts)[0] / total
        upper = integrate.quad(lambda w: w ** (a - 1) * likelihood(w), x, 1, weight="alg", wvar=(0, b - 1), **opts)[0] / total
        return 1 - upper

    q05 = optimize.brentq(lambda x: cdf(x) - 0.05, 1e-300, 1 - 1e-16, xtol=1e-14)
    q95 = optimize.brentq(lambda x: cdf(x) - 0.95, 1e-300, 1 - 1e-16, xtol=1e-14)
    return {"mean": mean, "q05": q05, "q95": q95}
