"""NUTS engine: nutpie samples the model once compiled, re-using it for every step.

Compiling costs seconds; swapping the `weights` mask with `with_data` costs nothing, so a
whole history costs one compile plus one short sampling run per step. A step whose chains
do not pass the convergence checks is sampled once more with longer tuning and twice the
draws (thinned back to the history's size); if it still fails, it is marked unconverged.
"""

from __future__ import annotations

import numpy as np

from beliefs.inference.engines.base import QUANTILES, Engine, StepPosterior, sample_hypotheses, step_seed, summarise_draws, weighted_quantiles
from beliefs.inference.engines.states import latent_chain
from beliefs.inference.likelihoods import path_length
from beliefs.inference.model import CURRENT_STEP, HYPOTHESIS_PROBABILITY, LATENT_NOW, ROW_WEIGHT
from beliefs.inference.spec import ModelSpec
from beliefs.inputs.scenario import Scenario
from beliefs.results.diagnostics import MAX_RHAT, MIN_ESS

# nutpie's statistics of each draw, by the name ArviZ's `sample_stats` schema gives them (the
# history's `SAMPLE_STATS`), with a type that holds them: the cache rewrites every step's at each update.
NUTPIE_STATS = {
    "diverging": ("diverging", bool), "reached_max_treedepth": ("maxdepth_reached", bool), "tree_depth": ("depth", np.int8),
    "n_steps": ("n_steps", np.int32), "acceptance_rate": ("mean_tree_accept", np.float32), "step_size": ("step_size", np.float32),
    "energy": ("energy", np.float64), "energy_error": ("energy_error", np.float32), "max_energy_error": ("max_energy_error", np.float32),
    "lp": ("logp", np.float64),
}


class NutsEngine(Engine):
    """`--engine nuts`: the PyMC model sampled by nutpie; results carry R-hat, ESS and divergences,
    and nutpie's statistics of each draw (`NUTPIE_STATS`)."""

    name = "nuts"
    has_diagnostics = True

    def __init__(self, spec: ModelSpec, settings: dict):
        import pytensor

        from beliefs.inference.model import build_model

        super().__init__(spec, settings)
        self._chain = latent_chain(spec)
        self.model = build_model(spec)
        self._compiled = None
        if self.model.free_RVs:
            import nutpie

            from beliefs.inference.engines.numba_cache import lock_numba_cache

            lock_numba_cache()  # another process compiling at the same time must not cross-wire the shared cache
            self._compiled = nutpie.compile_pymc_model(self.model)
        self.has_diagnostics = self._compiled is not None  # with nothing to sample there are no chains to check
        self._hypothesis_probability = pytensor.function([], self.model[HYPOTHESIS_PROBABILITY])

    @classmethod
    def settings_for(cls, *, draws: int, tune: int, chains: int) -> dict:
        """Draws, tuning steps and chains of every sampling run."""
        return {"draws": draws, "tune": tune, "chains": chains}

    @classmethod
    def cache_key(cls, workspace, settings: dict) -> dict:
        """A moving latent's path spans `path_length` steps, so every step's draws depend on it:
        when the step count passes a power of two, the run starts again from step 0."""
        if workspace.scenario.time_varying:
            return {"path_steps": path_length(len(workspace.steps))}
        return {}

    @property
    def method(self) -> str:
        """`nuts`, or `closed form` when there is no latent to sample."""
        return "nuts" if self.spec.latents else "closed form"

    @classmethod
    def describe(cls, method: str, settings: dict, scenario: Scenario) -> str:
        """See `Engine.describe`."""
        if method != "nuts":
            return cls.closed_form_text(cls.name)
        how = (f"The latents were sampled with NUTS (PyMC's Hamiltonian Monte Carlo sampler): {settings.get('chains', '?')} chains of "
               f"{settings.get('draws', '?')} draws after {settings.get('tune', '?')} tuning steps at every dated step.")
        return how + (" The hypotheses' probabilities are nonetheless exact: no latent's drift depends on them."
                      if cls.hypotheses_exact(method, scenario) else
                      " The hypotheses' probabilities are averaged over those draws, so they carry a small sampling error.")

    @classmethod
    def hypotheses_exact(cls, method: str, scenario: Scenario) -> bool:
        """P(H | rows) is averaged over the draws only when some latent's drift depends on H."""
        return method != "nuts" or not any(any(getattr(latent, "drift", {}).values()) for latent in scenario.latents.values())

    def posterior(self, weights: np.ndarray, step: int, seed: int) -> StepPosterior:
        """The posterior at `step`, sampled; a step failing the checks is sampled once more, longer.
        State latents (and a switching line) are added exactly: they are marginalised, never sampled."""
        return self._chain.complete(self._sampled(weights, step, seed), weights, step, seed)

    def _sampled(self, weights: np.ndarray, step: int, seed: int) -> StepPosterior:
        rng = np.random.default_rng(step_seed(seed, step))
        if self._compiled is None:
            return self._without_latents(weights, rng)
        data = {ROW_WEIGHT: weights}
        if CURRENT_STEP in self.model.named_vars:  # only moving latents need to know which step is "now"
            data[CURRENT_STEP] = np.array(step, dtype="int64")
        compiled = self._compiled.with_data(**data)
        result = self._sample(compiled, rng, thin=1)
        if not result.diagnostics["converged"]:
            result = self._sample(compiled, rng, thin=2)
            result.diagnostics["attempts"] = np.array(2)
        return result

    def _sample(self, compiled, rng: np.random.Generator, thin: int) -> StepPosterior:
        """One sampling run (`thin` times the draws and tuning, thinned back) with its diagnostics."""
        import nutpie

        trace = nutpie.sample(
            compiled,
            draws=self.settings["draws"] * thin,
            tune=self.settings["tune"] * thin,
            chains=self.settings["chains"],
            seed=int(rng.integers(2**31)),
            progress_bar=False,
        )
        posterior = trace["posterior"].to_dataset().isel(draw=slice(None, None, thin))
        per_draw = posterior[HYPOTHESIS_PROBABILITY].transpose("chain", "draw", "hypothesis").values
        now = posterior[LATENT_NOW]
        chosen = sample_hypotheses(per_draw, rng)
        if "hypothesis" in now.dims:  # drift couples the latents with H: a mixture over H per draw
            values = now.transpose("chain", "draw", "hypothesis", "latent").values
            draws = np.take_along_axis(values, chosen[..., None, None], axis=2)[:, :, 0, :]
            weights = per_draw.reshape(-1, per_draw.shape[-1])
            flat = values.reshape(-1, *values.shape[2:])
            mean = np.einsum("nh,nhj->j", weights, flat) / weights.shape[0]
            q05, q95 = np.array([weighted_quantiles(flat[:, :, j].ravel(), weights.ravel(), QUANTILES) for j in range(flat.shape[-1])]).T
        else:
            draws = now.transpose("chain", "draw", "latent").values
            mean, q05, q95 = summarise_draws(draws)
        stats = trace["sample_stats"].to_dataset().isel(draw=slice(None, None, thin))
        per_draw_stats = {name: stats[ours].transpose("chain", "draw").values.astype(kind) for name, (ours, kind) in NUTPIE_STATS.items()}
        return StepPosterior(per_draw.mean(axis=(0, 1)), draws, mean, q05, q95, chosen, _diagnostics(draws, trace), per_draw_stats)

    def _without_latents(self, weights: np.ndarray, rng: np.random.Generator) -> StepPosterior:
        """Nothing to sample: P(H | rows) is the model's deterministic, evaluated directly."""
        import pymc as pm

        pm.set_data({ROW_WEIGHT: weights}, model=self.model)
        probability = np.asarray(self._hypothesis_probability())
        chains, draws = self.settings["chains"], self.settings["draws"]
        chosen = sample_hypotheses(np.broadcast_to(probability, (chains, draws, probability.size)), rng)
        empty = np.zeros(0)
        return StepPosterior(probability, np.zeros((chains, draws, 0)), empty, empty, empty, chosen)


def _diagnostics(draws: np.ndarray, trace) -> dict[str, np.ndarray]:
    """R-hat, bulk and tail ESS of each latent, divergences (over every draw of the run, before
    thinning), and whether all pass the thresholds."""
    import arviz as az
    import xarray as xr

    samples = xr.Dataset({"w": (("chain", "draw", "latent"), draws)})
    rhat = az.rhat(samples)["w"].values
    ess_bulk = az.ess(samples, method="bulk")["w"].values
    ess_tail = az.ess(samples, method="tail")["w"].values
    divergences = int(trace["sample_stats"]["diverging"].values.sum())
    converged = bool(np.all(rhat <= MAX_RHAT) and np.all(ess_bulk >= MIN_ESS) and np.all(ess_tail >= MIN_ESS) and divergences == 0)
    return {
        "rhat": rhat,
        "ess_bulk": ess_bulk,
        "ess_tail": ess_tail,
        "divergences": np.array(divergences),
        "converged": np.array(converged),
        "attempts": np.array(1),
    }
