"""Latents that move over time: the exact filter against brute force, NUTS against the
filter, and the constant case against the core model."""

from __future__ import annotations

import numpy as np
import pytest
from brute_force import filtering_posterior

import beliefs

MOVING = """\
title = "A moving latent"
prior_date = 2025-01-01

[hypotheses]
a = {{ prior = 0.5 }}
b = {{ prior = 0.3 }}
c = {{ prior = 0.2 }}

[latents.w]
prior = {{ alpha = 2.0, beta = 5.0 }}
volatility = {volatility}
[latents.w.drift]
a = {drift_a}
b = {drift_b}
"""

FILES = {
    "2025-02-01.csv": "r1,one,,,,0.6,0.5,0.4,0.8,0.3\nr2,two,,0.7,,,,,0.7,0.4\n",
    "2025-03-15-x.csv": "r3,three,,,,0.5,0.5,0.6,0.2,0.6\n",
    "2025-04-10.csv": "r4,four,,0.9,,0.2,0.4,0.5,0.9,0.2\n",
}


def moving_workspace(make_workspace, volatility=0.4, drift_a=0.5, drift_b=-0.3, files=FILES, name="moving"):
    scenario = MOVING.format(volatility=volatility, drift_a=drift_a, drift_b=drift_b)
    return beliefs.load_workspace(make_workspace(files, scenario=scenario, name=name))


@pytest.mark.parametrize("volatility, drift_a, drift_b", [(0.4, 0.5, -0.3), (0.6, 0.0, 0.0), (0.0, 0.8, -0.8)])
def test_filter_equals_brute_force_path_integration(make_workspace, volatility, drift_a, drift_b):
    workspace = moving_workspace(make_workspace, volatility, drift_a, drift_b)
    history = beliefs.compute_history(workspace, engine="exact")
    for step in range(3):  # brute force integrates the whole path: up to 3 dimensions
        probability, latent = filtering_posterior(workspace, step, "w")
        np.testing.assert_allclose(history.hypothesis_probability.sel(step=step).values, probability, atol=1e-6)
        assert abs(float(history.dataset["latent_mean"].sel(step=step, latent="w")) - latent["mean"]) < 1e-6
        for q in ("q05", "q95"):
            assert abs(float(history.dataset[f"latent_{q}"].sel(step=step, latent="w")) - latent[q]) < 2e-4


def test_drift_couples_evidence_on_the_latent_with_the_hypotheses(make_workspace):
    """Rows that bear only on the latent move P(H) when the drift differs between hypotheses."""
    only_latent = {"2025-03-01.csv": "r1,rising,,,,,,,0.9,0.1\n", "2025-05-01.csv": "r2,rising more,,,,,,,0.9,0.1\n"}
    coupled = beliefs.compute_history(moving_workspace(make_workspace, 0.2, 1.0, -1.0, only_latent, "coupled"), engine="exact")
    p = coupled.hypothesis_probability.sel(step=2)
    assert float(p.sel(hypothesis="a")) > 0.5 + 0.05  # rising willingness favours the hypothesis whose drift is upward
    flat = beliefs.compute_history(moving_workspace(make_workspace, 0.2, 0.0, 0.0, only_latent, "flat"), engine="exact")
    np.testing.assert_allclose(flat.hypothesis_probability.sel(step=2).values, [0.5, 0.3, 0.2], atol=1e-12)


def test_constant_latent_gives_the_core_model(make_workspace):
    constant = moving_workspace(make_workspace, 0.0, 0.0, 0.0)
    assert not constant.scenario.time_varying
    core = beliefs.compute_history(constant, engine="exact")
    from beliefs.inference.engines.exact import GRID_POINTS
    from beliefs.inference.engines.filter import ForwardFilter
    from beliefs.inference.likelihoods import likelihood_table
    from beliefs.inference.spec import ModelSpec

    table = likelihood_table(constant)
    engine = ForwardFilter(ModelSpec.build(constant.scenario, table), grid_points=GRID_POINTS, draws=1000, chains=4)
    for step in range(len(constant.steps)):
        result = engine.posterior(table.included_up_to(step), step, seed=0)
        np.testing.assert_allclose(result.hypothesis_probability, core.hypothesis_probability.sel(step=step).values, atol=1e-9)
        np.testing.assert_allclose(result.latent_mean, core.dataset["latent_mean"].sel(step=step).values, atol=1e-7)
        np.testing.assert_allclose(result.latent_q95, core.dataset["latent_q95"].sel(step=step).values, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("volatility, drift_a, drift_b", [(0.4, 0.5, -0.3), (0.3, 0.0, 0.0)])
def test_nuts_equals_filter(make_workspace, volatility, drift_a, drift_b):
    workspace = moving_workspace(make_workspace, volatility, drift_a, drift_b)
    exact = beliefs.compute_history(workspace, engine="exact")
    nuts = beliefs.compute_history(workspace, engine="nuts", seed=2, draws=2000)
    np.testing.assert_allclose(nuts.hypothesis_probability.values, exact.hypothesis_probability.values, atol=0.01)
    np.testing.assert_allclose(nuts.dataset["latent_mean"].values, exact.dataset["latent_mean"].values, atol=0.01)


@pytest.mark.slow
def test_nuts_equals_filter_on_the_default_workspace(default_propensity_early, default_history_nuts):
    """On the default's first twenty dated steps, with readiness as a moving propensity (a path
    for NUTS to sample): P(H) and the latent's mean to 0.01 at every step; its 5% and 95%
    quantiles to 0.01 or four Monte Carlo standard errors of the quantile (ArviZ, from the step's
    own draws), whichever is wider: with the evidence grouped the latent's posterior is wide (q95
    near 0.5), where a tail quantile from 4000 draws has an MCSE of about 0.005."""
    import arviz_stats as azs

    assert default_propensity_early.scenario.time_varying and default_history_nuts.n_steps == 21
    filtered = beliefs.compute_history(default_propensity_early, engine="exact", seed=1)

    np.testing.assert_allclose(default_history_nuts.hypothesis_probability.values, filtered.hypothesis_probability.values, atol=0.01)
    np.testing.assert_allclose(default_history_nuts.dataset["latent_mean"].values, filtered.dataset["latent_mean"].values, atol=0.01)
    for step in range(default_history_nuts.n_steps):
        draws = default_history_nuts.dataset["latent_draws"].sel(step=step, latent="willingness").values
        for stat in ("q05", "q95"):
            allowed = max(0.01, 4 * float(azs.mcse(draws, method="quantile", prob=float(stat[1:]) / 100)))
            sampled, exact = (float(h.dataset[f"latent_{stat}"].sel(step=step, latent="willingness"))
                              for h in (default_history_nuts, filtered))
            assert abs(sampled - exact) < allowed, f"{stat} at step {step}: {sampled} vs {exact} (allowed {allowed:.4f})"
    assert float(default_history_nuts.dataset["rhat"].max()) < 1.01


@pytest.mark.parametrize("volatility, drift_a, drift_b", [(0.4, 0.5, -0.3), (0.0, 0.0, 0.0)])
def test_forecast_equals_filtering_through_an_uninformative_row(make_workspace, volatility, drift_a, drift_b):
    """A row with equal likelihoods carries no information, so the filter's posterior at its date
    is exactly the forecast for that date."""
    from beliefs.inference.forecast import forecast

    workspace = moving_workspace(make_workspace, volatility, drift_a, drift_b)
    predicted = forecast(beliefs.compute_history(workspace, engine="exact", draws=4000), 45, seed=1)
    assert predicted.dates[-1].isoformat() == "2025-05-25"
    blank = {**FILES, "2025-05-25.csv": "r5,nothing new,,,,0.5,0.5,0.5,,\n"}
    later = beliefs.compute_history(moving_workspace(make_workspace, volatility, drift_a, drift_b, blank, "later"), engine="exact")
    for stat in ("mean", "q05", "q95"):
        assert abs(getattr(predicted, stat)[-1, 0] - float(later.dataset[f"latent_{stat}"].isel(step=-1, latent=0))) < 0.01


def test_horizon_flag_adds_a_forecast_to_the_json(make_workspace):
    import json
    import subprocess
    import sys

    root = make_workspace(FILES, scenario=MOVING.format(volatility=0.3, drift_a=0.2, drift_b=0.0))
    result = subprocess.run([sys.executable, "-m", "beliefs.cli", "update", str(root), "--json", "--horizon", "30d"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    ahead = json.loads(result.stdout)["forecast"]
    assert ahead["date"] == "2025-05-10" and set(ahead["latents"]["w"]) == {"mean", "q05", "q95"}
    bad = subprocess.run([sys.executable, "-m", "beliefs.cli", "update", str(root), "--horizon", "soon"], capture_output=True, text=True)
    assert bad.returncode == 2 and "30d, 6w or 3m" in bad.stderr
