"""Both engines against the independent closed form, on several workspaces."""

from __future__ import annotations

import arviz_stats as azs
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


def assert_matches_closed_form(workspace, history, tolerance, sampled=False):
    """P(H) and latent means within `tolerance` of the closed form at every step; so are the 5% and
    95% quantiles, or, for a `sampled` history, within 4 Monte Carlo standard errors of the quantile
    (ArviZ's estimate from the step's own draws) where that is wider: the MCSE of a tail quantile
    from 4000 draws is about 0.005, so 0.01 alone would fail one seed in a few."""
    for step in range(history.n_steps):
        expected = hypothesis_posterior(workspace, step)
        actual = history.hypothesis_probability.sel(step=step).values
        np.testing.assert_allclose(actual, expected, atol=tolerance, err_msg=f"hypotheses at step {step}")
        for name in history.latents:
            exact = latent_posterior(workspace, step, name)
            draws = history.dataset["latent_draws"].sel(step=step, latent=name).values
            for stat in ("mean", "q05", "q95"):
                value = float(history.dataset[f"latent_{stat}"].sel(step=step, latent=name))
                allowed = tolerance
                if sampled and stat != "mean":
                    allowed = max(tolerance, 4 * float(azs.mcse(draws, method="quantile", prob=float(stat[1:]) / 100)))
                assert abs(value - exact[stat]) < allowed, f"{name} {stat} at step {step}: {value} vs {exact[stat]} (allowed {allowed:.4f})"


@pytest.mark.parametrize("fixture", ["small_workspace", "two_latent_workspace", "no_latent_workspace"])
def test_exact_engine_equals_closed_form(fixture, request):
    workspace = request.getfixturevalue(fixture)
    history = beliefs.compute_history(workspace, engine="exact")
    assert history.engine == "exact"
    assert_matches_closed_form(workspace, history, 1e-6)


@pytest.fixture(scope="module")
def default_constant(default_propensity_workspace):
    """The default workspace with readiness as a constant propensity: the core model, which has a closed form."""
    scenario = default_propensity_workspace.scenario
    constant = {name: latent.model_copy(update={"volatility": 0.0, "drift": {}}) for name, latent in scenario.latents.items()}
    return beliefs.Workspace(default_propensity_workspace.root, scenario.model_copy(update={"latents": constant}), default_propensity_workspace.rows)


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
    """NUTS on the default's own rows of 3 April to 5 June 2025 (twenty dated steps, every step
    sampled and checked) equals the closed form; the exact engine is checked on all of them above."""
    dates = sorted({row.date for row in default_constant.rows})[:20]
    early = beliefs.Workspace(default_constant.root, default_constant.scenario, tuple(r for r in default_constant.rows if r.date in dates))
    history = beliefs.compute_history(early, engine="nuts", seed=5)
    assert history.engine == "nuts" and history.n_steps == 21
    assert_matches_closed_form(early, history, 0.01, sampled=True)
    assert float(history.dataset["rhat"].max()) < 1.01


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["small_workspace", "two_latent_workspace"])
def test_nuts_equals_closed_form(fixture, request):
    workspace = request.getfixturevalue(fixture)
    history = beliefs.compute_history(workspace, engine="nuts", seed=3, draws=2500)
    assert_matches_closed_form(workspace, history, 0.01, sampled=True)


def test_step_zero_is_the_prior(default_workspace, default_history_exact):
    prior = default_workspace.scenario.prior_probabilities
    np.testing.assert_allclose(default_history_exact.hypothesis_probability.sel(step=0).values, list(prior.values()), atol=1e-12)
    assert default_history_exact.evidence_ids(0) == []


def test_constant_latent_graph_does_not_depend_on_the_rows(make_workspace):
    """With constant latents the compiled log-density takes the rows as data only, so a workspace
    with one more file has the same graph and PyTensor reuses its compiled code."""
    from pytensor.graph.basic import equal_computations

    from beliefs.inference.likelihoods import likelihood_table
    from beliefs.inference.model import build_model
    from beliefs.inference.spec import ModelSpec

    files = {"2025-01-05.csv": TWO_LATENTS_HEADER + "a1,x,0.7,0.2,0.9,0.5,0.4,0.9,0.1,,\n"}
    models = []
    for name, extra in enumerate(({}, {"2025-02-01.csv": TWO_LATENTS_HEADER + "b1,y,1,0.5,0.5,0.1,0.9,,,0.3,0.6\nb2,z,0.9,0.2,0.3,0.3,0.6,0.5,0.6,,\n"})):
        workspace = beliefs.load_workspace(make_workspace({**files, **extra}, scenario=TWO_LATENTS, name=f"ws{name}"))
        models.append(build_model(ModelSpec.build(workspace.scenario, likelihood_table(workspace))))
    first, second = models
    assert first["latent_yes"].get_value().shape[0] != second["latent_yes"].get_value().shape[0]
    inputs = [[*m.data_vars, *m.value_vars, *m.dim_lengths.values()] for m in models]
    assert equal_computations([first.logp(), first["hypothesis_probability"]], [second.logp(), second["hypothesis_probability"]], *inputs)
