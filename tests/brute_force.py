"""Filtering posterior of a moving latent by brute force: the whole path (z_0, ..., z_T)
integrated on a dense product grid, with the Gaussian transition densities written out.

Independent of the package's filter: no convolution, no recursion, no shared code.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import cumulative_trapezoid
from scipy.interpolate import CubicSpline
from scipy.special import betaln, expit, log_expit

DAYS_PER_MONTH = 30.4375


def _mix(values, reliability):
    values = np.asarray(values, dtype=float)
    return reliability * values + (1 - reliability) * values.mean()


def filtering_posterior(workspace, step: int, latent: str, points: int = 161, low: float = -12.0, high: float = 8.0):
    """P(H | rows up to `step`) and the mean, q05, q95 of the latent's value at `step`."""
    scenario = workspace.scenario
    spec = scenario.latents[latent]
    steps = workspace.steps[: step + 1]
    months = np.array([(s.date - scenario.prior_date).days / DAYS_PER_MONTH for s in steps])
    z = np.linspace(low, high, points)
    weight = np.full(points, z[1] - z[0])
    weight[[0, -1]] /= 2
    names = scenario.hypothesis_names
    prior = np.array([scenario.hypotheses[h].prior for h in names], dtype=float)
    log_joint, densities = [], []
    for k, h in enumerate(names):
        drift = spec.drift.get(h, 0.0)
        hypothesis_loglik = np.log(prior[k] / prior.sum())
        for t in range(1, step + 1):
            for row in steps[t].rows:
                if row.hypotheses is not None:
                    hypothesis_loglik += np.log(_mix([row.hypotheses[n] for n in names], row.reliability)[k])
        if spec.volatility == 0:
            marginal = _deterministic_path(spec, steps, months, latent, drift, z)
        else:
            marginal = _random_walk_path(spec, steps, months, latent, drift, z, weight)
        log_joint.append(hypothesis_loglik + np.log((marginal * weight).sum()))
        densities.append(marginal / (marginal * weight).sum())
    log_joint = np.array(log_joint)
    probability = np.exp(log_joint - log_joint.max())
    probability /= probability.sum()
    mixture = sum(p * d for p, d in zip(probability, densities, strict=True))
    w = expit(z)
    mean = float((w * mixture * weight).sum())
    fine = np.linspace(low, high, 20001)
    cdf = cumulative_trapezoid(CubicSpline(z, mixture)(fine), fine, initial=0.0)
    cdf /= cdf[-1]
    q05, q95 = expit(np.interp([0.05, 0.95], cdf, fine))
    return probability, {"mean": mean, "q05": float(q05), "q95": float(q95)}


def _log_prior(spec, z):
    return spec.prior.alpha * log_expit(z) + spec.prior.beta * log_expit(-z) - betaln(spec.prior.alpha, spec.prior.beta)


def _row_loglik(rows, latent, w):
    total = 0.0
    for row in rows:
        if latent in row.latents:
            yes, no = _mix(row.latents[latent], row.reliability)
            total = total + np.log(w * yes + (1 - w) * no)
    return total


def _deterministic_path(spec, steps, months, latent, drift, z):
    """No volatility: z_t = z_0 + drift * months_t; the density of z_T on the grid z."""
    z0 = z - drift * months[-1]
    log_p = _log_prior(spec, z0)
    for t in range(1, len(steps)):
        log_p = log_p + _row_loglik(steps[t].rows, latent, expit(z0 + drift * months[t]))
    return np.exp(log_p)


def _random_walk_path(spec, steps, months, latent, drift, z, weight):
    """The joint density of (z_0, ..., z_T) on a product grid, integrated down to z_T."""
    T = len(steps) - 1
    points = z.size

    def along(axis):
        shape = [1] * (T + 1)
        shape[axis] = points
        return shape

    log_p = _log_prior(spec, z).reshape(along(0))
    for t in range(1, T + 1):
        dt = months[t] - months[t - 1]
        sd = spec.volatility * np.sqrt(dt)
        previous, now = z.reshape(along(t - 1)), z.reshape(along(t))
        log_p = log_p + (-0.5 * ((now - previous - drift * dt) / sd) ** 2 - np.log(sd * np.sqrt(2 * np.pi)))
        log_p = log_p + _row_loglik(steps[t].rows, latent, expit(z).reshape(along(t)))
    density = np.exp(log_p)
    for axis in range(T):
        density = (density * weight.reshape(along(axis))).sum(axis=axis, keepdims=True)
    return density.reshape(points)
