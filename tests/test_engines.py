"""Both engines against the independent closed form, on several workspaces."""

from __future__ import annotations

import numpy as np
import pytest
from closed_form import hypothesis_posterior, latent_posterior

import beliefs

TWO_LATENTS = """\
title = "Two latents, uneven priors"
prior_date = 2025-01-01

[hypotheses]
a = { prior = 2 }
b = { prior = 1 }
c = { prior = 0 }
d = { prior = 1 }

[latents.u]
prior = { alpha = 0.5, beta = 0.5 }

[latents.v]
prior = { alpha = 8.0, beta = 3.0 }
"""
TWO_LATENTS_HEADER = "id,summary,reliability,p_a,p_b,p_c,p_d,p_u_yes,p_u_no,p_v_yes,p_v_no\n"

NO_LATENTS = """\
title = "Hypotheses only"
prior_date = 2025-01-01

[hypotheses]
yes = { prior = 0.3 }
no = { prior = 0.7 }
"""


@pytest.fixture
def small_workspace(make_workspace):
    return beliefs.load_workspace(
        make_workspace(
            {
                "2025-02-01.csv": "r1,first,,0.9,,0.8,0.3,0.5,0.7,0.2\nr2,second,,0.6,,0.2,0.4,0.9,,\n",
                "2025-02-01-more.csv": "r3,third,,1,,,,,0.1,0.6\n",
                "2025-03-15-x.csv": "r4,fourth,,0.5,,0.1,0.9,0.5,0.9,0.4\n",
            }
        )
    )


@pytest.fixture
def two_latent_workspace(make_workspace):
    return beliefs.load_workspace(
        make_workspace(
            {
                "2025-01-05.csv": TWO_LATENTS_HEADER + "a1,x,0.7,0.2,0.9,0.5,0.4,0.9,0.1,,\n",
                "2025-01-09.csv": TWO_LATENTS_HEADER + "a2,y,,,,,,0.05,0.6,0.3,0.8\na3,z,0.2,1,0,0,0.5,,,0.9,0.1\n",
            },
            scenario=TWO_LATENTS,
        )
    )


@pytest.fixture
def no_latent_workspace(make_workspace):
    return beliefs.load_workspace(
        make_workspace({"2025-02-01.csv": "id,summary,p_yes,p_no\nn1,one,0.8,0.4\n", "2025-02-02.csv": "id,summary,p_yes,p_no\nn2,two,0.3,0.6\n"},
                       scenario=NO_LATENTS)
    )


def assert_matches_closed_form(workspace, history, tolerance):
    for step in range(history.n_steps):
        expected = hypothesis_posterior(workspace, step)
        actual = history.hypothesis_probability.sel(step=step).values
        np.testing.assert_allclose(actual, expected, atol=tolerance, err_msg=f"hypotheses at step {step}")
        for name in history.latents:
            exact = latent_posterior(workspace, step, name)
            for stat in ("mean", "q05", "q95"):
                value = float(history.dataset[f"latent_{stat}"].sel(step=step, latent=name))
                assert abs(value - exact[stat]) < tolerance, f"{name} {stat} at step {step}: {value} vs {exact[stat]}"


@pytest.mark.parametrize("fixture", ["small_workspace", "two_latent_workspace", "no_latent_workspace"])
def test_exact_engine_equals_closed_form(fixture, request):
    workspace = request.getfixturevalue(fixture)
    history = beliefs.compute_history(workspace, engine="exact")
    assert history.engine == "exact"
    assert_matches_closed_form(workspace, history, 1e-6)


@pytest.fixture(scope="module")
def default_constant(default_workspace):
    """The default workspace with its latent held constant: the core model, which has a closed form."""
    scenario = default_workspace.scenario
    constant = {name: latent.model_copy(update={"volatility": 0.0, "drift": {}}) for name, latent in scenario.latents.items()}
    return beliefs.Workspace(default_workspace.root, scenario.model_copy(update={"latents": constant}), default_workspace.rows)


def test_exact_engine_on_default_workspace(default_constant):
    history = beliefs.compute_history(default_constant, engine="exact")
    assert history.n_steps == len(default_constant.steps) > 15
    assert_matches_closed_form(default_constant, history, 1e-6)


def test_exact_draws_follow_the_exact_posterior(default_history_exact):
    """The draws the plots use are exact: their summaries agree with the grid's to Monte Carlo error."""
    draws = default_history_exact.dataset["latent_draws"].isel(step=-1).values.reshape(-1, len(default_history_exact.latents))
    mean = default_history_exact.dataset["latent_mean"].isel(step=-1).values
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 4 * draws.std(axis=0) / np.sqrt(draws.shape[0]))


@pytest.mark.slow
def test_nuts_on_default_workspace_equals_closed_form(default_constant):
    history = beliefs.compute_history(default_constant, engine="nuts", seed=5)
    assert history.engine == "nuts"
    assert_matches_closed_form(default_constant, history, 0.01)
    assert float(history.dataset["rhat"].max()) < 1.01


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["small_workspace", "two_latent_workspace"])
def test_nuts_equals_closed_form(fixture, request):
    workspace = request.getfixturevalue(fixture)
    history = beliefs.compute_history(workspace, engine="nuts", seed=3, draws=2500)
    assert_matches_closed_form(workspace, history, 0.01)


def test_step_zero_is_the_prior(default_workspace, default_history_exact):
    prior = default_workspace.scenario.prior_probabilities
    np.testing.assert_allclose(default_history_exact.hypothesis_probability.sel(step=0).values, list(prior.values()), atol=1e-12)
    assert default_history_exact.evidence_ids(0) == []
