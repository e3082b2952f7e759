"""The model is written once: the forward filter and the PyMC model, both built from one
`ModelSpec`, give the same marginal likelihood of the rows; the engine contract holds for
every registered engine."""

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
