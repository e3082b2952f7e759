"""Engine results and the workspace's rows put together as a `PosteriorHistory`: the one
artefact the readers get, so it carries every row's text and influence and the run's
settings, and readers never go back to the workspace."""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from beliefs.inference.engines.base import DENSITY_POINTS, Engine, StepPosterior
from beliefs.inference.influence import row_influence
from beliefs.inference.likelihoods import LikelihoodTable
from beliefs.inference.tempering import calibrated_path
from beliefs.inputs.workspace import Workspace
from beliefs.results.history import DIAGNOSTICS, SAMPLE_STATS, PosteriorHistory


def assemble_history(
    workspace: Workspace,
    table: LikelihoodTable,
    computed: list[StepPosterior],
    *,
    engine: type[Engine],
    method: str,
    diagnosed: bool,
    settings: dict,
    seed: int,
    reused: xr.Dataset | None = None,
    ungrouped: np.ndarray | None = None,
) -> PosteriorHistory:
    """The history of `workspace`: `reused` leading steps (from the cache) then `computed` ones.

    Parameters
    ----------
    workspace, table
        The inputs and their likelihood table (for the rows and their influence).
    computed : list of StepPosterior
        The engine's results for the steps after the reused ones.
    engine, method, settings, seed
        The run, recorded in the attrs.
    diagnosed : bool
        Whether the engine's results carry convergence diagnostics (a sampler that sampled).
    reused : xarray.Dataset, optional
        `PosteriorHistory.leading_steps` of a cached history whose steps are still valid.
    ungrouped : ndarray, optional
        P(H) after the last step with every row counted as independent (when rows are grouped).
    """
    scenario = workspace.scenario
    steps = workspace.steps
    parts = [] if reused is None or reused.sizes["step"] == 0 else [reused.drop_vars(["step", "date", "chain", "draw"], errors="ignore")]
    if computed:
        kinds = [scenario.latents[name].kind for name in scenario.latent_names]
        parts.append(_steps_dataset(computed, diagnosed, kinds))
    posterior = xr.concat(parts, dim="step", data_vars="all") if len(parts) > 1 else parts[0]
    chains, draws = posterior.sizes["chain"], posterior.sizes["draw"]
    posterior = posterior.assign_coords(
        step=np.arange(len(steps)),
        date=("step", np.array([s.date for s in steps], dtype="datetime64[D]")),
        chain=np.arange(chains),
        draw=np.arange(draws),
        hypothesis=scenario.hypothesis_names,
        latent=scenario.latent_names,
        latent_kind=("latent", [scenario.latents[name].kind for name in scenario.latent_names]),
    )
    dataset = xr.merge([posterior, _rows_dataset(workspace, table)], compat="override", join="exact")
    dataset["row_weight"] = (("step", "row"), np.stack([table.weights_at(s.index) for s in steps]).reshape(len(steps), table.n_rows))
    calibrated = calibrated_path(workspace, table)
    if calibrated is not None:  # the tempered path beside the judged one, every step recomputed (it is arithmetic)
        dataset["calibrated_probability"] = (("step", "hypothesis"), calibrated)
    if ungrouped is not None:
        dataset["ungrouped_probability"] = (("hypothesis",), np.asarray(ungrouped, dtype=float))
    dataset.attrs = {
        "title": scenario.title,
        "engine": engine.name,
        "method": method,
        "method_text": engine.describe(method, settings, scenario),
        "hypotheses_exact": int(engine.hypotheses_exact(method, scenario)),
        "has_diagnostics": int(diagnosed),
        "engine_settings": json.dumps(settings, sort_keys=True),
        "seed": seed,
        "labels": json.dumps({name: scenario.label(name) for name in scenario.hypothesis_names + scenario.latent_names}),
        "prior": json.dumps(scenario.prior_probabilities),
        "scenario": scenario.model_dump_json(),
        "workspace": workspace.root.resolve().name,
    }
    return PosteriorHistory(dataset)


def _steps_dataset(posteriors: list[StepPosterior], has_diagnostics: bool, kinds: list[str]) -> xr.Dataset:
    """Per-step variables with every latent in the scenario's order: a propensity's draws and
    summaries from the engine, a state's P(holds) as its mean (no interval) and 0/1 draws."""
    propensity = [j for j, kind in enumerate(kinds) if kind != "state"]
    states = [j for j, kind in enumerate(kinds) if kind == "state"]

    def merged(values, state_values, fill=np.nan):
        out = np.full((*values.shape[:-1], len(kinds)), fill, dtype=float)
        out[..., propensity] = values
        out[..., states] = state_values
        return out

    data = {
        "hypothesis_probability": (("step", "hypothesis"), np.stack([p.hypothesis_probability for p in posteriors])),
        "latent_draws": (("step", "chain", "draw", "latent"), np.stack([merged(p.latent_draws, _state_draws(p)) for p in posteriors])),
        "latent_mean": (("step", "latent"), np.stack([merged(p.latent_mean, p.state_probability) for p in posteriors])),
        "latent_q05": (("step", "latent"), np.stack([merged(p.latent_q05, np.nan) for p in posteriors])),
        "latent_q95": (("step", "latent"), np.stack([merged(p.latent_q95, np.nan) for p in posteriors])),
        # the smallest integer type that holds the index: the cache rewrites every step's draws at each update
        "draw_hypothesis": (("step", "chain", "draw"), np.stack([p.draw_hypothesis for p in posteriors]).astype(
            np.min_scalar_type(-posteriors[0].hypothesis_probability.size))),
    }
    if states:  # P(holds | H): with P(H) it gives the states' forecast exactly, without sampling noise
        given = np.full((len(posteriors), len(kinds), posteriors[0].hypothesis_probability.size), np.nan)
        given[:, states] = np.stack([p.state_given_hypothesis.T for p in posteriors])
        data["state_given_hypothesis"] = (("step", "latent", "hypothesis"), given)
    if propensity and all(p.latent_density is not None for p in posteriors):  # exact engines: the density itself, for the plots
        density = np.full((len(posteriors), len(kinds), DENSITY_POINTS.size), np.nan)
        density[:, propensity] = np.stack([p.latent_density for p in posteriors])
        data["latent_density"] = (("step", "latent", "w"), density)
    if any(p.joint_probability is not None for p in posteriors):  # switching lines: the chain, and the line forecast for `by`
        data["joint_probability"] = (("step", "joint_state"), np.stack([p.joint_probability for p in posteriors]))
        at_by = [p.hypothesis_at_by if p.hypothesis_at_by is not None else np.full(p.hypothesis_probability.size, np.nan) for p in posteriors]
        data["hypothesis_probability_at_by"] = (("step", "hypothesis"), np.stack(at_by))
    if has_diagnostics:
        for name in DIAGNOSTICS:
            values = np.stack([p.diagnostics[name] for p in posteriors])
            data[name] = (("step", "latent"), np.stack([merged(p.diagnostics[name], np.nan) for p in posteriors])) if values.ndim == 2 \
                else (("step",), values)
        for name in SAMPLE_STATS:  # the sampler's statistics of each draw, paired with the draws
            if all(name in p.sample_stats for p in posteriors):
                data[name] = (("step", "chain", "draw"), np.stack([p.sample_stats[name] for p in posteriors]))
    return xr.Dataset(data, coords={"w": DENSITY_POINTS} if "latent_density" in data else None)


def _state_draws(posterior: StepPosterior) -> np.ndarray:
    return posterior.state_draws if posterior.state_draws is not None else np.zeros((*posterior.draw_hypothesis.shape, 0))


def _rows_dataset(workspace: Workspace, table: LikelihoodTable) -> xr.Dataset:
    """Each row's text, provenance and influence, on the `row` dimension."""
    rows = workspace.rows
    text = {
        "row_summary": [r.summary for r in rows],
        "row_source": [r.source for r in rows],
        "row_rationale": [r.rationale for r in rows],
        "row_file": [r.path.name if r.path else "" for r in rows],
        "row_group": [r.group or "" for r in rows],
        "row_kind": [r.kind for r in rows],
    }
    data = {name: (("row",), np.array(values, dtype=object)) for name, values in text.items()}
    data["row_step"] = (("row",), np.asarray(table.row_step, dtype=int))
    data["row_reliability"] = (("row",), np.array([r.reliability for r in rows], dtype=float))
    data["row_date"] = (("row",), np.array([r.date for r in rows], dtype="datetime64[D]"))
    spec = None
    if workspace.scenario.switches:
        from beliefs.inference.spec import ModelSpec

        spec = ModelSpec.build(workspace.scenario, table)
    influence = row_influence(workspace.scenario, table, [sorted(r.latents) for r in rows], spec)
    return xr.Dataset(data, coords={"row": table.row_ids}).merge(influence.drop_vars(["row_step", "row_date"], errors="ignore"))
