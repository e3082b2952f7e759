"""`history.nc`: the posterior history as ArviZ's InferenceData, one netCDF group per kind of
variable (`FILE_GROUPS`), each stamped with `created_at`, `inference_library` and
`inference_library_version`; `az.from_netcdf` opens it, `read_dataset` merges it back into the
history's one Dataset.

The groups ArviZ's schema defines keep to it: `posterior` and `sample_stats` have `chain` and
`draw` first, then `step` (every step's draws, one sampling run per step; a step's draws and
its sampler statistics match). `sample_stats` holds the sampler's statistics of each draw under
the schema's names (`diverging` is boolean), so ArviZ's own checks read it: `az.diagnose`
(divergences and tree depth summed over every step), `az.bfmi` (per step and chain), the
divergent draws `az.plot_trace_dist` marks on each step's trace; functions that take one set of
chains, such as `az.plot_energy`, take one step (`tree.isel(step=-1)`). Only NUTS writes it: an
exact engine has no sampler, hence no `sample_stats` group (the schema allows any set of
groups). The per-step convergence checks (R-hat, ESS, divergences, converged, attempts) are not
statistics of a draw; they have their own group, `convergence`, also NUTS only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from beliefs.results.history import DIAGNOSTICS, FORECAST_VARIABLES, SAMPLE_STATS
from beliefs.results.influence import INFLUENCE_VARIABLES

if TYPE_CHECKING:
    from beliefs.results.history import PosteriorHistory

ROW_VARIABLES = ("row_summary", "row_source", "row_rationale", "row_file", "row_group", "row_step", "row_reliability", "row_date")
# history.nc follows ArviZ's InferenceData schema, one group per kind of variable; reading it
# back merges the groups into the one Dataset `beliefs.results.history` describes.
FILE_GROUPS = {
    "posterior": ("latent_draws", "draw_hypothesis"),  # dims (chain, draw, step, ...): draws from the exact posterior, or NUTS's
    "sample_stats": SAMPLE_STATS,  # NUTS only: the sampler's statistics of each draw, dims (chain, draw, step)
    "convergence": DIAGNOSTICS,  # NUTS only: each step's convergence checks, dims (step[, latent])
    "step_probabilities": ("hypothesis_probability", "latent_mean", "latent_q05", "latent_q95", "latent_density", "state_given_hypothesis",
                           "hypothesis_probability_at_by", "joint_probability", "ungrouped_probability"),  # exact, per step
    "observed_data": ROW_VARIABLES,  # the evidence rows
    "constant_data": ("row_weight", *INFLUENCE_VARIABLES),
    "forecast": FORECAST_VARIABLES,
}


def to_datatree(history: PosteriorHistory) -> xr.DataTree:
    """The history in ArviZ's InferenceData layout (see `FILE_GROUPS`): `posterior` and
    `sample_stats` with `chain` and `draw` first, and every group stamped with `created_at`,
    `inference_library` and `inference_library_version`."""
    from beliefs import __version__

    library = "nutpie" if history.method == "nuts" else "beliefs"
    stamp = {"created_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(), "inference_library": library,
             "inference_library_version": _version(library) if library != "beliefs" else __version__, "beliefs_engine": history.engine}
    groups: dict[str, xr.Dataset] = {}
    placed: set[str] = set()
    for group, names in FILE_GROUPS.items():
        present = [name for name in names if name in history.dataset]
        if present:
            part = _posterior(history) if group == "posterior" else history.sample_stats() if group == "sample_stats" \
                else history.dataset[present]
            part.attrs = dict(stamp)
            groups[group] = part
            placed.update(present)
    rest = [name for name in history.dataset.data_vars if name not in placed]
    if rest:  # a variable no group names yet is kept, with the exact step probabilities
        groups["step_probabilities"] = xr.merge([groups.get("step_probabilities", xr.Dataset()), history.dataset[rest]], combine_attrs="drop")
        groups["step_probabilities"].attrs = dict(stamp)
    root = xr.Dataset(attrs=history.dataset.attrs)
    return xr.DataTree.from_dict({"/": root, **{f"/{name}": part for name, part in groups.items()}})


def _posterior(history: PosteriorHistory) -> xr.Dataset:
    """ArviZ's posterior: one variable per latent (a state's draws are 0 or 1) and the hypothesis
    paired with each draw, all with dims (chain, draw, step)."""
    draws = history.latent_draws.transpose("chain", "draw", "step", "latent").drop_vars(["latent", "latent_kind"], errors="ignore")
    variables = {name: draws.isel(latent=j) for j, name in enumerate(history.latents)}
    return xr.Dataset({**variables, "draw_hypothesis": history.draw_hypothesis.transpose("chain", "draw", "step")})


def write_history(history: PosteriorHistory, path: str | Path) -> None:
    """Write `history` to `path`; `row_weight` (step x row, mostly 0 and 1) compressed.

    Built in memory and written with one plain write: HDF5 that fails to write a file (a
    full disk) leaves a handle that crashes the interpreter when it is later closed.
    """
    encoding = {"/constant_data": {"row_weight": {"zlib": True, "complevel": 1}}} if "row_weight" in history.dataset else {}
    if history.has_sample_stats:  # a value per draw and step, mostly repeated (step sizes, depths, False)
        encoding["/sample_stats"] = {name: {"zlib": True, "complevel": 1} for name in history.sample_stats().data_vars}
    data = to_datatree(history).to_netcdf(engine="h5netcdf", encoding=encoding or None)
    Path(path).write_bytes(data)


def read_dataset(path: str | Path) -> xr.Dataset:
    """The history's Dataset from a file `write_history` wrote: the groups merged back into one."""
    with xr.open_datatree(path, engine="h5netcdf") as tree:
        attrs = dict(tree.attrs)
        parts = {}
        for name, node in tree.children.items():
            part = node.to_dataset(inherit=False).load()
            part.attrs = {}
            parts[name] = part
    posterior = parts.pop("posterior")
    dataset = xr.merge([p.transpose("step", ...) if "step" in p.dims else p for p in parts.values()], compat="no_conflicts", join="outer",
                       combine_attrs="drop")
    latents = [str(name) for name in dataset["latent"].values]
    if latents:
        draws = xr.concat([posterior[name] for name in latents], dim="latent", coords="minimal", compat="override")
    else:
        sizes = posterior.sizes
        draws = xr.DataArray(np.zeros((sizes["chain"], sizes["draw"], sizes["step"], 0)), dims=("chain", "draw", "step", "latent"))
    dataset["latent_draws"] = draws.transpose("step", "chain", "draw", "latent").assign_coords(latent=dataset["latent"])
    dataset["draw_hypothesis"] = posterior["draw_hypothesis"].transpose("step", "chain", "draw")
    return dataset[_ordered(dataset)].assign_attrs(attrs)


def _ordered(dataset: xr.Dataset) -> list[str]:
    """The variables in the order `assemble` builds them, so that a history read back is the one written."""
    first = [name for name in ("hypothesis_probability", "latent_draws", "latent_mean", "latent_q05", "latent_q95", "draw_hypothesis")
             if name in dataset]
    return first + [name for name in dataset.data_vars if name not in first]


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


