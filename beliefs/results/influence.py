"""The rows' influence as a reader asks for it: each row's push on every hypothesis and latent,
the rows that came in at a step strongest first, a row's strongest push. Everything is selected
from the influence the history carries; nothing is recomputed.

Layout (built by `beliefs.inference.influence.row_influence`, which defines each number, and
merged into the history's Dataset by `beliefs.inference.assemble`): dims `row`, `hypothesis`,
`latent`; `hypothesis_llr` (row, hypothesis), `latent_llr` (row, latent), `diagnosticity` (row),
`bears_on_hypotheses` (row), `bears_on_latent` (row, latent), with the history's `row_step` (row).
`Influence` is the only reader that names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import xarray as xr

INFLUENCE_VARIABLES = ("hypothesis_llr", "latent_llr", "diagnosticity", "bears_on_hypotheses", "bears_on_latent")


class Push(NamedTuple):
    """One push of a row: on a `hypothesis` (its log likelihood ratio against the others) or a
    `latent` (its log ratio high : low), by name."""

    kind: str
    name: str
    value: float


@dataclass(frozen=True)
class RowPushes:
    """A row's push on each hypothesis (None when its likelihoods are equal across them) and on
    each latent it bears on."""

    hypotheses: dict[str, float] | None
    latents: dict[str, float]

    def strongest(self) -> Push | None:
        """The largest push either way (a hypothesis before a latent, a push for before one against
        at equal size); None when the row moves nothing."""
        candidates = [Push("hypothesis", h, v) for h, v in (self.hypotheses or {}).items()]
        candidates += [Push("latent", n, v) for n, v in self.latents.items()]
        if not candidates:
            return None
        best = max(candidates, key=lambda p: (abs(p.value), p.kind == "hypothesis" and p.value > 0))
        return None if best.value == 0 else best


@dataclass(frozen=True)
class Influence:
    """The influence of some rows (every row of a history, or one step's), in their order.

    Parameters
    ----------
    dataset : xarray.Dataset
        The layout in the module docstring (`INFLUENCE_VARIABLES` and `row_step`).

    Examples
    --------
    >>> influence = history.influence  # doctest: +SKIP
    >>> influence.rows_of_step(1).rows, influence.strongest_effect("r1")  # doctest: +SKIP
    """

    dataset: xr.Dataset

    @classmethod
    def of(cls, dataset: xr.Dataset) -> Influence:
        """The influence part of a history's Dataset."""
        return cls(dataset[[*INFLUENCE_VARIABLES, "row_step"]])

    @property
    def rows(self) -> list[str]:
        """The rows' ids, in this influence's order."""
        return [str(r) for r in self.dataset["row"].values]

    @property
    def row_step(self) -> np.ndarray:
        """The step each row came in at, in the rows' order."""
        return self.dataset["row_step"].values

    @property
    def hypothesis_llr(self) -> xr.DataArray:
        """Each row's log likelihood ratio per hypothesis, dims (row, hypothesis)."""
        return self.dataset["hypothesis_llr"]

    @property
    def latent_llr(self) -> xr.DataArray:
        """Each row's push on each latent (log ratio high : low), dims (row, latent)."""
        return self.dataset["latent_llr"]

    @property
    def diagnosticity(self) -> xr.DataArray:
        """The largest log ratio of a row's likelihoods between two hypotheses, dim row."""
        return self.dataset["diagnosticity"]

    @property
    def bears_on_hypotheses(self) -> xr.DataArray:
        """Whether a row's likelihoods differ between hypotheses, dim row."""
        return self.dataset["bears_on_hypotheses"]

    @property
    def bears_on_latent(self) -> xr.DataArray:
        """Whether a row bears on each latent, dims (row, latent)."""
        return self.dataset["bears_on_latent"]

    def pushes(self, row: str) -> RowPushes:
        """One row's push on each hypothesis and on each latent it bears on."""
        one = self.dataset.sel(row=row)
        hypotheses = ({str(h): float(v) for h, v in zip(one["hypothesis"].values, one["hypothesis_llr"].values, strict=True)}
                      if bool(one["bears_on_hypotheses"]) else None)
        latents = {str(n): float(v) for n, v, bears in zip(one["latent"].values, one["latent_llr"].values, one["bears_on_latent"].values,
                                                             strict=True) if bears}
        return RowPushes(hypotheses, latents)

    def strongest_effect(self, row: str) -> Push | None:
        """The largest push of one row as (kind, name, value): kind is "hypothesis" or "latent".

        For a hypothesis the value is its `hypothesis_llr`, for a latent its `latent_llr`; None
        when the row moves nothing (all likelihoods equal).
        """
        return self.pushes(row).strongest()

    def rows_of_step(self, step: int) -> Influence:
        """The rows that came in at `step`, strongest first (by diagnosticity, then by latent push)."""
        selected = self.dataset.isel(row=np.flatnonzero(self.row_step == step))
        if selected.sizes["row"] == 0:
            return Influence(selected)
        latent_push = np.abs(selected["latent_llr"].values).max(axis=1) if selected.sizes["latent"] else np.zeros(selected.sizes["row"])
        order = np.lexsort((-latent_push, -selected["diagnosticity"].values))
        return Influence(selected.isel(row=order))
