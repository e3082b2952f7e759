"""The marginal likelihood of a PyMC model by brute force: its log-density, Jacobian included,
integrated over its unconstrained values on a product grid. Independent of the engines."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.graph.replace import vectorize_graph
from scipy.special import logsumexp


def log_marginal_by_quadrature(model, axes: dict[str, np.ndarray]) -> float:
    """log of the integral of exp(model log-density) over its unconstrained values, on a product grid."""
    values = [model.rvs_to_values[model[name]] for name in axes]
    mesh = np.meshgrid(*axes.values(), indexing="ij")
    batches = {value: pt.tensor(f"{value.name}_batch", shape=(None, *value.type.shape)) for value in values}
    logp = vectorize_graph(model.logp(jacobian=True), dict(batches.items()))
    function = pytensor.function(list(batches.values()), logp)
    points = [m.reshape(-1, *(1,) * value.ndim) for m, value in zip(mesh, values, strict=True)]
    log_density = function(*points).reshape(mesh[0].shape)
    for axis, grid in enumerate(axes.values()):  # trapezoid weights on each axis
        weights = np.full(grid.size, grid[1] - grid[0])
        weights[[0, -1]] /= 2
        log_density = log_density + np.log(weights).reshape([-1 if k == axis else 1 for k in range(len(axes))])
    return float(logsumexp(log_density))
