"""A close call recorded as probabilities over the outcomes: validated with located messages,
scored in expectation (against a hand computation and against the certain outcomes' scores),
counted with its weights in the calibration, and shown with its split and why in the report."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from helpers import run_beliefs

import beliefs
from beliefs.results.scoring import score_history, score_report

SCENARIO = """\
title = "{title}"
prior_date = 2025-01-01

[hypotheses]
a = {{ prior = 0.5 }}
b = {{ prior = 0.5 }}

[resolution]
by = 2025-03-01
{outcome}
resolved_on = 2025-02-20

[resolution.criteria]
a = "A happens by 1 March"
b = "A does not happen by 1 March"
"""
HEADER = "id,summary,p_a,p_b\n"
FILES = {"2025-01-11.csv": HEADER + "strong,s,0.8,0.2\n", "2025-02-10.csv": HEADER + "flat,f,0.5,0.5\n"}
SPLIT = 'outcome = { a = 0.7, b = 0.3 }\nwhy = "The deal was signed but not ratified"'


def history_of(make_workspace, outcome: str, name: str = "ws"):
    root = make_workspace(FILES, scenario=SCENARIO.format(title=name, outcome=outcome), name=name)
    return beliefs.compute_history(beliefs.load_workspace(root), engine="exact")


def test_an_uncertain_outcome_is_scored_in_expectation_by_hand(make_workspace):
    score = score_history(history_of(make_workspace, SPLIT))
    # P = (0.5, 0.5) at the prior, then (0.8, 0.2) twice; held 10, 30 and 10 days.
    brier_a, brier_b = 2 * 0.2**2, 2 * 0.8**2  # 0.08 against a, 1.28 against b
    np.testing.assert_allclose(score.brier, [0.5, 0.7 * brier_a + 0.3 * brier_b, 0.7 * brier_a + 0.3 * brier_b], atol=1e-12)
    log = 0.7 * -math.log2(0.8) + 0.3 * -math.log2(0.2)
    np.testing.assert_allclose(score.log_score, [1.0, log, log], atol=1e-12)
    summary = score.summary()
    assert summary["outcome"] == {"a": 0.7, "b": 0.3}
    assert summary["time_weighted"]["brier"] == pytest.approx((10 * 0.5 + 40 * 0.44) / 50, abs=1e-6)
    assert summary["time_weighted"]["log_score"] == pytest.approx((10 * 1.0 + 40 * log) / 50, abs=1e-6)
    assert summary["baselines"]["prior"] == {"brier": 0.5, "log_score": 1.0}
    # the strong row's contribution: its log likelihood ratio log2(0.8 / 0.2) = 2 bits for a, -2 for b
    assert summary["rows"][0] == {"id": "strong", "date": "2025-01-11", "contribution_bits": pytest.approx(0.7 * 2 - 0.3 * 2)}


def test_the_expectation_equals_the_weighted_certain_scores(make_workspace):
    split = score_history(history_of(make_workspace, "outcome = { a = 0.25, b = 0.75 }", "split")).summary()
    on_a = score_history(history_of(make_workspace, 'outcome = "a"', "on_a")).summary()
    on_b = score_history(history_of(make_workspace, 'outcome = "b"', "on_b")).summary()
    for key in ("brier", "log_score"):
        assert split["time_weighted"][key] == pytest.approx(0.25 * on_a["time_weighted"][key] + 0.75 * on_b["time_weighted"][key], abs=1e-6)
        for s, a, b in zip(split["steps"], on_a["steps"], on_b["steps"], strict=True):
            assert s[key] == pytest.approx(0.25 * a[key] + 0.75 * b[key], abs=1e-6)


def test_calibration_counts_each_outcome_with_its_weight(make_workspace):
    portfolio = score_report([("one", history_of(make_workspace, SPLIT))])["portfolio"]
    bins = {round(row["low"], 1): row for row in portfolio["calibration"] if row["weight"]}
    # 0.8 for a held 40 days: a came true with weight 0.7; 0.2 for b: with weight 0.3; 0.5 for each: (0.7 + 0.3) / 2
    assert bins[0.8]["observed"] == pytest.approx(0.7) and bins[0.2]["observed"] == pytest.approx(0.3)
    assert bins[0.5]["observed"] == pytest.approx(0.5) and bins[0.8]["weight"] == 40.0
    # the same as two copies of the path, one resolved to a and one to b, weighted 0.7 and 0.3
    murphy = portfolio["murphy"]
    weights = np.array([10, 10, 40, 40.0])
    base = np.sum(weights * np.array([0.7, 0.3, 0.7, 0.3])) / weights.sum()
    assert murphy["uncertainty"] == pytest.approx(base * (1 - base), abs=1e-6)
    reliability = (20 * 0 + 40 * (0.8 - 0.7) ** 2 + 40 * (0.2 - 0.3) ** 2) / 100
    assert murphy["reliability"] == pytest.approx(reliability, abs=1e-6)


@pytest.mark.parametrize(
    "outcome, message",
    [
        ("outcome = { a = 0.7, c = 0.3 }", "scenario.toml:10:22: outcome names 'c', which is not a hypothesis"),
        ("outcome = { a = 1.5, b = -0.5 }", "scenario.toml:10:13: resolution.outcome.a = 1.5 is outside [0, 1]"),
        ("outcome = { a = 0.7, b = 0.2 }", "scenario.toml:10:1: the outcome's probabilities sum to 0.9, not 1"),
        ('outcome = { a = "most", b = 0.2 }', "scenario.toml:10:13: resolution.outcome.a = \"most\" is not valid: expected a probability"),
    ],
    ids=["unknown-hypothesis", "out-of-range", "not-summing-to-1", "not-a-number"],
)
def test_bad_uncertain_outcomes_are_located_errors(make_workspace, outcome, message):
    root = make_workspace({"2025-01-11.csv": FILES["2025-01-11.csv"]}, scenario=SCENARIO.format(title="t", outcome=outcome))
    result = run_beliefs("check", root)
    assert result.returncode == 2
    assert message in result.stderr, result.stderr


def test_a_sum_within_the_tolerance_is_accepted(make_workspace):
    root = make_workspace({"2025-01-11.csv": FILES["2025-01-11.csv"]},
                          scenario=SCENARIO.format(title="t", outcome="outcome = { a = 0.3333333, b = 0.6666667 }"))
    assert run_beliefs("check", root).returncode == 0


def test_score_and_report_show_the_split_and_why(make_workspace, tmp_path):
    from beliefs.outputs.report import write_report

    root = make_workspace(FILES, scenario=SCENARIO.format(title="close", outcome=SPLIT), name="close")
    result = run_beliefs("score", root, "--json")
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stdout)["workspaces"][0]
    assert entry["outcome"] == {"a": 0.7, "b": 0.3} and entry["why"] == "The deal was signed but not ratified"
    table = run_beliefs("score", root)
    assert "a 70%, b 30%" in table.stdout
    workspace = beliefs.load_workspace(root)
    folder = write_report(beliefs.Analysis.of(workspace, beliefs.compute_history(workspace, engine="exact")), tmp_path / "report")
    html = (folder / "index.html").read_text()
    assert "This question has resolved: “a” 70%, “b” 30%" in html
    assert "A close call: the outcome is recorded as probabilities (“a” 70%, “b” 30%)" in html
    assert "Why: The deal was signed but not ratified" in html
    markdown = (folder / "report.md").read_text()
    assert "A close call" in markdown and "Why: The deal was signed but not ratified" in markdown


@pytest.mark.parametrize(("outcome", "stars"), [(SPLIT, {("a", 0.7), ("b", 0.3)}), ('outcome = "a"', {("a", 1.0)})])
def test_the_timeline_puts_a_star_at_each_outcomes_probability(make_workspace, outcome, stars):
    """A close call is drawn as the split it is: a star per answer at its probability on the resolution
    date, not one star at 100% for the likeliest."""
    import matplotlib.colors
    import matplotlib.pyplot as plt

    from beliefs.outputs.plots import plot_timeline
    from beliefs.outputs.plots.style import colour

    history = history_of(make_workspace, outcome)
    figure = plot_timeline(history)
    drawn = {(line.get_color(), float(line.get_ydata()[0])) for ax in figure.axes for line in ax.get_lines() if line.get_marker() == "*"}
    plt.close(figure)
    expected = {(matplotlib.colors.to_hex(colour(history.hypotheses.index(h))), q) for h, q in stars}
    assert {(matplotlib.colors.to_hex(c), y) for c, y in drawn} == expected
