"""The exact engine: the posterior computed, not sampled, by whichever method the model needs.

Constant latents are independent of H and of each other given the rows, so each is a
one-dimensional grid over the model's log-density, computed with numpy (`grid`); latents that move over
time are filtered forward on a grid per hypothesis and latent (`filter`). Both are exact up
to the grid, which is fine enough that the error is below 1e-6 (see the tests). Neither
imports PyMC or PyTensor: both evaluate the `ModelSpec` the PyMC model is built from, and the
tests hold them to that model's log-density.
"""

from __future__ import annotations

import numpy as np

from beliefs.inference.engines.base import Engine, StepPosterior
from beliefs.inference.engines.states import latent_chain
from beliefs.inference.spec import ModelSpec

GRID_POINTS = 8001


class ExactEngine(Engine):
    """`--engine exact` (and `auto`): a grid or a forward filter, no sampling error in P(H)."""

    name = "exact"
    has_diagnostics = False

    def __init__(self, spec: ModelSpec, settings: dict):
        super().__init__(spec, settings)
        self._chain = latent_chain(spec)
        if spec.moving:
            from beliefs.inference.engines.filter import ForwardFilter

            self._method, self._runner = "filter", ForwardFilter(spec, **settings)
        else:
            from beliefs.inference.engines.grid import GridPosterior

            self._method = "grid" if spec.latents else "closed form"
            self._runner = GridPosterior(spec, **settings)

    @classmethod
    def settings_for(cls, *, draws: int, tune: int, chains: int) -> dict:
        """Grid points per latent, and the draws kept for plots."""
        return {"grid_points": GRID_POINTS, "draws": draws, "chains": chains}

    @property
    def method(self) -> str:
        """`filter` for moving latents, `grid` for constant ones, `closed form` without latents."""
        return self._method

    def posterior(self, weights: np.ndarray, step: int, seed: int) -> StepPosterior:
        """See `Engine.posterior`."""
        return self._chain.complete(self._runner.posterior(weights, step, seed), weights, step, seed)
