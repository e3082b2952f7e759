"""The posterior history: every step's posterior, and everything a reader needs about the rows
and the run that produced it, in one labelled xarray Dataset.

Plots, the report, the command line and the notebooks read this object alone and compute
nothing new. It is built by `beliefs.inference.assemble`; its layout:

* dims `step` (0 is the prior; coordinate `date`), `hypothesis`, `latent` (coordinate
  `latent_kind`: `propensity` or `state`), `chain` x `draw`
  for the latents' draws, `row` for the evidence, `forecast_date` when a forecast is attached;
* per step: `hypothesis_probability`, `latent_draws`, `latent_mean`, `latent_q05`,
  `latent_q95` (for a state latent: `latent_mean` is P(it holds), the quantiles are NaN and
  its draws are 0 or 1), `draw_hypothesis` (the H paired with each draw) and, for engines that have
  them, the convergence checks `rhat`, `ess_bulk`, `ess_tail` (step, latent), `divergences` (all
  the kept run's draws, before any thinning), `converged`, `attempts` (step);
* per step and draw, for a sampler (`SAMPLE_STATS`, NUTS only; dims step, chain, draw, paired with
  `latent_draws`): the sampler's own statistics under the names of ArviZ's `sample_stats` schema:
  `diverging`, `reached_max_treedepth` (bool), `tree_depth`, `n_steps`, `acceptance_rate`,
  `step_size`, `energy`, `energy_error`, `max_energy_error`, `lp` (an exact engine has none);
* per row: `row_step`, `row_date`, `row_summary`, `row_source`, `row_reliability`,
  `row_rationale`, `row_file`, `row_group` ("" for none), `row_kind` ("" for unclassified), `row_weight` (per step and row: the
  weight of its log-likelihood at that step, 0 before it is seen), and its influence (`hypothesis_llr`, `latent_llr`,
  `diagnosticity`, `bears_on_hypotheses`, `bears_on_latent`; defined in `beliefs.inference.influence`,
  read through `influence`, an `Influence` of `beliefs.results.influence`);
* attrs: `title`, `engine`, `method`, `method_text` and `hypotheses_exact` (the engine's own
  words on its method, and whether P(H) is free of sampling error), `has_diagnostics`, `engine_settings`, `seed`,
  `labels`, `prior`, `scenario` (the validated scenario as JSON) and `workspace` (its name);
* when rows are grouped, `ungrouped_probability` (hypothesis): the last step's P(H) had every
  row counted as independent;
* on disk (`to_netcdf`), ArviZ's InferenceData groups (`beliefs.results.history_file`): `posterior` (the draws,
  `chain` and `draw` first), `sample_stats` (the sampler's per-draw statistics, `chain` and `draw`
  first; NUTS only), `convergence` (the per-step checks; NUTS only), `step_probabilities` (exact),
  `observed_data` (the rows), `constant_data` (row weights and influence), `forecast`;
* with a `[calibration]`, `calibrated_probability` (step, hypothesis): the answer with every
  row's log-likelihood multiplied by its alpha (`beliefs.inference.tempering`);
* when the line switches (`[switching]`): `hypothesis_probability` is P(line on the step's date),
  `hypothesis_probability_at_by` (step, hypothesis) P(line on `[resolution] by`), NaN where `by`
  is not after the step, and `joint_probability` (step, joint_state) the chain over (line,
  states) that the forecast carries on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from beliefs.inputs.scenario import Scenario
from beliefs.results.influence import Influence
from beliefs.results.summary import JSON_DECIMALS, summary_json

DIAGNOSTICS = ("rhat", "ess_bulk", "ess_tail", "divergences", "converged", "attempts")
# A sampler's statistics of each draw, named as ArviZ's InferenceData schema names them in `sample_stats`.
SAMPLE_STATS = ("diverging", "reached_max_treedepth", "tree_depth", "n_steps", "acceptance_rate", "step_size", "energy", "energy_error",
                "max_energy_error", "lp")
STEP_VARIABLES = ("hypothesis_probability", "latent_draws", "latent_mean", "latent_q05", "latent_q95", "draw_hypothesis", *DIAGNOSTICS,
                  *SAMPLE_STATS,
                  "state_given_hypothesis", "latent_density", "hypothesis_probability_at_by", "joint_probability")
FORECAST_VARIABLES = ("forecast_mean", "forecast_q05", "forecast_q95", "forecast_hypothesis")


def _variable(name: str, doc: str) -> property:
    """A reader's accessor for one variable of the layout above, so that no reader spells its name."""
    return property(lambda self: self.dataset[name], doc=doc)


@dataclass(frozen=True)
class PosteriorHistory:
    """The posterior after each dated step of one workspace, and how it was computed.

    Parameters
    ----------
    dataset : xarray.Dataset
        The layout described in the module docstring.

    Examples
    --------
    >>> history = beliefs.update_history(beliefs.load_workspace(".")).history  # doctest: +SKIP
    >>> history.hypothesis_probability.sel(step=-1)  # doctest: +SKIP
    """

    dataset: xr.Dataset

    # -- the run -------------------------------------------------------------------------
    @property
    def title(self) -> str:
        """The scenario's title."""
        return self.dataset.attrs["title"]

    @property
    def engine(self) -> str:
        """The engine that computed the history (`exact` or `nuts`)."""
        return self.dataset.attrs["engine"]

    @property
    def method(self) -> str:
        """How the engine computed it: `grid`, `filter`, `nuts` or `closed form`."""
        return self.dataset.attrs["method"]

    @property
    def method_text(self) -> str:
        """The engine's own account of how it computed the numbers (`Engine.describe`), for the report."""
        return self.dataset.attrs["method_text"]

    @property
    def hypotheses_exact(self) -> bool:
        """Whether P(H | rows) carries no sampling error (the engine says; `Engine.hypotheses_exact`)."""
        return bool(int(self.dataset.attrs["hypotheses_exact"]))

    @property
    def settings(self) -> dict:
        """The engine's settings (grid points or draws, tuning steps, chains)."""
        return json.loads(self.dataset.attrs["engine_settings"])

    @property
    def seed(self) -> int:
        """The run's random seed."""
        return int(self.dataset.attrs["seed"])

    @property
    def scenario(self) -> Scenario:
        """The validated scenario the history was computed from (priors, labels, dynamics)."""
        return Scenario.model_validate_json(self.dataset.attrs["scenario"])

    @property
    def workspace_name(self) -> str:
        """The name of the workspace's folder (never a path on the author's machine)."""
        return self.dataset.attrs.get("workspace", "")

    @property
    def labels(self) -> dict[str, str]:
        """The analyst's label of every hypothesis and latent, by name."""
        return json.loads(self.dataset.attrs["labels"])

    @property
    def prior(self) -> dict[str, float]:
        """The hypotheses' prior probabilities, normalised."""
        return json.loads(self.dataset.attrs["prior"])

    # -- dimensions ----------------------------------------------------------------------
    @property
    def hypotheses(self) -> list[str]:
        """Hypothesis names, in the scenario's order."""
        return [str(h) for h in self.dataset["hypothesis"].values]

    @property
    def latents(self) -> list[str]:
        """Latent names, in the scenario's order."""
        return [str(name) for name in self.dataset["latent"].values]

    @property
    def latent_kinds(self) -> dict[str, str]:
        """Each latent's kind: `propensity` (a probability with a Beta prior) or `state` (holds or not)."""
        if "latent_kind" not in self.dataset.coords:
            return dict.fromkeys(self.latents, "propensity")
        return {name: str(kind) for name, kind in zip(self.latents, self.dataset["latent_kind"].values, strict=True)}

    @property
    def states(self) -> list[str]:
        """The state latents, whose `latent_mean` is P(the state holds) and whose draws are 0 or 1."""
        return [name for name, kind in self.latent_kinds.items() if kind == "state"]

    @property
    def propensities(self) -> list[str]:
        """The propensity latents: continuous unknowns with draws and a 90% interval."""
        return [name for name, kind in self.latent_kinds.items() if kind != "state"]

    @property
    def n_steps(self) -> int:
        """The number of steps, the prior (step 0) included."""
        return self.dataset.sizes["step"]

    @property
    def dates(self) -> list[str]:
        """Each step's date as YYYY-MM-DD."""
        return [str(d)[:10] for d in self.dataset["date"].values]

    @property
    def rows(self) -> list[str]:
        """Evidence row ids, in date order."""
        return [str(r) for r in self.dataset["row"].values]

    # -- posterior -----------------------------------------------------------------------
    step_date = _variable("date", "Each step's date (datetime64), dim step.")
    latent_draws = _variable("latent_draws", "The latents' draws, dims (step, chain, draw, latent); a state's are 0 or 1.")
    draw_hypothesis = _variable("draw_hypothesis", "The hypothesis paired with each draw (an index), dims (step, chain, draw).")
    latent_mean = _variable("latent_mean", "Each latent's posterior mean (a state's: P(it holds)), dims (step, latent).")
    latent_q05 = _variable("latent_q05", "Each propensity's 5% quantile (NaN for a state), dims (step, latent).")
    latent_q95 = _variable("latent_q95", "Each propensity's 95% quantile (NaN for a state), dims (step, latent).")
    state_given_hypothesis = _variable("state_given_hypothesis", "P(state holds | H, rows so far), dims (step, hypothesis, state latent).")
    joint_probability = _variable("joint_probability", "With a switching line: P(line and states | rows so far), dims (step, joint_state).")

    def latent_summary(self, statistic: str) -> xr.DataArray:
        """`latent_mean`, `latent_q05` or `latent_q95` by its statistic: `mean`, `q05` or `q95`."""
        return {"mean": self.latent_mean, "q05": self.latent_q05, "q95": self.latent_q95}[statistic]

    # -- rows and their influence --------------------------------------------------------
    row_step = _variable("row_step", "The step each row came in at, dim row.")
    row_date = _variable("row_date", "Each row's date (datetime64), dim row.")
    row_group = _variable("row_group", "Each row's group (\"\" for none), dim row.")
    row_summary = _variable("row_summary", "Each row's summary, dim row.")
    row_weight = _variable("row_weight", "Each row's weight at each step (0 before it is seen), dims (step, row).")
    row_source = _variable("row_source", "Where each row was reported, dim row.")
    row_rationale = _variable("row_rationale", "Why each row's likelihoods are what they are, dim row.")
    row_reliability = _variable("row_reliability", "Each row's reliability, dim row.")
    row_file = _variable("row_file", "The evidence file each row came from, dim row.")

    def row_kind(self, row_id: str) -> str:
        """The row's kind of evidence ("" when unclassified, or in a history written before kinds)."""
        return str(self.dataset["row_kind"].sel(row=row_id).values) if "row_kind" in self.dataset else ""

    @property
    def influence(self) -> Influence:
        """Every row's push on each hypothesis and latent, with the questions a reader asks of it
        (`beliefs.results.influence`: a step's rows strongest first, a row's pushes and strongest push)."""
        return Influence.of(self.dataset)

    @property
    def hypothesis_probability(self) -> xr.DataArray:
        """P(H | rows so far), dims (step, hypothesis)."""
        return self.dataset["hypothesis_probability"]

    @property
    def switches(self) -> bool:
        """Whether the line can move between hypotheses (`[switching]`)."""
        return "joint_probability" in self.dataset

    @property
    def hypothesis_at_by(self) -> xr.DataArray | None:
        """P(line on `[resolution] by` | rows so far), dims (step, hypothesis), NaN where `by` is not
        after the step; None unless the line switches."""
        return self.dataset["hypothesis_probability_at_by"] if self.switches else None

    @property
    def calibrated_probability(self) -> xr.DataArray | None:
        """The tempered answer (step x hypothesis) of a `[calibration]`, or None without one."""
        return self.dataset.get("calibrated_probability")

    def answer(self, step: int) -> xr.DataArray:
        """What the question asks at `step`: P(line on `by`) when the line switches and `by` is
        later, else P(H) at the step (the line then cannot change before `by`)."""
        at_by = self.hypothesis_at_by
        if at_by is not None and not np.isnan(at_by.isel(step=step).values).any():
            return at_by.isel(step=step)
        return self.hypothesis_probability.isel(step=step)

    def evidence_ids(self, step: int) -> list[str]:
        """The ids of the rows that came in at `step`."""
        rows = self.dataset["row"].values[self.dataset["row_step"].values == step]
        return [str(r) for r in rows]

    def latent_posterior(self, step: int) -> xr.Dataset:
        """The propensity latents' draws at one step as an ArviZ-ready posterior (one variable per
        latent); a state's 0/1 draws are left out, its probability is `latent_mean`."""
        draws = self.dataset["latent_draws"].sel(step=step)
        return xr.Dataset({name: draws.sel(latent=name, drop=True) for name in self.propensities})

    @property
    def has_density(self) -> bool:
        """Whether the engine gave each propensity's exact density (exact engines do; samplers give draws)."""
        return "latent_density" in self.dataset

    def latent_density(self, step: int, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A propensity's exact posterior density at one step, as (w, density) on a grid of (0, 1)."""
        if not self.has_density:
            raise ValueError(f"the {self.engine!r} engine gives draws, not densities; use latent_posterior() for the draws")
        density = self.dataset["latent_density"].sel(step=step, latent=name)
        return self.dataset["w"].values, density.values

    # -- groups --------------------------------------------------------------------------
    @property
    def ungrouped_probability(self) -> dict[str, float] | None:
        """The last step's P(H) had every row been counted as independent; None without groups."""
        if "ungrouped_probability" not in self.dataset:
            return None
        return {h: float(self.dataset["ungrouped_probability"].sel(hypothesis=h)) for h in self.hypotheses}

    # -- analysts ------------------------------------------------------------------------
    @property
    def analysts(self) -> dict[str, dict] | None:
        """Each analyst's label and weight (the author first); None without further analysts."""
        return json.loads(self.dataset.attrs["analysts"]) if "analyst_probability" in self.dataset else None

    @property
    def analyst_probability(self) -> xr.DataArray | None:
        """P(H) after each step on each analyst's own rows (step, analyst, hypothesis); None without."""
        return self.dataset.get("analyst_probability")

    # -- diagnostics ---------------------------------------------------------------------
    rhat = _variable("rhat", "R-hat of each latent at each step (sampled engines only), dims (step, latent).")
    ess_bulk = _variable("ess_bulk", "Bulk effective sample size, dims (step, latent).")
    ess_tail = _variable("ess_tail", "Tail effective sample size, dims (step, latent).")
    divergences = _variable("divergences", "Divergent transitions at each step, dim step.")
    converged = _variable("converged", "Whether each step passed the convergence checks, dim step.")
    attempts = _variable("attempts", "Sampling runs each step took (1, or 2 after a retry), dim step.")
    @property
    def has_diagnostics(self) -> bool:
        """Whether the engine's results carry convergence diagnostics (sampled engines do)."""
        return bool(int(self.dataset.attrs["has_diagnostics"]))

    @property
    def has_sample_stats(self) -> bool:
        """Whether the engine's sampler left statistics of each draw (NUTS does; exact engines have no sampler)."""
        return "diverging" in self.dataset

    def sample_stats(self, step: int | None = None) -> xr.Dataset:
        """The sampler's statistics of each draw (`SAMPLE_STATS`, ArviZ's names), `chain` and `draw`
        first, then `step`; at one step without it. Empty when the engine has no sampler."""
        stats = self.dataset[[name for name in SAMPLE_STATS if name in self.dataset]]
        if step is not None:
            return stats.sel(step=step)
        return stats.transpose("chain", "draw", "step") if stats.data_vars else stats

    @property
    def unconverged_steps(self) -> list[int]:
        """Steps whose sampler failed the convergence checks even after a second run."""
        if not self.has_diagnostics:
            return []
        return [int(s) for s in self.dataset["step"].values[~self.dataset["converged"].values.astype(bool)]]

    # -- forecast ------------------------------------------------------------------------
    forecast_date = _variable("forecast_date", "The forecast's dates (datetime64), dim forecast_date.")

    def forecast(self, statistic: str) -> xr.DataArray:
        """The latents' forecast by statistic (`mean`, `q05`, `q95`; a state's mean is P(it holds)), dims (forecast_date, latent)."""
        return self.dataset[f"forecast_{statistic}"]
    @property
    def has_forecast(self) -> bool:
        """Whether a forecast of the latents past the last step is attached."""
        return "forecast_mean" in self.dataset

    @property
    def forecast_dates(self) -> list[str]:
        """The forecast's dates (the first is the last step's date), as YYYY-MM-DD."""
        return [str(d)[:10] for d in self.dataset["forecast_date"].values] if self.has_forecast else []

    def forecast_summary(self) -> dict:
        """The forecast at its horizon, as `beliefs update --json --horizon` adds it."""
        at = self.dataset.isel(forecast_date=-1)
        return {
            "date": self.forecast_dates[-1],
            "latents": {name: {"probability": round(float(at["forecast_mean"].sel(latent=name)), 6)} if kind == "state" else
                        {q: round(float(at[f"forecast_{q}"].sel(latent=name)), 6) for q in ("mean", "q05", "q95")}
                        for name, kind in self.latent_kinds.items()},
        } | ({"hypotheses": {h: round(float(at["forecast_hypothesis"].sel(hypothesis=h)), 6) for h in self.hypotheses}}
             if "forecast_hypothesis" in self.dataset else {})

    # -- summary -------------------------------------------------------------------------
    def summary(self) -> dict:
        """The JSON summary printed by `beliefs update --json` and saved with the report.

        Read from the arrays once, not step by step: an update writes it for every step each time.
        """
        ds = self.dataset
        dates, hypotheses, kinds = self.dates, self.hypotheses, list(self.latent_kinds.items())
        evidence: list[list[str]] = [[] for _ in range(self.n_steps)]
        for row, step in zip(self.rows, ds["row_step"].values, strict=True):
            evidence[step].append(row)
        probability = ds["hypothesis_probability"].transpose("step", "hypothesis").values
        latent = {q: ds[f"latent_{q}"].transpose("step", "latent").values for q in ("mean", "q05", "q95")}
        steps = []
        for step in range(self.n_steps):
            entry = {
                "date": dates[step],
                "evidence": evidence[step],
                "hypotheses": {h: _round(probability[step, i]) for i, h in enumerate(hypotheses)},
                "latents": {name: {"probability": _round(latent["mean"][step, j])} if kind == "state" else
                            {q: _round(latent[q][step, j]) for q in ("mean", "q05", "q95")} for j, (name, kind) in enumerate(kinds)},
            }
            if self.switches and not np.isnan(ds["hypothesis_probability_at_by"].sel(step=step).values).any():
                entry["hypotheses_at_by"] = {h: _round(ds["hypothesis_probability_at_by"].sel(step=step, hypothesis=h)) for h in self.hypotheses}
            if "calibrated_probability" in ds:
                entry["calibrated"] = {h: _round(ds["calibrated_probability"].sel(step=step, hypothesis=h)) for h in self.hypotheses}
            if "analyst_probability" in ds:
                entry["analysts"] = {str(a): {h: _round(ds["analyst_probability"].sel(step=step, analyst=a, hypothesis=h)) for h in self.hypotheses}
                                     for a in ds["analyst"].values}
            if self.has_diagnostics:
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

    def to_json(self) -> str:
        """`summary()` as the exact text `beliefs update --json` prints (stable key order)."""
        return summary_json(self.summary())

    # -- storage -------------------------------------------------------------------------
    def leading_steps(self, count: int) -> xr.Dataset:
        """The per-step variables of the first `count` steps, for the cache to reuse as they are."""
        names = [name for name in STEP_VARIABLES if name in self.dataset]
        return self.dataset[names].isel(step=slice(0, count))

    def to_netcdf(self, path: str | Path) -> None:
        """Write the history as ArviZ's InferenceData (see `beliefs.results.history_file`); `az.from_netcdf`
        opens it and `from_netcdf` reads it back."""
        from beliefs.results.history_file import write_history

        write_history(self, path)

    @classmethod
    def from_netcdf(cls, path: str | Path) -> PosteriorHistory:
        """Read a history written by `to_netcdf`."""
        from beliefs.results.history_file import read_dataset

        return cls(read_dataset(path))


def _round(value: xr.DataArray) -> float:
    return round(float(np.asarray(value)), JSON_DECIMALS)
