"""The engines and their registry: `exact` (a grid or a forward filter, whichever the model
needs) and `nuts`; `auto` stands for the exact engine, which covers every model `beliefs`
builds today (NUTS remains for checking and for models beyond that)."""

from __future__ import annotations

from importlib import import_module

from beliefs.inference.engines.base import Engine

REGISTRY = {"exact": "beliefs.inference.engines.exact:ExactEngine", "nuts": "beliefs.inference.engines.nuts:NutsEngine"}
CHOICES = ("auto", *REGISTRY)


def resolve_engine(name: str) -> str:
    """The registered engine `name` stands for (`auto` is `exact`); ValueError when unknown."""
    if name not in CHOICES:
        raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(CHOICES)}")
    return "exact" if name == "auto" else name


def engine_class(name: str) -> type[Engine]:
    """The class of engine `name` (or `auto`), imported on first use."""
    module, _, attribute = REGISTRY[resolve_engine(name)].partition(":")
    return getattr(import_module(module), attribute)
