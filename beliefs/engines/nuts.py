"""NUTS engine: nutpie samples the model once compiled, re-using it for every step.

Compiling costs seconds; swapping the `included` mask with `with_data` costs nothing, so a
whole history costs one compile plus one short sampling run per step.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pymc as pm
import pytensor

from beliefs.engines import StepPosterior, step_seed, summarise_draws
from beliefs.model import HYPOTHESIS_PROBABILITY, INCLUDED, LATENT_VALUE


class NutsEngine:
    name = "nuts"

    def __init__(self, model: pm.Model, *, draws: int = 1000, tune: int = 1000, chains: int = 4):
        self.model = model
        self.settings = {"draws": draws, "tune": tune, "chains": chains}
        self._compiled = None
        if model.free_RVs:
            import nutpie

            self._compiled = nutpie.compile_pymc_model(model)
        self._hypothesis_probability = pytensor.function([], model[HYPOTHESIS_PROBABILITY])

    def posterior(self, included: np.ndarray, step: int, seed: int) -> StepPosterior:
        if self._compiled is None:
            return self._without_latents(included)
        import nutpie

        compiled = self._compiled.with_data(**{INCLUDED: included})
        trace = nutpie.sample(
            compiled,
            draws=self.settings["draws"],
            tune=self.settings["tune"],
            chains=self.settings["chains"],
            seed=step_seed(seed, step),
            progress_bar=False,
        )
        posterior = trace["posterior"].to_dataset()
        draws = posterior[LATENT_VALUE].transpose("chain", "draw", ...).values
        mean, q05, q95 = summarise_draws(draws)
        per_draw = posterior[HYPOTHESIS_PROBABILITY].values.reshape(-1, posterior.sizes["hypothesis"])
        samples = posterior[[LATENT_VALUE]]
        diagnostics = {
            "rhat": az.rhat(samples)[LATENT_VALUE].values,
            "ess_bulk": az.ess(samples, method="bulk")[LATENT_VALUE].values,
            "ess_tail": az.ess(samples, method="tail")[LATENT_VALUE].values,
            "divergences": np.array(int(trace["sample_stats"]["diverging"].values.sum())),
        }
        return StepPosterior(per_draw.mean(axis=0), draws, mean, q05, q95, diagnostics)

    def _without_latents(self, included: np.ndarray) -> StepPosterior:
        """Nothing to sample: P(H | rows) is the model's deterministic, evaluated directly."""
        pm.set_data({INCLUDED: included}, model=self.model)
        empty = np.zeros(0)
        return StepPosterior(np.asarray(self._hypothesis_probability()), np.zeros((1, 0, 0)), empty, empty, empty)
