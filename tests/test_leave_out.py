"""Leaving rows and groups out from one forward and one backward pass equals refiltering the
workspace without them (the reference: every step filtered again), to 1e-9."""

from __future__ import annotations

import numpy as np
import pytest

import beliefs
from beliefs.inference.sensitivity import _without, refiltered

SCENARIO = """\
title = "Leave out"
prior_date = 2025-01-01

[hypotheses]
a = { prior = 0.5 }
b = { prior = 0.3 }
c = { prior = 0.2 }

[latents.push]
prior = { alpha = 2.0, beta = 5.0 }
volatility = 0.3
drift = { a = 0.3, b = -0.2, c = 0.0 }

[latents.ready]
kind = "state"
prior = 0.2
[latents.ready.switch]
on = { a = 0.2, b = 0.05, c = 0.1 }
off = 0.1

[groups.twice]
correlation = 0.6

[groups.wire]
correlation = 0.3
"""
HEADER = "id,summary,reliability,group,p_a,p_b,p_c,p_push_yes,p_push_no,p_ready_yes,p_ready_no\n"
FILES = {
    "2025-02-01.csv": HEADER + "r1,one,1,twice,0.8,0.3,0.4,0.7,0.3,,\nr2,two,0.9,,0.3,0.6,0.5,0.3,0.6,0.6,0.3\n",
    "2025-03-01.csv": HEADER + "r3,three,1,twice,,,,0.8,0.4,,\nr4,four,1,wire,0.5,0.4,0.4,0.6,0.5,,\n",
    "2025-04-15.csv": HEADER + "r5,five,0.8,,0.2,0.7,0.5,0.2,0.7,0.7,0.2\n",
    "2025-06-01.csv": HEADER + "r6,six,1,twice,0.6,0.5,0.5,0.9,0.2,,\nr7,seven,1,wire,,,,0.3,0.5,0.4,0.5\n",
    "2025-05-01.csv": HEADER + "r9,nine,1,,0.4,0.6,0.5,,,,\n",
    "2025-05-20.csv": HEADER + "r10,ten,1,twice,0.5,0.3,0.5,,,0.3,0.6\n",
    "2025-07-01.csv": HEADER + "r8,eight,0.7,,0.4,0.5,0.6,0.6,0.4,,\n",
}


def masks(workspace: beliefs.Workspace):
    """Every row alone, then every group whole."""
    n = len(workspace.rows)
    for i in range(n):
        yield np.arange(n) == i
    for group in workspace.scenario.groups:
        mask = np.array([row.group == group for row in workspace.rows])
        if mask.any():
            yield mask


def assert_equal_to_refiltering(workspace: beliefs.Workspace) -> int:
    without = _without(workspace)
    count = 0
    for removed in masks(workspace):
        np.testing.assert_allclose(without(removed), refiltered(workspace, removed), rtol=0, atol=1e-9)
        count += 1
    return count


def test_a_drifting_propensity_left_out_row_by_row_equals_refiltering(default_propensity_workspace):
    assert default_propensity_workspace.scenario.latents["willingness"].drift["pressure"] != 0
    assert assert_equal_to_refiltering(default_propensity_workspace) >= len(default_propensity_workspace.rows)


@pytest.mark.parametrize("with_groups", [True, False])
def test_groups_states_and_a_propensity_left_out_equal_refiltering(make_workspace, with_groups):
    files = FILES if with_groups else {k: v.replace(",twice,", ",,").replace(",wire,", ",,") for k, v in FILES.items()}
    workspace = beliefs.load_workspace(make_workspace(files, scenario=SCENARIO))
    assert assert_equal_to_refiltering(workspace) == len(workspace.rows) + (2 if with_groups else 0)


def test_leaving_out_changes_the_answer(make_workspace):
    """The check above is not vacuous: each row moves P(H)."""
    workspace = beliefs.load_workspace(make_workspace(FILES, scenario=SCENARIO))
    full = _without(workspace)(np.zeros(len(workspace.rows), dtype=bool))
    np.testing.assert_allclose(full, refiltered(workspace, np.zeros(len(workspace.rows), dtype=bool)), atol=1e-9)
    assert all(np.abs(_without(workspace)(removed) - full).max() > 1e-4 for removed in masks(workspace))


def test_the_band_filters_every_draw_at_once_as_one_filter_per_draw(make_workspace):
    """The batched filter of the judgment band equals a `ForwardFilter` per draw and step, to 1e-9."""
    import dataclasses

    from beliefs.inference.engines.filter import ForwardFilter
    from beliefs.inference.likelihoods import likelihood_table
    from beliefs.inference.sensitivity import BAND_GRID, _coupled_log_evidence
    from beliefs.inference.spec import ModelSpec

    workspace = beliefs.load_workspace(make_workspace(FILES, scenario=SCENARIO))
    table = likelihood_table(workspace)
    spec = ModelSpec.build(workspace.scenario, table)
    rng = np.random.default_rng(2)
    column = workspace.scenario.latent_names.index("push")
    pair = np.stack([table.latent_yes, table.latent_no], axis=-1)[None, :, [column]]
    pair = np.where(pair < 1, pair * rng.uniform(0.6, 1.0, (3, len(workspace.rows), 1, 2)), 1.0)  # rows not bearing stay ones
    assert (pair == 1).all(axis=(0, 2, 3)).sum() == 2  # two steps without rows on the propensity
    batched = _coupled_log_evidence(spec, pair, len(workspace.steps))
    for n in range(pair.shape[0]):
        one = dataclasses.replace(spec, table=dataclasses.replace(table, latent_yes=pair[n, :, :, 0], latent_no=pair[n, :, :, 1]), states=[])
        for t in range(len(workspace.steps)):
            expected = ForwardFilter(one, grid_points=BAND_GRID, draws=1, chains=1).latent_log_evidence(table.weights_at(t), t)
            np.testing.assert_allclose(batched[n, t], expected, rtol=0, atol=1e-9)


def test_a_switching_line_left_out_row_by_row_equals_refiltering(make_workspace):
    from test_switching import FILES as LINE_FILES
    from test_switching import scenario_text

    workspace = beliefs.load_workspace(make_workspace(LINE_FILES, scenario=scenario_text()))
    assert workspace.scenario.switches
    assert assert_equal_to_refiltering(workspace) >= len(workspace.rows)
