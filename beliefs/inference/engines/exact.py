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
from beliefs.inputs.scenario import Scenario

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

    @classmethod
    def describe(cls, method: str, settings: dict, scenario: Scenario) -> str:
        """See `Engine.describe`."""
        if method == "filter":
            return (f"The numbers were computed exactly by the {cls.name} engine, with a forward filter: each latent's log-odds on a grid of "
                    f"{settings['grid_points']} points under each hypothesis, carried from step to step by the random walk and multiplied by each "
                    "step's rows. The filter and the PyMC model are built from one model specification, and the tests check that they give the "
                    "same likelihood. Independent draws from the exact posterior are used for the plots.")
        if method == "grid":
            return (f"The numbers were computed exactly by the {cls.name} engine, on a grid of {settings['grid_points']} points per latent of "
                    "the PyMC model's own log-density, with independent draws taken from the exact posterior for the plots.")
        return cls.closed_form_text(cls.name)

    def posterior(self, weights: np.ndarray, step: int, seed: int) -> StepPosterior:
        """See `Engine.posterior`."""
        return self._chain.complete(self._runner.posterior(weights, step, seed), weights, step, seed)
