"""State latents: a condition that holds or not and switches at rates that depend on H.

The exact engine against brute-force enumeration of every state path (transition matrices
from `scipy.linalg.expm` of the chain's generator), the PyMC model's log-density against the
filter's marginal likelihood, NUTS against exact, the JSON and forecast of a state, and bad input.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

import numpy as np
import pytest
from helpers import run_beliefs
from scipy.linalg import expm
from scipy.special import logsumexp

import beliefs
from beliefs.inference.likelihoods import DAYS_PER_MONTH, likelihood_table
from beliefs.inference.model import ROW_WEIGHT, build_model
from beliefs.inference.spec import ModelSpec

SCENARIO = """\
title = "A state that switches"
prior_date = 2025-01-01

[hypotheses]
a = {{ prior = 0.5 }}
b = {{ prior = 0.3 }}
c = {{ prior = 0.2 }}

[latents.ready]
kind = "state"
label = "Ready to deal"
prior = 0.15
{switch}
{groups}
"""
SWITCH = """
[latents.ready.switch]
on = { a = 0.3, b = 0.05, c = 0.0 }
off = 0.2
"""
HEADER = "id,summary,reliability,group,p_a,p_b,p_c,p_ready_yes,p_ready_no\n"
FILES = {
    "2025-01-20.csv": HEADER + "r1,strike,1,,0.7,0.3,0.4,0.25,0.6\nr2,talks,0.8,,,,,0.6,0.4\n",
    "2025-03-01.csv": HEADER + "r3,offer,1,,,,,0.8,0.3\n",
    "2025-03-15.csv": HEADER + "r4,swap,0.9,,0.5,0.6,0.3,0.5,0.45\n",
    "2025-05-30.csv": HEADER + "r5,halt,1,,0.6,0.2,0.2,0.9,0.1\n",
}
GROUPED = {
    "2025-01-20.csv": HEADER + "r1,strike,1,wave,0.7,0.3,0.4,0.25,0.6\n",
    "2025-03-01.csv": HEADER + "r2,strike again,0.9,wave,0.6,0.4,0.4,0.3,0.6\nr3,offer,1,,,,,0.8,0.3\n",
}


def workspace(make_workspace, files=FILES, switch=SWITCH, groups="", name="ws"):
    return beliefs.load_workspace(make_workspace(files, scenario=SCENARIO.format(switch=switch, groups=groups), name=name))


def brute_force(ws, step: int) -> tuple[np.ndarray, float]:
    """P(H | rows) and P(ready at `step` | rows) by summing over every path of the state."""
    scenario, rows, steps = ws.scenario, ws.rows, ws.steps[: step + 1]
    latent = scenario.latents["ready"]
    months = [(s.date - scenario.prior_date).days / DAYS_PER_MONTH for s in steps]

    def transition(h, dt_months):
        a = latent.switch.rate("on", h) if latent.switch else 0.0
        b = latent.switch.rate("off", h) if latent.switch else 0.0
        return expm(np.array([[-a, a], [b, -b]]) * dt_months)

    def weight(row):
        if row.group is None:
            return 1.0
        k = sum(1 for other in rows if other.group == row.group and other.date <= steps[-1].date)
        return 1.0 / (1.0 + (k - 1) * scenario.groups[row.group].correlation)

    def mixed(values, r):
        values = np.asarray(values, dtype=float)
        return r * values + (1 - r) * values.mean()

    joint = np.zeros((len(scenario.hypotheses), 2))  # (H, state at `step`)
    for h_index, (h, prior) in enumerate(scenario.prior_probabilities.items()):
        hypothesis_likelihood = 1.0
        for row in rows:
            if row.date <= steps[-1].date and row.hypotheses is not None:
                hypothesis_likelihood *= mixed([row.hypotheses[x] for x in scenario.hypothesis_names], row.reliability)[h_index] ** weight(row)
        for path in itertools.product([0, 1], repeat=len(steps)):
            p = latent.prior if path[0] else 1 - latent.prior
            for t in range(1, len(steps)):
                p *= transition(h, months[t] - months[t - 1])[path[t - 1], path[t]]
            for t, s in enumerate(steps):
                for row in s.rows:
                    if "ready" in row.latents:
                        yes, no = mixed(row.latents["ready"], row.reliability)
                        p *= (yes if path[t] else no) ** weight(row)
            joint[h_index, path[-1]] += prior * hypothesis_likelihood * p
    return joint.sum(axis=1) / joint.sum(), joint[:, 1].sum() / joint.sum()


@pytest.mark.parametrize("case", ["switching", "fixed", "grouped"])
def test_exact_engine_equals_enumeration_of_every_path(make_workspace, case):
    if case == "grouped":
        ws = workspace(make_workspace, GROUPED, groups="[groups.wave]\ncorrelation = 0.7\n")
    else:
        ws = workspace(make_workspace, switch=SWITCH if case == "switching" else "")
    history = beliefs.compute_history(ws, engine="exact")
    assert history.latent_kinds == {"ready": "state"} and history.method == "closed form"
    for step in range(len(ws.steps)):
        hypotheses, ready = brute_force(ws, step)
        np.testing.assert_allclose(history.hypothesis_probability.sel(step=step).values, hypotheses, atol=1e-9)
        assert float(history.dataset["latent_mean"].sel(step=step, latent="ready")) == pytest.approx(ready, abs=1e-9)
        assert np.isnan(float(history.dataset["latent_q95"].sel(step=step, latent="ready")))
        draws = history.dataset["latent_draws"].sel(step=step, latent="ready").values
        assert set(np.unique(draws)) <= {0.0, 1.0}


def test_a_row_that_only_a_ready_kremlin_would_produce_moves_the_state(make_workspace):
    """The review's complaint: a "Russia accepts a ceasefire" row with likelihood ratio 99 barely
    moved a propensity. As a state, the posterior odds of readiness rise by the full ratio."""
    ws = workspace(make_workspace, {"2025-02-01.csv": HEADER + "yes,Russia accepts a 30-day ceasefire,1,,,,,0.99,0.01\n"}, switch="")
    history = beliefs.compute_history(ws, engine="exact")
    after = float(history.dataset["latent_mean"].sel(step=1, latent="ready"))
    assert after / (1 - after) == pytest.approx(0.15 / 0.85 * 99, rel=1e-9)


def test_pymc_model_log_density_equals_the_filters_marginal_likelihood(make_workspace):
    from beliefs.inference.engines.states import StateFilter

    ws = workspace(make_workspace, GROUPED, groups="[groups.wave]\ncorrelation = 0.7\n")
    table = likelihood_table(ws)
    spec = ModelSpec.build(ws.scenario, table)
    model = build_model(spec)
    assert not model.free_RVs  # the state is marginalised: nothing to sample
    states = StateFilter(spec)
    for step in range(len(ws.steps)):
        weights = table.weights_at(step)
        model[ROW_WEIGHT].set_value(weights)
        from_model = float(model.compile_logp()({}))
        from_filter = float(logsumexp(spec.log_prior + spec.hypothesis_loglik(weights) + states.run(weights, step)[0]))
        assert from_model == pytest.approx(from_filter, abs=1e-10)


STATE_AND_PROPENSITY = """\
[latents.w]
prior = { alpha = 2.0, beta = 5.0 }
volatility = 0.3
drift = { a = 0.4 }
"""


@pytest.mark.slow
def test_nuts_with_a_continuous_unknown_agrees_with_the_exact_engine(make_workspace):
    files = {name: body.replace("p_ready_yes,p_ready_no\n", "p_ready_yes,p_ready_no,p_w_yes,p_w_no\n").replace("\n", ",,\n")
             .replace("p_w_no,,\n", "p_w_no\n") for name, body in FILES.items()}
    files["2025-04-01.csv"] = HEADER.replace("\n", ",p_w_yes,p_w_no\n") + "w1,w,1,,,,,,,0.8,0.3\n"
    ws = workspace(make_workspace, files, switch=SWITCH + STATE_AND_PROPENSITY)
    exact = beliefs.compute_history(ws, engine="exact")
    nuts = beliefs.compute_history(ws, engine="nuts", draws=1000, seed=3)
    assert exact.method == "filter" and nuts.method == "nuts"
    np.testing.assert_allclose(nuts.hypothesis_probability.values, exact.hypothesis_probability.values, atol=0.01)
    np.testing.assert_allclose(nuts.dataset["latent_mean"].values, exact.dataset["latent_mean"].values, atol=0.01)


def test_json_of_a_state_is_its_probability_and_the_forecast_follows_the_chain(make_workspace):
    ws = workspace(make_workspace)
    result = run_beliefs("update", ws.root, "--json", "--horizon", "60d")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary["steps"][-1]["latents"]["ready"]) == {"probability"}
    history = beliefs.compute_history(ws, engine="exact", draws=4000, horizon_days=60)
    p_h = history.hypothesis_probability.isel(step=-1).values
    _, ready = brute_force(ws, len(ws.steps) - 1)
    # P(ready in 60 days) = sum_H P(H) [P(ready now | H) P_H(on after 60 d) + P(not now | H) ...], from the exact filtered state per H
    from beliefs.inference.engines.states import StateFilter
    from beliefs.inference.spec import transition_matrix

    spec = ModelSpec.build(ws.scenario, likelihood_table(ws))
    by_h = StateFilter(spec).run(likelihood_table(ws).weights_at(len(ws.steps) - 1), len(ws.steps) - 1)[1][:, 0]
    months = 60 / DAYS_PER_MONTH
    expected = sum(p * (q * transition_matrix(ws.scenario.latents["ready"], h, months)[1, 1]
                        + (1 - q) * transition_matrix(ws.scenario.latents["ready"], h, months)[0, 1])
                   for p, q, h in zip(p_h, by_h, history.hypotheses, strict=True))
    assert summary["forecast"]["latents"]["ready"]["probability"] == pytest.approx(expected, abs=1e-6)  # exact, not sampled
    assert history.forecast_summary()["latents"]["ready"]["probability"] == pytest.approx(expected, abs=1e-6)  # rounded as in the JSON
    now = float(history.dataset["latent_mean"].isel(step=-1).sel(latent="ready"))
    assert float(history.dataset["forecast_mean"].isel(forecast_date=0).sel(latent="ready")) == pytest.approx(now, abs=1e-12)
    assert history.forecast_dates[-1] == (dt.date.fromisoformat(history.dates[-1]) + dt.timedelta(days=60)).isoformat()
    assert ready == pytest.approx(float(history.dataset["latent_mean"].isel(step=-1).sel(latent="ready")), abs=1e-9)


@pytest.mark.parametrize(
    "old, new, location, words",
    [
        ('kind = "state"', 'kind = "mood"', "scenario.toml:10:1", "latents.ready.kind = \"mood\" is not valid: expected either \"propensity\""),
        ("prior = 0.15", "prior = 1.0", "scenario.toml:12:1", "strictly between 0 and 1"),
        ("prior = 0.15", "prior = { alpha = 1.0, beta = 3.0 }", "scenario.toml:12:1", "a state latent's prior is one probability"),
        ("off = 0.2", "off = -0.1", "scenario.toml:16:1", "latents.ready.switch.off = -0.1 is not valid: expected a rate per month >= 0"),
        ("on = { a = 0.3, b = 0.05, c = 0.0 }", "on = { a = 0.3, b = 0.05 }", "scenario.toml:15:1", "has no rate for c"),
        ("prior = 0.15", "prior = 0.15\nvolatility = 0.2", "scenario.toml:13:1", "a state latent does not drift or wander"),
    ],
    ids=["unknown-kind", "prior-not-in-0-1", "beta-on-a-state", "negative-rate", "rate-table-missing-a-hypothesis", "volatility-on-a-state"],
)
def test_bad_state_latents_are_located_errors(make_workspace, old, new, location, words):
    scenario = SCENARIO.format(switch=SWITCH, groups="").replace(old, new)
    root = make_workspace({"2025-01-20.csv": FILES["2025-01-20.csv"]}, scenario=scenario)
    result = run_beliefs("check", root)
    assert result.returncode == 2, result.stdout
    assert location in result.stderr and words in result.stderr, result.stderr
