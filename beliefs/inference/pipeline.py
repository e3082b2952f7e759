"""From a workspace to its posterior history: pick an engine from the registry, run the steps
in date order, and keep the result in the workspace's cache."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from beliefs.inference.engines import CHOICES, engine_class, resolve_engine
from beliefs.inputs.workspace import Workspace

ENGINES = CHOICES


def compute_history(
    workspace: Workspace,
    *,
    engine: str = "auto",
    seed: int = 0,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    horizon_days: int | None = None,
    on_step: Callable[[int, int], None] | None = None,
):
    """The posterior after every step of `workspace`.

    Parameters
    ----------
    workspace : Workspace
        The validated inputs.
    engine : {"auto", "exact", "nuts"}
        `auto` is the exact engine.
    seed, draws, tune, chains
        The run's seed and the engine's settings (`tune` only for NUTS).
    horizon_days : int, optional
        Attach a forecast of the latents this many days past the last step.
    on_step : callable, optional
        `on_step(done, total)` after each computed step.

    Returns
    -------
    PosteriorHistory

    Examples
    --------
    >>> history = beliefs.compute_history(beliefs.load_workspace("."), seed=1)  # doctest: +SKIP
    """
    history = _compute(workspace, engine, seed, draws=draws, tune=tune, chains=chains, on_step=on_step)
    if horizon_days is not None:
        from beliefs.inference.forecast import with_forecast

        history = with_forecast(history, horizon_days)
    return history


def _compute(workspace: Workspace, engine: str, seed: int, *, draws: int, tune: int, chains: int, on_step=None, reused=None):
    from beliefs.inference.assemble import assemble_history
    from beliefs.inference.likelihoods import likelihood_table
    from beliefs.inference.spec import ModelSpec

    kind = engine_class(engine)
    settings = kind.settings_for(draws=draws, tune=tune, chains=chains)
    table = likelihood_table(workspace)
    steps = workspace.steps
    done = 0 if reused is None else min(reused.sizes["step"], len(steps))
    computed, ungrouped = [], None
    method = None if reused is None else reused.attrs.get("method")
    diagnosed = bool(int(reused.attrs.get("has_diagnostics", 0))) if reused is not None else kind.has_diagnostics
    if done < len(steps):
        runner = kind(ModelSpec.build(workspace.scenario, table), settings)
        method, diagnosed = runner.method, runner.has_diagnostics
        for step in steps[done:]:
            computed.append(runner.posterior(table.weights_at(step.index), step.index, seed))
            if on_step:
                on_step(step.index + 1, len(steps))
        if table.grouped:  # what the answer would be with every row counted as independent
            last = steps[-1].index
            ungrouped = runner.posterior(table.included_up_to(last), last, seed).hypothesis_probability
    history = assemble_history(workspace, table, computed, engine=kind, method=method, diagnosed=diagnosed, settings=settings, seed=seed,
                               reused=None if reused is None else reused.isel(step=slice(0, done)), ungrouped=ungrouped)
    if workspace.panel is not None:  # each analyst's own path, beside the pooled one
        from beliefs.inference.analysts import analyst_paths

        panel = workspace.panel
        own, own_at_by = analyst_paths(workspace, kind, settings, seed)
        dataset = history.dataset.assign(analyst_probability=(("step", "analyst", "hypothesis"), own))
        if own_at_by is not None:  # a switching line: each analyst's forecast of the line on `by`, what their path is scored on
            dataset["analyst_probability_at_by"] = (("step", "analyst", "hypothesis"), own_at_by)
        dataset = dataset.assign_coords(analyst=list(panel.names))
        dataset.attrs["analysts"] = json.dumps({name: {"label": panel.labels[name], "weight": panel.weights[name]} for name in panel.names})
        history = type(history)(dataset)
    return history


@dataclass
class Update:
    """The outcome of `update_history`: the summary, and which steps had to be computed."""

    engine: str
    summary: dict
    computed_steps: list[int]
    history: object = None  # PosteriorHistory; None when not needed and nothing was computed
    notes: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # the steps' cache keys (`cache.step_keys`)


def update_history(
    workspace: Workspace,
    *,
    engine: str = "auto",
    seed: int = 0,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    horizon_days: int | None = None,
    need_history: bool = True,
    on_step: Callable[[int, int], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Update:
    """Bring the workspace's cached history up to date, computing only what changed.

    With nothing new and `need_history` False, this reads two small files and imports
    neither xarray nor PyMC. Parameters are those of `compute_history`; `on_wait` is called
    once when another process holds the workspace's lock.

    Returns
    -------
    Update
        The summary (as `beliefs update --json` prints it), the steps computed, the history
        (with the forecast when `horizon_days` is given) and notes for the analyst.
    """
    from beliefs import __version__
    from beliefs.atomic import workspace_lock
    from beliefs.inference.cache import cache_paths, matching_prefix, read_history, read_manifest, step_keys

    engine = resolve_engine(engine)
    kind = engine_class(engine)
    settings = kind.settings_for(draws=draws, tune=tune, chains=chains)
    keys = step_keys(workspace, engine, settings, seed, __version__, kind.cache_key(workspace, settings))
    need_history = need_history or horizon_days is not None
    with workspace_lock(workspace.root, on_wait, reading=True) as locked:
        manifest = read_manifest(workspace.root, engine)
        notes = []
        if manifest and manifest.keys == keys and not need_history:
            return Update(engine, manifest.summary, [], keys=keys)
        cached = read_history(workspace.root, engine, manifest) if manifest else None
        if (manifest and cached is None) or (manifest is None and cache_paths(workspace.root, engine)[1].exists()):
            notes.append("the cached history was unreadable or altered; it was rebuilt")
        valid = matching_prefix(manifest.keys, keys) if cached is not None else 0
        if cached is not None and valid == len(keys) == len(manifest.keys):
            history, computed, summary = cached, [], manifest.summary
        else:
            reused = cached.leading_steps(valid) if cached is not None and valid else None
            reused = reused.assign_attrs(method=cached.method, has_diagnostics=int(cached.has_diagnostics)) if reused is not None else None
            history = _compute(workspace, engine, seed, draws=draws, tune=tune, chains=chains, on_step=on_step, reused=reused)
            summary = history.summary()
            reason = _save(workspace.root, engine, history, keys, summary) if locked else "the folder is read-only"
            if reason:
                notes.append(f"the cache in {cache_paths(workspace.root, engine)[1].parent} could not be saved ({reason}); "
                             "the answer was computed and will be again next time")
            computed = list(range(valid, len(keys)))
        if horizon_days is not None:
            from beliefs.inference.forecast import with_forecast

            history = with_forecast(history, horizon_days)
        return Update(engine, summary, computed, history, notes, keys)


def _save(root, engine: str, history, keys: list[str], summary: dict) -> str | None:
    """Write the cache; why not, when the workspace cannot be written (a shared or mounted folder)."""
    from beliefs.atomic import READ_ONLY
    from beliefs.inference.cache import write_cache

    try:
        write_cache(root, engine, history, keys, summary)
    except OSError as error:
        if error.errno not in READ_ONLY:
            raise
        return error.strerror or "permission denied"
    return None
