"""From a workspace to its posterior history: build the model once, pick an engine, run
the steps in date order, and keep the result in the workspace's cache."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from beliefs.inputs.workspace import Workspace

ENGINES = ("auto", "exact", "nuts")
GRID_POINTS = 8001


def resolve_engine(workspace: Workspace, engine: str) -> str:
    """The engine `auto` stands for: exact wherever the model allows it.

    Every model `beliefs` builds has at most one continuous unknown per latent and hypothesis
    at a time (constant latents: a grid; moving latents: a forward filter), so `auto` is
    always exact today; NUTS remains for checking and for models beyond that.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return "exact" if engine == "auto" else engine


def engine_settings(engine: str, *, draws: int, tune: int, chains: int) -> dict:
    """The settings that, with the seed, fully determine an engine's numbers."""
    if engine == "exact":
        return {"grid_points": GRID_POINTS, "draws": draws, "chains": chains}
    return {"draws": draws, "tune": tune, "chains": chains}


def compute_history(
    workspace: Workspace,
    *,
    engine: str = "auto",
    seed: int = 0,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    on_step: Callable[[int, int], None] | None = None,
    reuse=None,
):
    """The posterior after every step of `workspace`.

    `reuse` is a list of already computed `StepPosterior`s for the leading steps (from the
    cache); only the steps after them are computed. `on_step(done, total)` reports progress.
    """
    from beliefs.inference.likelihoods import likelihood_table
    from beliefs.results.history import PosteriorHistory

    engine = resolve_engine(workspace, engine)
    settings = engine_settings(engine, draws=draws, tune=tune, chains=chains)
    table = likelihood_table(workspace)
    steps = workspace.steps
    posteriors = list(reuse or [])[: len(steps)]
    if len(posteriors) < len(steps):
        runner = _make_engine(workspace, table, engine, settings)
        for step in steps[len(posteriors):]:
            posteriors.append(runner.posterior(table.included_up_to(step.index), step.index, seed))
            if on_step:
                on_step(step.index + 1, len(steps))
    return PosteriorHistory.assemble(workspace, table, posteriors, engine, settings, seed)


def _make_engine(workspace: Workspace, table, engine: str, settings: dict):
    if engine == "exact" and workspace.scenario.time_varying:
        from beliefs.inference.engines.filter import FilterEngine

        return FilterEngine(workspace.scenario, table, **settings)
    from beliefs.inference.model import build_model

    model = build_model(workspace.scenario, table)
    if engine == "exact":
        from beliefs.inference.engines.exact import ExactEngine

        return ExactEngine(model, **settings)
    from beliefs.inference.engines.nuts import NutsEngine

    return NutsEngine(model, **settings)


@dataclass
class Update:
    """The outcome of `update_history`: the summary, and which steps had to be computed."""

    engine: str
    summary: dict
    computed_steps: list[int]
    history: object = None  # PosteriorHistory; None when not needed and nothing was computed
    notes: list[str] = field(default_factory=list)


def update_history(
    workspace: Workspace,
    *,
    engine: str = "auto",
    seed: int = 0,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    need_history: bool = True,
    on_step: Callable[[int, int], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Update:
    """Bring the workspace's cached history up to date, computing only what changed.

    With nothing new and `need_history` False, this reads two small files and imports
    neither xarray nor PyMC.
    """
    from beliefs import __version__
    from beliefs.atomic import workspace_lock
    from beliefs.inference.cache import matching_prefix, read_history, read_manifest, step_keys, write_cache

    engine = resolve_engine(workspace, engine)
    settings = engine_settings(engine, draws=draws, tune=tune, chains=chains)
    keys = step_keys(workspace, engine, settings, seed, __version__)
    with workspace_lock(workspace.root, on_wait):
        manifest = read_manifest(workspace.root, engine)
        notes = []
        if manifest and manifest.keys == keys and not need_history:
            return Update(engine, manifest.summary, [])
        cached = read_history(workspace.root, engine, manifest) if manifest else None
        if manifest and cached is None:
            notes.append("the cached history was unreadable or altered; it was rebuilt")
        valid = matching_prefix(manifest.keys, keys) if cached is not None else 0
        if cached is not None and valid == len(keys) == len(manifest.keys):
            return Update(engine, manifest.summary, [], cached, notes)
        reuse = [cached.step_posterior(t) for t in range(valid)] if cached is not None else []
        history = compute_history(workspace, engine=engine, seed=seed, draws=draws, tune=tune, chains=chains, on_step=on_step, reuse=reuse)
        summary = history.summary()
        write_cache(workspace.root, engine, history, keys, summary)
        return Update(engine, summary, list(range(valid, len(keys))), history, notes)
