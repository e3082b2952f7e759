"""The posterior history: every step's posterior in one labelled xarray Dataset.

Dimensions: `step` (0 is the prior), `hypothesis`, `latent`, and `chain` x `draw` for the
latents' draws; `row` lists the evidence with the step that brought it in. Plots, reports,
notebooks and the JSON summary all read this object and compute nothing new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from beliefs.inference.engines import StepPosterior
from beliefs.inference.likelihoods import LikelihoodTable
from beliefs.inputs.workspace import Workspace
from beliefs.results.summary import JSON_DECIMALS, summary_json

DIAGNOSTICS = ("rhat", "ess_bulk", "ess_tail", "divergences", "converged", "attempts")


@dataclass(frozen=True)
class PosteriorHistory:
    """The posterior after each dated step of one workspace, and how it was computed."""

    dataset: xr.Dataset

    @classmethod
    def assemble(
        cls,
        workspace: Workspace,
        table: LikelihoodTable,
        posteriors: list[StepPosterior],
        engine: str,
        settings: dict,
        seed: int,
    ) -> PosteriorHistory:
        scenario = workspace.scenario
        steps = workspace.steps
        data = {
            "hypothesis_probability": (("step", "hypothesis"), np.stack([p.hypothesis_probability for p in posteriors])),
            "latent_draws": (("step", "chain", "draw", "latent"), np.stack([p.latent_draws for p in posteriors])),
            "latent_mean": (("step", "latent"), np.stack([p.latent_mean for p in posteriors])),
            "latent_q05": (("step", "latent"), np.stack([p.latent_q05 for p in posteriors])),
            "latent_q95": (("step", "latent"), np.stack([p.latent_q95 for p in posteriors])),
            "draw_hypothesis": (("step", "chain", "draw"), np.stack([p.draw_hypothesis for p in posteriors])),
            "row_step": (("row",), table.row_step),
        }
        for name in DIAGNOSTICS:
            if all(name in p.diagnostics for p in posteriors):
                values = np.stack([p.diagnostics[name] for p in posteriors])
                data[name] = (("step", "latent")[: values.ndim], values)
        chains, draws = posteriors[0].latent_draws.shape[:2]
        coords = {
            "step": np.arange(len(steps)),
            "chain": np.arange(chains),
            "draw": np.arange(draws),
            "date": ("step", np.array([s.date for s in steps], dtype="datetime64[D]")),
            "hypothesis": scenario.hypothesis_names,
            "latent": scenario.latent_names,
            "row": table.row_ids,
        }
        attrs = {
            "title": scenario.title,
            "engine": engine,
            "engine_settings": json.dumps(settings, sort_keys=True),
            "seed": seed,
            "labels": json.dumps({name: scenario.label(name) for name in scenario.hypothesis_names + scenario.latent_names}),
            "prior": json.dumps(scenario.prior_probabilities),
        }
        return cls(xr.Dataset(data, coords=coords, attrs=attrs))

    # -- reading ---------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.dataset.attrs["title"]

    @property
    def engine(self) -> str:
        return self.dataset.attrs["engine"]

    @property
    def labels(self) -> dict[str, str]:
        return json.loads(self.dataset.attrs["labels"])

    @property
    def hypotheses(self) -> list[str]:
        return [str(h) for h in self.dataset["hypothesis"].values]

    @property
    def latents(self) -> list[str]:
        return [str(name) for name in self.dataset["latent"].values]

    @property
    def n_steps(self) -> int:
        return self.dataset.sizes["step"]

    @property
    def dates(self) -> list[str]:
        return [str(d)[:10] for d in self.dataset["date"].values]

    @property
    def hypothesis_probability(self) -> xr.DataArray:
        return self.dataset["hypothesis_probability"]

    def evidence_ids(self, step: int) -> list[str]:
        rows = self.dataset["row"].values[self.dataset["row_step"].values == step]
        return [str(r) for r in rows]

    def step_posterior(self, step: int) -> StepPosterior:
        """One step back as an engine result, so the cache can reuse it."""
        ds = self.dataset.sel(step=step)
        diagnostics = {name: ds[name].values for name in DIAGNOSTICS if name in ds}
        return StepPosterior(
            ds["hypothesis_probability"].values,
            ds["latent_draws"].transpose("chain", "draw", "latent").values,
            ds["latent_mean"].values,
            ds["latent_q05"].values,
            ds["latent_q95"].values,
            ds["draw_hypothesis"].transpose("chain", "draw").values,
            diagnostics,
        )

    def latent_posterior(self, step: int) -> xr.Dataset:
        """The latents' draws at one step as an ArviZ-ready posterior (one variable per latent)."""
        draws = self.dataset["latent_draws"].sel(step=step)
        return xr.Dataset({name: draws.sel(latent=name, drop=True) for name in self.latents})

    def step_tree(self, step: int) -> xr.DataTree:
        """Step `step` as an ArviZ DataTree: its posterior, with step 0 as the prior."""
        return xr.DataTree.from_dict({"posterior": self.latent_posterior(step), "prior": self.latent_posterior(0)})

    def summary(self) -> dict:
        """The JSON summary printed by `beliefs update --json` and saved with the report."""
        ds = self.dataset
        steps = []
        for step in range(self.n_steps):
            entry = {
                "date": self.dates[step],
                "evidence": self.evidence_ids(step),
                "hypotheses": {h: _round(ds["hypothesis_probability"].sel(step=step, hypothesis=h)) for h in self.hypotheses},
                "latents": {
                    name: {q: _round(ds[f"latent_{q}"].sel(step=step, latent=name)) for q in ("mean", "q05", "q95")}
                    for name in self.latents
                },
            }
            if "converged" in ds:  # sampled steps carry their convergence checks
                at = ds.sel(step=step)
                entry["diagnostics"] = {
                    "converged": bool(at["converged"]),
                    "rhat_max": _round(at["rhat"].max()),
                    "ess_bulk_min": round(float(at["ess_bulk"].min())),
                    "ess_tail_min": round(float(at["ess_tail"].min())),
                    "divergences": int(at["divergences"]),
                    "attempts": int(at["attempts"]),
                }
            steps.append(entry)
        return {"title": self.title, "engine": self.engine, "steps": steps}

    @property
    def unconverged_steps(self) -> list[int]:
        """Steps whose NUTS chains failed the convergence checks even after a second run."""
        if "converged" not in self.dataset:
            return []
        return [int(s) for s in self.dataset["step"].values[~self.dataset["converged"].values.astype(bool)]]

    def to_json(self) -> str:
        """`summary()` as the exact text `beliefs update --json` prints (stable key order)."""
        return summary_json(self.summary())

    # -- storage ---------------------------------------------------------------------------
    def to_netcdf(self, path: str | Path) -> None:
        self.dataset.to_netcdf(path, engine="h5netcdf")

    @classmethod
    def from_netcdf(cls, path: str | Path) -> PosteriorHistory:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return cls(ds.load())


def _round(value: xr.DataArray) -> float:
    return round(float(value), JSON_DECIMALS)
