"""Sampling that did not converge is never presented as an answer."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import beliefs


@pytest.fixture(scope="module")
def tiny_nuts(tmp_path_factory):
    """A workspace sampled with far too few draws to reach ESS 400: it cannot converge."""
    from conftest import HEADER, SCENARIO

    root = tmp_path_factory.mktemp("tiny")
    (root / "evidence").mkdir()
    (root / "scenario.toml").write_text(SCENARIO)
    (root / "evidence" / "2025-02-01.csv").write_text(HEADER + "r1,one,,,,0.9,0.2,0.3,0.6,0.3\n")
    return root


@pytest.mark.slow
def test_too_few_draws_are_marked_unconverged_after_a_retry(tiny_nuts):
    history = beliefs.compute_history(beliefs.load_workspace(tiny_nuts), engine="nuts", draws=20, tune=50)
    assert history.unconverged_steps == [0, 1]
    diagnostics = history.summary()["steps"][1]["diagnostics"]
    assert diagnostics["converged"] is False and diagnostics["attempts"] == 2
    assert diagnostics["ess_bulk_min"] < 400


@pytest.mark.slow
def test_enough_draws_converge(tiny_nuts):
    history = beliefs.compute_history(beliefs.load_workspace(tiny_nuts), engine="nuts", draws=1000)
    assert history.unconverged_steps == []
    assert all(step["diagnostics"]["converged"] for step in history.summary()["steps"])


def run(*args):
    return subprocess.run([sys.executable, "-m", "beliefs.cli", "update", *map(str, args)], capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_update_exits_3_on_unconverged_sampling_unless_allowed(tiny_nuts):
    failed = run(tiny_nuts, "--engine", "nuts", "--draws", "10", "--json")
    assert failed.returncode == 3
    assert "did not converge" in failed.stderr and "2025-02-01" in failed.stderr
    assert json.loads(failed.stdout)["steps"][1]["diagnostics"]["converged"] is False
    allowed = run(tiny_nuts, "--engine", "nuts", "--draws", "10", "--allow-unconverged")
    assert allowed.returncode == 0 and "did not converge" in allowed.stderr
