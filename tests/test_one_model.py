"""The model is written once: the forward filter and the PyMC model, both built from one
`ModelSpec`, give the same marginal likelihood of the rows; the grid's numpy log-density and
P(H) equal the PyMC model's; the engine contract holds for every registered engine."""

from __future__ import annotations

import numpy as np
import pytest
from quadrature import log_marginal_by_quadrature
from scipy.special import logsumexp

import beliefs
from beliefs.inference.engines import REGISTRY, engine_class
from beliefs.inference.engines.base import Engine
from beliefs.inference.engines.exact import GRID_POINTS
from beliefs.inference.engines.filter import ForwardFilter
from beliefs.inference.likelihoods import likelihood_table
from beliefs.inference.model import ROW_WEIGHT, build_model
from beliefs.inference.spec import ModelSpec

MOVING = """\
title = "One model"
prior_date = 2025-01-01

[hypotheses]
a = {{ prior = 0.6 }}
b = {{ prior = 0.4 }}

[latents.w]
prior = {{ alpha = 2.0, beta = 5.0 }}
volatility = {volatility}
drift = {{ a = 0.5, b = -0.3 }}
"""
HEADER = "id,summary,reliability,p_a,p_b,p_w_yes,p_w_no\n"
ROWS = "r1,one,0.9,0.7,0.4,0.8,0.3\nr2,two,1,,,0.2,0.6\n"


def _spec_and_model(make_workspace, volatility: float):
    workspace = beliefs.load_workspace(make_workspace({"2025-03-01.csv": HEADER + ROWS}, scenario=MOVING.format(volatility=volatility)))
    table = likelihood_table(workspace)
    spec = ModelSpec.build(workspace.scenario, table)
    model = build_model(spec)
    model[ROW_WEIGHT].set_value(np.ones(table.n_rows))
    return spec, model


def test_filter_and_pymc_model_agree_on_a_drifting_latent(make_workspace):
    spec, model = _spec_and_model(make_workspace, volatility=0.0)
    z = np.linspace(-25, 25, 40001)
    from_model = log_marginal_by_quadrature(model, {"w": z})
    filtered = ForwardFilter(spec, grid_points=GRID_POINTS, draws=10, chains=1)
    from_filter = float(logsumexp(filtered.log_joint(np.ones(spec.table.n_rows), step=1)))
    assert from_filter == pytest.approx(from_model, abs=1e-7)


def test_filter_and_pymc_model_agree_on_a_random_walk(make_workspace):
    spec, model = _spec_and_model(make_workspace, volatility=0.6)
    assert "innovation" in model.named_vars  # the walk's one step is a free variable of the PyMC model
    from_model = log_marginal_by_quadrature(model, {"w": np.linspace(-12, 10, 1101), "innovation": np.linspace(-8, 8, 801)})
    filtered = ForwardFilter(spec, grid_points=GRID_POINTS, draws=10, chains=1)
    from_filter = float(logsumexp(filtered.log_joint(np.ones(spec.table.n_rows), step=1)))
    assert from_filter == pytest.approx(from_model, abs=1e-5)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "nuts" else n for n in sorted(REGISTRY)])
def test_every_registered_engine_keeps_the_contract(name, make_workspace):
    kind = engine_class(name)
    assert issubclass(kind, Engine) and kind.name == name
    settings = kind.settings_for(draws=50, tune=50, chains=2)
    workspace = beliefs.load_workspace(make_workspace({"2025-03-01.csv": HEADER + ROWS}, scenario=MOVING.format(volatility=0.0)))
    history = beliefs.compute_history(workspace, engine=name, draws=50, tune=50, chains=2, seed=3)
    assert history.engine == name and history.settings == settings
    assert history.has_diagnostics == kind.has_diagnostics
    assert history.method in ("filter", "nuts")
    assert history.unconverged_steps == [] or kind.has_diagnostics


def test_auto_is_the_exact_engine_and_unknown_names_are_refused():
    assert engine_class("auto") is engine_class("exact")
    with pytest.raises(ValueError, match="choose one of auto, exact, nuts"):
        engine_class("gibbs")


SEVERAL = """\
title = "Constant latents, a state, groups and reliability"
prior_date = 2025-01-01

[hypotheses]
a = { prior = 0.5 }
b = { prior = 0.3 }
c = { prior = 0.2 }

[latents.u]
prior = { alpha = 0.5, beta = 0.5 }

[latents.v]
prior = { alpha = 3.0, beta = 2.0 }

[latents.ready]
kind = "state"
prior = 0.15

[latents.ready.switch]
on = { a = 0.3, b = 0.05, c = 0.0 }
off = 0.2

[groups.wave]
correlation = 0.6
"""
SEVERAL_HEADER = "id,summary,reliability,group,p_a,p_b,p_c,p_u_yes,p_u_no,p_v_yes,p_v_no,p_ready_yes,p_ready_no\n"
SEVERAL_FILES = {  # repeated likelihood pairs, a likelihood of 0 at w = 1, and a group whose weights fall as it grows
    "2025-01-20.csv": SEVERAL_HEADER + "r1,one,1,wave,0.7,0.3,0.4,0.8,0.3,,,0.25,0.6\nr2,two,0.8,,,,,0.8,0.3,0.0,0.5,,\n",
    "2025-02-10.csv": SEVERAL_HEADER + "r3,three,1,,,,,0.8,0.3,0.6,0.2,0.8,0.3\nr4,four,1,wave,0.5,0.6,0.3,,,0.0,0.5,,\n",
    "2025-03-15.csv": SEVERAL_HEADER + "r5,five,0.7,wave,0.6,0.2,0.2,0.1,0.9,0.0,0.5,0.9,0.1\n",
    "2025-04-02.csv": SEVERAL_HEADER + "r6,six,1,,0.2,0.5,0.6,0.3,0.7,,,,\n",
}


def _default_with_fixed_line(workspace):
    """The default workspace with its line held fixed (no `[switching]`): the grid's model, whose
    log-density these tests compare; the switching chain is checked in tests/test_switching.py."""
    return beliefs.Workspace(workspace.root, workspace.scenario.model_copy(update={"switching": {}}), workspace.rows)


def _default_with_constant_readiness(workspace):
    """The default workspace, line fixed, with readiness as a constant propensity (a grid latent) instead of a state."""
    from beliefs.inputs.scenario import BetaPrior, Latent

    scenario = workspace.scenario
    latent = Latent(label=scenario.latents["willingness"].label, prior=BetaPrior(alpha=1.5, beta=13.5))
    return beliefs.Workspace(workspace.root, scenario.model_copy(update={"latents": {"willingness": latent}, "switching": {}}), workspace.rows)


@pytest.fixture(params=["default, line fixed", "default, readiness constant", "several latents"])
def constant_workspace(request, make_workspace, default_workspace):
    if request.param == "default, line fixed":
        return _default_with_fixed_line(default_workspace)
    if request.param == "default, readiness constant":
        return _default_with_constant_readiness(default_workspace)
    return beliefs.load_workspace(make_workspace(SEVERAL_FILES, scenario=SEVERAL))


def test_grid_equals_the_pymc_model_log_density(constant_workspace):
    """The grid's numpy log-density (each latent's term plus the hypotheses' and states'
    logsumexp) equals the PyMC model's compiled log-density, Jacobian included, at many points and
    steps; P(H) equals the model's deterministic."""
    import pytensor

    from beliefs.inference.engines.grid import GridPosterior
    from beliefs.inference.model import HYPOTHESIS_PROBABILITY

    table = likelihood_table(constant_workspace)
    spec = ModelSpec.build(constant_workspace.scenario, table)
    assert not spec.moving
    model = build_model(spec)
    grid = GridPosterior(spec, grid_points=GRID_POINTS, draws=10, chains=1)
    logp = model.compile_logp(jacobian=True)
    probability = pytensor.function([], model[HYPOTHESIS_PROBABILITY])
    names = [model.rvs_to_values[rv].name for rv in model.free_RVs]  # one vector of every latent's logit(w), or none
    assert len(names) == (1 if spec.latents else 0)
    points = np.random.default_rng(7).uniform(-10.0, 10.0, size=(60, len(spec.latents)))
    n_steps = len(table.months)
    for step in sorted({0, 1, n_steps // 2, n_steps - 2, n_steps - 1}):
        weights = table.weights_at(step)
        model[ROW_WEIGHT].set_value(weights)
        joint = grid.log_joint(weights, step)
        np.testing.assert_allclose(np.exp(joint - logsumexp(joint)), probability(), rtol=1e-12, atol=1e-15)
        from_grid = logsumexp(joint) + sum(grid.latent_log_density(j, points[:, j], weights) for j in range(len(spec.latents)))
        from_model = [logp({name: point for name in names}) for point in points]
        np.testing.assert_allclose(from_grid, from_model, rtol=1e-12, atol=1e-10, err_msg=f"step {step}")


def test_grid_sums_kept_across_steps_equal_sums_made_afresh(make_workspace):
    """One engine stepping through the history (its grid sums updated with the rows whose weight
    changed, group weights falling included) gives each step what a new engine computes from
    nothing."""
    from beliefs.inference.engines.grid import GridPosterior

    workspace = beliefs.load_workspace(make_workspace(SEVERAL_FILES, scenario=SEVERAL))
    table = likelihood_table(workspace)
    spec = ModelSpec.build(workspace.scenario, table)
    running = GridPosterior(spec, grid_points=GRID_POINTS, draws=200, chains=2)
    steps = [*range(len(table.months)), 2, len(table.months) - 1]  # forwards, then back and forth again
    for step in steps:
        weights = table.weights_at(step)
        kept = running.posterior(weights, step, seed=1)
        fresh = GridPosterior(spec, grid_points=GRID_POINTS, draws=200, chains=2).posterior(weights, step, seed=1)
        for field in ("hypothesis_probability", "latent_mean", "latent_q05", "latent_q95", "latent_draws", "latent_density"):
            np.testing.assert_allclose(getattr(kept, field), getattr(fresh, field), rtol=1e-9, atol=1e-12, err_msg=f"{field} at step {step}")
