"""Questions a reader asks of the rows in a history: which rows came in at a step, strongest
first, and what a row's strongest push is. They select from the influence the history
carries (`beliefs.inference.influence` defines it); nothing is recomputed."""

from __future__ import annotations

import numpy as np
import xarray as xr


def rows_of_step(influence: xr.Dataset, step: int) -> xr.Dataset:
    """The rows that came in at `step`, strongest first (by diagnosticity, then by latent push)."""
    selected = influence.isel(row=np.flatnonzero(influence["row_step"].values == step))
    if selected.sizes["row"] == 0:
        return selected
    latent_push = np.abs(selected["latent_llr"].values).max(axis=1) if selected.sizes["latent"] else np.zeros(selected.sizes["row"])
    order = np.lexsort((-latent_push, -selected["diagnosticity"].values))
    return selected.isel(row=order)


def strongest_effect(influence: xr.Dataset, row: str) -> tuple[str, str, float] | None:
    """The largest push of one row as (kind, name, value): kind is "hypothesis" or "latent".

    For a hypothesis the value is its `hypothesis_llr`, for a latent its `latent_llr`; None
    when the row moves nothing (all likelihoods equal).
    """
    one = influence.sel(row=row)
    candidates: list[tuple[float, str, str, float]] = []
    if bool(one["bears_on_hypotheses"]):
        for h in influence["hypothesis"].values:
            value = float(one["hypothesis_llr"].sel(hypothesis=h))
            candidates.append((abs(value), "hypothesis", str(h), value))
    for name in influence["latent"].values:
        if bool(one["bears_on_latent"].sel(latent=name)):
            value = float(one["latent_llr"].sel(latent=name))
            candidates.append((abs(value), "latent", str(name), value))
    if not candidates:
        return None
    best = max(candidates, key=lambda c: (c[0], c[1] == "hypothesis" and c[3] > 0))
    if best[0] == 0:
        return None
    return best[1], best[2], best[3]


