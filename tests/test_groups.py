"""Evidence groups: rows that report one development count by their design effect.

The identities (copies with rho = 1 count as one row; rho = 0 is independence; a group split
across dates reweighs its earlier rows from the later date on), agreement with an independent
closed form and between engines, order invariance, bad input and warnings, and what the history
and the cache record.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from closed_form import hypothesis_posterior, latent_posterior
from helpers import run_beliefs, tree_digest

import beliefs

SCENARIO = """\
title = "Grouped evidence"
prior_date = 2025-01-01

[hypotheses]
a = {{ prior = 0.5 }}
b = {{ prior = 0.3 }}
c = {{ prior = 0.2 }}

[latents.w]
prior = {{ alpha = 2.0, beta = 5.0 }}
{dynamics}

[groups.plan]
label = "One plan, reported three ways"
correlation = {rho}
"""
HEADER = "id,summary,reliability,group,p_a,p_b,p_c,p_w_yes,p_w_no\n"
ROW = "{id},{id},{reliability},{group},0.7,0.3,0.2,0.8,0.3\n"


def workspace(make_workspace, files: dict[str, str], rho: float = 1.0, dynamics: str = "", name: str = "ws") -> beliefs.Workspace:
    bodies = {file: HEADER + body for file, body in files.items()}
    return beliefs.load_workspace(make_workspace(bodies, scenario=SCENARIO.format(rho=rho, dynamics=dynamics), name=name))


def copies(k: int, group: str = "plan", reliability: float = 0.9) -> str:
    return "".join(ROW.format(id=f"r{i}", reliability=reliability, group=group) for i in range(k))


def final(history) -> tuple[np.ndarray, float]:
    return history.hypothesis_probability.isel(step=-1).values, float(history.dataset["latent_mean"].isel(step=-1, latent=0))


# -- the identities ------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [2, 3, 5])
def test_identical_rows_with_full_correlation_count_as_one(make_workspace, k):
    grouped = beliefs.compute_history(workspace(make_workspace, {"2025-02-01.csv": copies(k)}, name="grouped"), engine="exact")
    single = beliefs.compute_history(workspace(make_workspace, {"2025-02-01.csv": copies(1, group="")}, name="single"), engine="exact")
    (p_grouped, w_grouped), (p_single, w_single) = final(grouped), final(single)
    np.testing.assert_allclose(p_grouped, p_single, atol=1e-12)
    assert w_grouped == pytest.approx(w_single, abs=1e-9)
    np.testing.assert_allclose(grouped.dataset["row_weight"].isel(step=-1).values, 1 / k)


def test_zero_correlation_is_independence(make_workspace):
    grouped = beliefs.compute_history(workspace(make_workspace, {"2025-02-01.csv": copies(3)}, rho=0.0, name="grouped"), engine="exact")
    plain = beliefs.compute_history(workspace(make_workspace, {"2025-02-01.csv": copies(3, group="")}, name="plain"), engine="exact")
    np.testing.assert_allclose(final(grouped)[0], final(plain)[0], atol=1e-12)
    assert final(grouped)[1] == pytest.approx(final(plain)[1], abs=1e-9)


@pytest.mark.parametrize("rho", [1.0, 0.5, 0.0])
def test_a_group_split_across_dates_matches_the_closed_form_at_every_step(make_workspace, rho):
    files = {"2025-02-01.csv": ROW.format(id="first", reliability=1, group="plan") + "other,o,0.8,,0.4,0.5,0.6,,\n",
             "2025-03-01.csv": ROW.format(id="second", reliability=0.7, group="plan"),
             "2025-04-01.csv": "late,l,1,,0.2,0.5,0.9,0.4,0.6\n"}
    ws = workspace(make_workspace, files, rho=rho)
    history = beliefs.compute_history(ws, engine="exact")
    for step in range(len(ws.steps)):
        np.testing.assert_allclose(history.hypothesis_probability.sel(step=step).values, hypothesis_posterior(ws, step), atol=1e-9)
        exact = latent_posterior(ws, step, "w")
        assert float(history.dataset["latent_mean"].sel(step=step, latent="w")) == pytest.approx(exact["mean"], abs=1e-7)
        assert float(history.dataset["latent_q95"].sel(step=step, latent="w")) == pytest.approx(exact["q95"], abs=1e-6)
    weights = history.dataset["row_weight"].sel(row="first").values
    np.testing.assert_allclose(weights, [0, 1, 1 / (1 + rho), 1 / (1 + rho), 1 / (1 + rho)][: len(weights)])  # falls when "second" joins
    ungrouped = history.ungrouped_probability
    np.testing.assert_allclose([ungrouped[h] for h in history.hypotheses], hypothesis_posterior(ws, len(ws.steps) - 1, ignore_groups=True), atol=1e-9)


def test_the_forward_filter_reweighs_earlier_steps_when_a_group_grows(make_workspace):
    """A drifting latent: the filter must redo the steps since the group's first row when a later
    row joins; checked against the PyMC model's log-density integrated by quadrature."""
    from quadrature import log_marginal_by_quadrature
    from scipy.special import logsumexp

    from beliefs.inference.engines.exact import GRID_POINTS
    from beliefs.inference.engines.filter import ForwardFilter
    from beliefs.inference.likelihoods import likelihood_table
    from beliefs.inference.model import ROW_WEIGHT, build_model
    from beliefs.inference.spec import ModelSpec

    files = {"2025-02-01.csv": ROW.format(id="first", reliability=1, group="plan"),
             "2025-03-01.csv": "mid,m,1,,,,,0.3,0.6\n",
             "2025-04-01.csv": ROW.format(id="second", reliability=0.8, group="plan")}
    ws = workspace(make_workspace, files, rho=0.6, dynamics="drift = { a = 0.6, c = -0.4 }")
    table = likelihood_table(ws)
    spec = ModelSpec.build(ws.scenario, table)
    filtered = ForwardFilter(spec, grid_points=GRID_POINTS, draws=10, chains=1)
    model = build_model(spec)
    for step in range(len(ws.steps)):  # in order, as the pipeline runs: step 3 must revisit step 1
        weights = table.weights_at(step)
        model[ROW_WEIGHT].set_value(weights)
        from_model = log_marginal_by_quadrature(model, {"w": np.linspace(-25, 25, 40001)})
        assert float(logsumexp(filtered.log_joint(weights, step))) == pytest.approx(from_model, abs=1e-7), step


@pytest.mark.slow
def test_nuts_agrees_with_the_exact_engine_on_grouped_rows(make_workspace):
    files = {"2025-02-01.csv": copies(3), "2025-03-01.csv": ROW.format(id="late", reliability=1, group="")}
    ws = workspace(make_workspace, files, rho=0.7)
    exact = beliefs.compute_history(ws, engine="exact")
    nuts = beliefs.compute_history(ws, engine="nuts", draws=1000, chains=4, seed=2)
    np.testing.assert_allclose(nuts.hypothesis_probability.values, exact.hypothesis_probability.values, atol=0.01)
    np.testing.assert_allclose(nuts.dataset["latent_mean"].values, exact.dataset["latent_mean"].values, atol=0.01)


def test_order_of_rows_and_files_inside_a_group_changes_nothing(make_workspace):
    rows = [ROW.format(id="r0", reliability=0.9, group="plan"), "r1,x,0.6,plan,0.2,0.5,0.4,0.3,0.7\n", "r2,y,1,plan,0.9,0.6,0.1,,\n"]
    reference = None
    for n, order in enumerate(itertools.permutations(rows)):
        split = {"2025-02-01.csv": "".join(order[:2]), "2025-02-01-more.csv": order[2]} if n % 2 else {"2025-02-01.csv": "".join(order)}
        history = beliefs.compute_history(workspace(make_workspace, split, rho=0.4, name=f"ws{n}"), engine="exact")
        result = final(history)
        if reference is None:
            reference = result
        np.testing.assert_allclose(result[0], reference[0], atol=1e-12)
        assert result[1] == pytest.approx(reference[1], abs=1e-9)


# -- what is recorded ------------------------------------------------------------------------------
def test_history_records_groups_and_weights_and_the_json_keeps_its_shape(make_workspace, tmp_path):
    ws = workspace(make_workspace, {"2025-02-01.csv": copies(2), "2025-03-01.csv": ROW.format(id="solo", reliability=1, group="")})
    history = beliefs.compute_history(ws, engine="exact")
    assert list(history.dataset["row_group"].values) == ["plan", "plan", ""]
    assert history.dataset["row_weight"].dims == ("step", "row")
    history.to_netcdf(tmp_path / "h.nc")
    again = beliefs.PosteriorHistory.from_netcdf(tmp_path / "h.nc")
    np.testing.assert_array_equal(again.dataset["row_weight"].values, history.dataset["row_weight"].values)
    summary = json.loads(history.to_json())
    assert set(summary) == {"title", "engine", "steps"}
    assert set(summary["steps"][1]) == {"date", "evidence", "hypotheses", "latents"}


def test_a_later_row_joining_a_group_recomputes_from_its_own_step(make_workspace):
    root = workspace(make_workspace, {"2025-02-01.csv": copies(1), "2025-03-01.csv": "x,x,1,,0.5,0.4,0.3,,\n"}).root
    first = beliefs.update_history(beliefs.load_workspace(root))
    (root / "evidence" / "2025-04-01.csv").write_text(HEADER + ROW.format(id="joins", reliability=1, group="plan"))
    second = beliefs.update_history(beliefs.load_workspace(root))
    assert second.computed_steps == [3]  # earlier steps keep the weights they had
    assert second.summary["steps"][:3] == first.summary["steps"]


# -- bad input and warnings ------------------------------------------------------------------------
def test_undeclared_and_malformed_groups_are_located_errors(make_workspace):
    root = make_workspace({"2025-02-01.csv": HEADER + ROW.format(id="r1", reliability=1, group="plna") + ROW.format(id="r2", reliability=1, group="9x")},
                          scenario=SCENARIO.format(rho=1.0, dynamics=""))
    before = tree_digest(root)
    result = run_beliefs("update", root, "--json")
    assert result.returncode == 2 and result.stdout == ""
    assert "evidence/2025-02-01.csv:2:4: group 'plna' is not declared in scenario.toml (did you mean 'plan'?)" in result.stderr
    assert "evidence/2025-02-01.csv:3:4: group '9x' is not a valid name" in result.stderr
    assert tree_digest(root) == before


def test_a_correlation_outside_zero_to_one_is_a_located_error(make_workspace):
    root = make_workspace({"2025-02-01.csv": HEADER + copies(2)}, scenario=SCENARIO.format(rho=1.2, dynamics=""))
    result = run_beliefs("check", root)
    assert result.returncode == 2
    assert "scenario.toml:15:1: groups.plan.correlation = 1.2 is not valid: expected a number from 0" in result.stderr


def test_check_warns_about_unused_groups_and_likely_redundancy(make_workspace):
    body = HEADER + "r1,x,1,,0.7,0.3,0.2,,\nr2,y,1,,0.7,0.3,0.2,,\n"
    root = make_workspace({"2025-02-01.csv": body}, scenario=SCENARIO.format(rho=1.0, dynamics=""))
    result = run_beliefs("check", root)
    assert result.returncode == 0, result.stderr
    assert "scenario.toml:13:9: group 'plan' is declared but no evidence row uses it" in result.stderr
    assert "evidence/2025-02-01.csv:3:1: row 'r2' has the same likelihoods as row 'r1' (2025-02-01.csv:2) on the same date" in result.stderr
    assert "2 warnings above" in result.stdout


def test_check_warns_when_a_group_mixes_rows_leaning_opposite_ways(make_workspace):
    body = HEADER + ("plan-a,a plan,1,plan,0.7,0.3,0.2,0.8,0.3\n"
                     "plan-b,a counter-row,0.9,plan,0.3,0.7,0.25,0.3,0.8\n")
    root = make_workspace({"2025-02-01.csv": body, "2025-03-01.csv": HEADER + "later,more of it,1,plan,0.6,0.4,0.3,,\n"},
                          scenario=SCENARIO.format(rho=0.5, dynamics=""))
    before = tree_digest(root)
    result = run_beliefs("check", root)
    assert result.returncode == 0, result.stderr
    warning = " ".join(result.stderr.split())
    assert "scenario.toml:13:9: group 'plan' mixes rows leaning opposite ways: " in warning
    # with reliability 0.9 plan-b counts 0.9 x 0.7 + 0.1 x 0.417 = 0.672 against 0.312 (b over a by 2.16),
    # and 0.775 against 0.325 on w (0.9 x 0.8 + 0.1 x 0.55; no over yes by 2.38)
    assert "row 'plan-a' favours a over b (likelihood ratio 2.33) but row 'plan-b' favours b over a (likelihood ratio 2.16)" in warning
    assert "row 'plan-a' favours w yes over no (likelihood ratio 2.67) but row 'plan-b' favours w no over yes (likelihood ratio 2.38)" in warning
    assert "a over c" not in warning and "b over c" not in warning  # every row favours a and b over c
    assert "take it out of the group or give it a group of its own; if it belongs, say why in its rationale" in warning
    assert "exceeds 1.1" in warning
    assert tree_digest(root) == before


def test_check_does_not_warn_about_a_group_leaning_one_way(make_workspace):
    """Rows leaning the same way, a row against them by no more than the tolerance after its
    reliability, and a strong counter-row outside the group: no warning."""
    body = HEADER + ("plan-a,a plan,1,plan,0.7,0.3,0.2,0.8,0.3\n"
                     "plan-b,the plan again,1,plan,0.6,0.4,0.2,0.7,0.4\n"
                     "weak,a faint counter-row,0.05,plan,0.3,0.7,0.2,0.3,0.8\n"
                     "even,a near tie,1,plan,0.5,0.52,0.2,0.5,0.53\n"
                     "apart,a counter-row of its own,1,,0.2,0.8,0.3,0.2,0.9\n")
    root = make_workspace({"2025-02-01.csv": body}, scenario=SCENARIO.format(rho=0.5, dynamics=""))
    result = run_beliefs("check", root)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    assert "5 rows in 1 dated step." in result.stdout and "warning" not in result.stdout, result.stdout

def test_add_and_what_if_take_a_group(make_workspace):
    root = workspace(make_workspace, {"2025-02-01.csv": copies(1)}).root
    flags = ["--p", "a=0.7", "--p", "b=0.3", "--p", "c=0.2", "--latent", "w=0.8,0.3", "--reliability", "0.9"]
    preview = run_beliefs("what-if", root, "--date", "2025-03-01", "--id", "again", "--summary", "Reported again", "--group", "plan", *flags, "--json")
    assert preview.returncode == 0, preview.stderr
    alone = beliefs.compute_history(beliefs.load_workspace(root), engine="exact")
    np.testing.assert_allclose(list(json.loads(preview.stdout)["steps"][-1]["hypotheses"].values()), final(alone)[0], atol=1e-6)  # rho = 1: no news
    added = run_beliefs("add", root, "--date", "2025-03-01", "--id", "again", "--summary", "Reported again", "--group", "plan", *flags)
    assert added.returncode == 0, added.stderr
    assert (root / "evidence" / "2025-03-01.csv").read_text().splitlines()[1].startswith("again,Reported again,,0.9,,plan,")
    typo = run_beliefs("add", root, "--date", "2025-03-02", "--id", "x", "--summary", "x", "--group", "plan_", *flags)
    assert typo.returncode == 2 and "group 'plan_' is not declared in scenario.toml (did you mean 'plan'?)" in typo.stderr
