"""From a workspace to its posterior history: build the model once, pick an engine, run
every step in date order."""

from __future__ import annotations

from collections.abc import Callable

from beliefs.history import PosteriorHistory
from beliefs.likelihoods import likelihood_table
from beliefs.model import build_model
from beliefs.workspace import Workspace

ENGINES = ("auto", "exact", "nuts")


def resolve_engine(workspace: Workspace, engine: str) -> str:
    """The engine `auto` stands for: exact wherever the model allows it (every core model)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return "exact" if engine == "auto" else engine


def compute_history(
    workspace: Workspace,
    *,
    engine: str = "auto",
    seed: int = 0,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    on_step: Callable[[int, int], None] | None = None,
) -> PosteriorHistory:
    """The posterior after every step of `workspace`; `on_step(done, total)` reports progress."""
    engine = resolve_engine(workspace, engine)
    table = likelihood_table(workspace)
    model = build_model(workspace.scenario, table)
    if engine == "exact":
        from beliefs.engines.exact import ExactEngine

        runner = ExactEngine(model, draws=draws, chains=chains)
    else:
        from beliefs.engines.nuts import NutsEngine

        runner = NutsEngine(model, draws=draws, tune=tune, chains=chains)
    steps = workspace.steps
    posteriors = []
    for step in steps:
        posteriors.append(runner.posterior(table.included_up_to(step.index), step.index, seed))
        if on_step:
            on_step(step.index + 1, len(steps))
    return PosteriorHistory.assemble(workspace, table, posteriors, engine, runner.settings, seed)
