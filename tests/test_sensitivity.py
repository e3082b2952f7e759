"""Robustness and what to watch: leave-one-out against recomputation, the band's collapse at
S = 0, the information against a direct computation, ranking, reproducibility, indicators."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from helpers import run_beliefs, tree_digest

import beliefs
from beliefs.inference.sensitivity import judgment_band, sensitivity
from beliefs.inference.watch import watch
from beliefs.inputs.indicators import load_indicators

SCENARIO = """\
title = "Robustness"
prior_date = 2025-01-01

[hypotheses]
a = { prior = 0.5 }
b = { prior = 0.3 }
c = { prior = 0.2 }

[latents.ready]
kind = "state"
prior = 0.2
[latents.ready.switch]
on = { a = 0.2, b = 0.05, c = 0.1 }
off = 0.1

[groups.twice]
correlation = 0.6
"""
HEADER = "id,summary,reliability,group,p_a,p_b,p_c,p_ready_yes,p_ready_no\n"
FILES = {
    "2025-02-01.csv": HEADER + "r1,one,1,twice,0.8,0.3,0.4,,\nr2,two,0.9,,0.3,0.6,0.5,0.3,0.6\n",
    "2025-03-01.csv": HEADER + "r3,three,1,twice,0.7,0.4,0.4,,\n",
    "2025-04-01.csv": HEADER + "r4,four,0.8,,0.2,0.7,0.5,0.7,0.2\n",
}
INDICATORS = HEADER.replace("reliability,group,", "rationale,reliability,group,") + (
    "x1,strong for a,why,1,,0.6,0.1,0.1,,\n"
    "x2,weak,why,1,,0.3,0.25,0.3,,\n"
    "x3,readiness only,why,1,,,,,0.7,0.1\n"
)


@pytest.fixture
def workspace(make_workspace):
    root = make_workspace(FILES, scenario=SCENARIO)
    (root / "indicators.csv").write_text(INDICATORS)
    return beliefs.load_workspace(root)


def final(ws):
    return beliefs.compute_history(ws, engine="exact").hypothesis_probability.isel(step=-1).values


def test_leave_one_out_and_groups_match_recomputation(workspace):
    result = sensitivity(workspace, draws=50, seed=1)
    np.testing.assert_allclose(list(result.final.hypotheses.values()), final(workspace), atol=1e-6)
    for entry in result.leave_one_out:
        rest = dataclasses.replace(workspace, rows=tuple(r for r in workspace.rows if r.id != entry.id))
        expected = final(rest)
        np.testing.assert_allclose(list(entry.hypotheses.values()), expected, atol=1e-6)
        assert entry.change == pytest.approx(np.max(np.abs(expected - final(workspace))), abs=1e-6)
        assert entry.leader_changes == bool(np.argmax(expected) != np.argmax(final(workspace)))
    assert [e.change for e in result.leave_one_out] == sorted((e.change for e in result.leave_one_out), reverse=True)
    (group,) = result.groups
    assert group.group == "twice" and group.rows == ["r1", "r3"]
    rest = dataclasses.replace(workspace, rows=tuple(r for r in workspace.rows if r.group != "twice"))
    np.testing.assert_allclose(list(group.hypotheses.values()), final(rest), atol=1e-6)


def test_the_band_collapses_to_the_path_without_judgment_noise(workspace):
    history = beliefs.compute_history(workspace, engine="exact")
    band = judgment_band(workspace, judgment_sd=0.0, draws=20, seed=3)
    for step, entry in enumerate(band):
        for h, q in entry["hypotheses"].items():
            exact = float(history.hypothesis_probability.sel(step=step, hypothesis=h))
            assert q["q05"] == q["q50"] == q["q95"] == pytest.approx(exact, abs=1e-6)
    wide = judgment_band(workspace, judgment_sd=1.0, draws=400, seed=3)[-1]["hypotheses"]["a"]
    assert wide["q05"] < wide["q50"] < wide["q95"]


def test_priors_and_dynamics_are_varied_one_at_a_time(workspace):
    result = sensitivity(workspace, draws=10)
    parameters = {(e.parameter, e.factor) for e in result.priors}
    assert ("hypotheses.a.prior", 0.5) in parameters and ("latents.ready.prior", 2.0) in parameters
    assert {e.parameter for e in result.dynamics} == {"latents.ready.switch.on", "latents.ready.switch.off"}
    doubled_a = next(e for e in result.priors if e.parameter == "hypotheses.a.prior" and e.factor == 2.0)
    scenario = workspace.scenario
    changed = scenario.model_copy(update={"hypotheses": {**scenario.hypotheses, "a": scenario.hypotheses["a"].model_copy(update={"prior": 1.0})}})
    np.testing.assert_allclose(list(doubled_a.hypotheses.values()), final(dataclasses.replace(workspace, scenario=changed)), atol=1e-6)


def test_the_same_seed_gives_the_same_json_and_the_shape_is_the_contract(workspace):
    first = run_beliefs("sensitivity", workspace.root, "--json", "--draws", "100", "--seed", "5")
    second = run_beliefs("sensitivity", workspace.root, "--json", "--draws", "100", "--seed", "5")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    result = json.loads(first.stdout)
    assert set(result) == {"final", "leave_one_out", "groups", "band", "priors", "dynamics", "settings"}
    assert result["settings"] == {"judgment_sd": 0.5, "draws": 100, "seed": 5}
    assert set(result["leave_one_out"][0]) == {"id", "hypotheses", "change", "leader_changes"}
    assert set(result["groups"][0]) == {"group", "rows", "hypotheses", "change", "leader_changes"}
    assert set(result["band"][0]) == {"date", "hypotheses"} and set(result["band"][0]["hypotheses"]["a"]) == {"q05", "q50", "q95"}


def _entropy(p):
    return -sum(x * math.log2(x) for x in (p, 1 - p) if x > 0)


def test_watch_information_matches_a_direct_computation_and_ranks(workspace):
    history = beliefs.compute_history(workspace, engine="exact")
    result = watch(workspace, history, load_indicators(workspace))
    assert [e.id for e in result.indicators] == sorted(["x1", "x2", "x3"], key=lambda i: -next(
        e.information_bits for e in result.indicators if e.id == i))
    p_h = history.hypothesis_probability.isel(step=-1).values
    x1 = next(e for e in result.indicators if e.id == "x1")
    likelihood = np.array([0.6, 0.1, 0.1])
    p_x = float(p_h @ likelihood)
    assert x1.probability == pytest.approx(p_x, abs=1e-6)
    assert x1.information_bits == pytest.approx(_entropy(p_x) - sum(p * _entropy(q) for p, q in zip(p_h, likelihood, strict=True)), abs=1e-6)
    np.testing.assert_allclose(list(x1.if_observed.hypotheses.values()), p_h * likelihood / p_x, atol=1e-6)
    np.testing.assert_allclose(list(x1.if_not.hypotheses.values()), p_h * (1 - likelihood) / (1 - p_x), atol=1e-6)
    x3 = next(e for e in result.indicators if e.id == "x3")
    ready = float(history.dataset["latent_mean"].isel(step=-1).sel(latent="ready"))
    p_seen = ready * 0.7 + (1 - ready) * 0.1
    assert x3.probability == pytest.approx(p_seen, abs=1e-6)
    direct = _entropy(p_seen) - (ready * _entropy(0.7) + (1 - ready) * _entropy(0.1))
    assert x3.latent_information_bits["ready"] == pytest.approx(direct, abs=1e-6)


def test_an_indicator_seen_becomes_evidence_and_is_no_longer_watched(workspace):
    root = workspace.root
    before = tree_digest(root / "evidence")
    added = run_beliefs("add", root, "--from-indicator", "x1", "--date", "2025-04-10", "--source", "https://example.org/x1")
    assert added.returncode == 0, added.stderr
    assert tree_digest(root / "evidence").keys() - before.keys() == {"2025-04-10.csv"}
    row = next(r for r in beliefs.load_workspace(root).rows if r.id == "x1")
    assert row.hypotheses == {"a": 0.6, "b": 0.1, "c": 0.1} and row.summary == "strong for a"
    watched = json.loads(run_beliefs("watch", root, "--json").stdout)
    assert "x1" not in [e["id"] for e in watched["indicators"]]
    typo = run_beliefs("add", root, "--from-indicator", "x22", "--date", "2025-04-11")
    assert typo.returncode == 2 and "indicators.csv: no indicator 'x22'" in typo.stderr


def test_a_bad_indicators_file_is_located(workspace):
    (workspace.root / "indicators.csv").write_text(INDICATORS + "x4,bad,why,1,,0.5,1.5,0.2,,\n")
    result = run_beliefs("watch", workspace.root)
    assert result.returncode == 2
    assert "indicators.csv:5:7: p_b: '1.5' is outside [0, 1]" in result.stderr


def test_the_report_shows_robustness_and_what_to_watch(workspace, tmp_path):
    from beliefs.outputs.report import write_report

    history = beliefs.compute_history(workspace, engine="exact")
    robustness = sensitivity(workspace, draws=100)
    ranked = watch(workspace, history, load_indicators(workspace))
    folder = write_report(beliefs.Analysis.of(workspace, history, robustness=robustness, watch=ranked), tmp_path / "report")
    html = (folder / "index.html").read_text()
    assert "How robust is this" in html and (folder / "figures" / "robustness-band.png").is_file()
    linchpins = robustness.linchpins
    if linchpins:  # every row that flips the leader is named as a linchpin
        assert all(f">{row}</a>" in html.split("How robust is this")[1].split("</p>")[0] for row in linchpins)
    else:
        assert "No single row and no single group, left out, changes the leading answer" in html
    assert "What to watch" in html and all(f"<code>{e.id}</code>" in html for e in ranked.indicators)
    markdown = (folder / "report.md").read_text()
    assert "## How robust is this" in markdown and "## What to watch" in markdown


@pytest.mark.slow
def test_the_default_report_names_every_row_that_flips_the_leader(default_workspace, default_history_exact, default_report_run):
    """The shipped analysis: no row flips the leading option without being named as a linchpin.
    A row can flip it only if its largest change exceeds half the leader's margin; those rows are
    recomputed with the engine, the others cannot flip it. (Leaving rows out is exact: the band's
    draws do not change it.)"""
    result = sensitivity(default_workspace, draws=20)
    note = (default_report_run.report / "index.html").read_text().split('<section id="robustness">')[1].split("</p>")[0]
    answer = np.sort(default_history_exact.hypothesis_probability.isel(step=-1).values)
    half_margin = (answer[-1] - answer[-2]) / 2
    for entry in result.leave_one_out:
        if entry.change > half_margin:
            recomputed = final(dataclasses.replace(default_workspace, rows=tuple(r for r in default_workspace.rows if r.id != entry.id)))
            flips = bool(np.argmax(recomputed) != np.argmax(final(default_workspace)))
        else:
            flips = False
        assert entry.leader_changes == flips
        assert (f">{entry.id}</a>" in note) == flips, entry.id
    assert len(load_indicators(default_workspace)) >= 8


def test_watch_on_a_resolved_question_says_so_and_still_ranks(default_copy):
    result = run_beliefs("watch", default_copy, "--json")  # the default resolved on 2025-12-31
    assert result.returncode == 0, result.stderr
    assert "resolved on 2025-12-31 (pressure 50%, concede 45%, walk_away 5.0%)" in " ".join(result.stderr.split())  # recorded as probabilities
    assert json.loads(result.stdout)["indicators"]  # the ranking is still printed, for the record


def test_the_typed_results_print_the_commands_json_exactly(workspace):
    """`Robustness` and `Watch` are typed, and their `to_json()` is, byte for byte, what
    `beliefs sensitivity --json` and `beliefs watch --json` print (other tools read it)."""
    from beliefs.results.robustness import Robustness, Watch

    robustness = sensitivity(workspace, draws=100, seed=5)
    assert isinstance(robustness.leave_one_out[0].change, float) and isinstance(robustness.band[0].hypotheses["a"]["q50"], float)
    printed = run_beliefs("sensitivity", workspace.root, "--json", "--draws", "100", "--seed", "5")
    assert printed.returncode == 0, printed.stderr
    assert robustness.to_json() == printed.stdout
    assert Robustness.from_dict(json.loads(printed.stdout)).to_json() == printed.stdout
    ranked = watch(workspace, beliefs.update_history(workspace).history, load_indicators(workspace))
    printed = run_beliefs("watch", workspace.root, "--json")
    assert printed.returncode == 0, printed.stderr
    assert ranked.to_json() == printed.stdout and Watch.from_dict(json.loads(printed.stdout)).to_json() == printed.stdout
    assert ranked.indicators[0].if_observed.hypotheses_at_by is None and "hypotheses_at_by" not in printed.stdout
