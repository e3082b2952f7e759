"""Resolution and scoring: every formula against a hand computation, calibration and the Murphy
decomposition against a direct computation, the JSON contract, and bad resolutions."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import run_beliefs

import beliefs
from beliefs.results.scoring import Portfolio, score_history, score_report

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
FILES = {"2025-01-11.csv": HEADER + "strong,s,0.8,0.2\n", "2025-02-10.csv": HEADER + "flat,f,0.5,0.5\n",
         "2025-03-05.csv": HEADER + "late,after the resolution,0.1,0.9\n"}


def resolved(make_workspace, outcome: str = "a", name: str = "ws", files=FILES):
    text = SCENARIO.format(title=name, outcome=f'outcome = "{outcome}"' if outcome else "")
    return beliefs.compute_history(beliefs.load_workspace(make_workspace(files, scenario=text, name=name)), engine="exact")


def test_scores_match_a_hand_computation(make_workspace):
    score = score_history(resolved(make_workspace))
    assert score.dates == ["2025-01-01", "2025-01-11", "2025-02-10"]  # the row after 20 February is not scored
    np.testing.assert_allclose(score.days, [10, 30, 10])
    np.testing.assert_allclose(score.brier, [0.5, 0.08, 0.08], atol=1e-12)
    np.testing.assert_allclose(score.log_score, [1.0, -math.log2(0.8), -math.log2(0.8)], atol=1e-12)
    summary = score.summary()
    assert summary["time_weighted"]["brier"] == pytest.approx((10 * 0.5 + 40 * 0.08) / 50, abs=1e-6)
    assert summary["time_weighted"]["log_score"] == pytest.approx((10 * 1 + 40 * -math.log2(0.8)) / 50, abs=1e-6)
    assert summary["baselines"] == {"prior": {"brier": 0.5, "log_score": 1.0}, "uniform": {"brier": 0.5, "log_score": 1.0}}
    assert summary["skill"]["prior"]["brier"] == pytest.approx(1 - 0.164 / 0.5, abs=1e-6)
    assert summary["rows"] == [{"id": "strong", "date": "2025-01-11", "contribution_bits": 2.0},
                               {"id": "flat", "date": "2025-02-10", "contribution_bits": 0.0}]


def test_a_wrong_path_scores_worse_than_its_baselines(make_workspace):
    summary = score_history(resolved(make_workspace, outcome="b")).summary()
    assert summary["time_weighted"]["brier"] == pytest.approx((10 * 0.5 + 40 * 1.28) / 50, abs=1e-6)
    assert summary["skill"]["uniform"]["brier"] < 0 and summary["skill"]["prior"]["log_score"] < 0
    assert summary["rows"][-1] == {"id": "strong", "date": "2025-01-11", "contribution_bits": -2.0}


def test_calibration_and_murphy_match_a_direct_computation(make_workspace):
    report = score_report([("one", resolved(make_workspace))])
    portfolio = report["portfolio"]
    bins = {(round(row["low"], 1)): row for row in portfolio["calibration"] if row["weight"]}
    assert set(bins) == {0.2, 0.5, 0.8}
    assert bins[0.5] == {"low": 0.5, "high": 0.6, "forecast": 0.5, "observed": 0.5, "weight": 20.0}
    assert bins[0.8]["observed"] == 1.0 and bins[0.8]["weight"] == 40.0 and bins[0.2]["observed"] == 0.0
    assert portfolio["murphy"] == {"reliability": 0.032, "resolution": 0.2, "uncertainty": 0.25}


def test_murphy_terms_add_up_to_the_binary_brier_score():
    """With the forecasts within each bin equal, Brier = reliability - resolution + uncertainty."""
    rng = np.random.default_rng(4)
    forecasts = rng.choice([0.05, 0.15, 0.33, 0.5, 0.72, 0.95], size=400)
    outcomes = (rng.uniform(size=400) < forecasts).astype(float)
    weights = rng.integers(1, 30, size=400).astype(float)
    portfolio = Portfolio(forecasts, outcomes, weights, [0.0], [0.0])
    murphy = portfolio.murphy()
    brier = np.sum(weights * (forecasts - outcomes) ** 2) / weights.sum()
    assert murphy["reliability"] - murphy["resolution"] + murphy["uncertainty"] == pytest.approx(brier, abs=1e-5)
    for row in portfolio.calibration():
        inside = (forecasts >= row["low"]) & (forecasts < row["high"])
        assert row["weight"] == pytest.approx(weights[inside].sum())
        if row["weight"]:
            assert row["observed"] == pytest.approx(np.average(outcomes[inside], weights=weights[inside]), abs=1e-6)


def test_score_json_has_the_contract_shape_and_lists_unresolved(make_workspace):
    root_a = resolved(make_workspace, name="first")
    open_question = make_workspace(FILES, scenario=SCENARIO.format(title="open", outcome=""), name="open")
    assert root_a  # computed once above; the CLI computes its own (cached) histories
    result = run_beliefs("score", root_a.dataset.attrs["workspace"], open_question, "--json", cwd=open_question.parent)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"workspaces", "portfolio"}
    first, second = report["workspaces"]
    assert {"workspace", "title", "status", "outcome", "resolved_on", "steps", "time_weighted", "baselines"} <= set(first)
    assert first["status"] == "resolved" and first["outcome"] == "a" and first["resolved_on"] == "2025-02-20"
    assert set(first["steps"][0]) == {"date", "brier", "log_score", "hindcast"}  # hindcast: null outside git
    assert first["steps"][0]["hindcast"] is None and first["hindcast_share"] is None and first["real_time"] is None
    assert set(first["baselines"]) == {"prior", "uniform"} and set(first["time_weighted"]) == {"brier", "log_score"}
    assert second["status"] == "unresolved" and second["workspace"] == str(open_question)
    assert set(report["portfolio"]) == {"resolved", "brier", "log_score", "calibration", "murphy", "hindcast_share"}
    assert report["portfolio"]["resolved"] == 1 and len(report["portfolio"]["calibration"]) == 10
    assert set(report["portfolio"]["calibration"][0]) == {"low", "high", "forecast", "observed", "weight"}
    assert set(report["portfolio"]["murphy"]) == {"reliability", "resolution", "uncertainty"}
    table = run_beliefs("score", root_a.dataset.attrs["workspace"], open_question, cwd=open_question.parent)
    assert table.returncode == 0 and "unresolved" in table.stdout and "Calibration" in table.stdout


@pytest.mark.parametrize(
    "change, message",
    [
        (('outcome = "a"', 'outcome = "c"'), "scenario.toml:10:1: outcome 'c' is not a hypothesis; write one of a, b"),
        (('b = "A does not happen by 1 March"\n', ""), "scenario.toml:13:13: no criterion for b; give every hypothesis an observable criterion"),
        (("resolved_on = 2025-02-20", "resolved_on = 2024-12-20"),
         "scenario.toml:11:1: resolution.resolved_on = 2024-12-20 is not after prior_date 2025-01-01"),
        (('b = "A does not happen by 1 March"', 'c = "x"\nb = "y"'), "scenario.toml:15:1: criterion for 'c', which is not a hypothesis"),
        (("by = 2025-03-01\n", ""), "scenario.toml:8:2: missing required key resolution.by; add by = 2025-12-31"),
    ],
    ids=["unknown-outcome", "missing-criterion", "resolved-before-prior", "criterion-for-no-hypothesis", "no-by"],
)
def test_bad_resolutions_are_located_errors(make_workspace, change, message):
    text = SCENARIO.format(title="t", outcome='outcome = "a"').replace(*change)
    root = make_workspace({"2025-01-11.csv": FILES["2025-01-11.csv"]}, scenario=text)
    result = run_beliefs("check", root)
    assert result.returncode == 2
    assert message in result.stderr, result.stderr


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_every_example_is_a_valid_resolved_workspace_with_specific_sources(tmp_path):
    folders = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
    assert len(folders) >= 5
    for folder in folders:
        workspace = beliefs.load_workspace(folder)
        resolution = workspace.scenario.resolution
        assert resolution is not None and resolution.resolved, folder.name
        assert resolution.source.startswith("https://"), folder.name
        assert workspace.rows and all(row.source.startswith("https://") and row.rationale for row in workspace.rows), folder.name
        slips = [w for w in workspace.warnings if "is a statement with a likelihood ratio" not in w.message]  # a reviewer's question, not a slip
        assert not slips, (folder.name, slips)


@pytest.mark.slow
def test_score_writes_a_portfolio_page_of_the_examples(tmp_path):
    copies = []
    for folder in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        copies.append(tmp_path / folder.name)
        shutil.copytree(folder, copies[-1], ignore=shutil.ignore_patterns(".beliefs"))
    shutil.copy(EXAMPLES / "README.md", tmp_path / "README.md")  # as `examples/*` matches it: skipped with a note
    out = tmp_path / "portfolio"
    result = run_beliefs("score", *copies, tmp_path / "README.md", "--out", out, "--json")
    assert result.returncode == 0, result.stderr
    assert "skipped" in result.stderr and "README.md" in result.stderr
    report = json.loads(result.stdout)
    assert report["portfolio"]["resolved"] == len(copies)
    assert json.loads((out / "scores.json").read_text()) == report
    page = (out / "index.html").read_text()
    assert 'src="calibration.png"' in page and (out / "calibration.png").stat().st_size > 10_000
    assert f"Scores and calibration of {len(copies)} resolved questions" in page
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "notes.txt").write_text("mine")
    refused = run_beliefs("score", copies[0], "--out", tmp_path / "precious")
    assert refused.returncode == 2 and (tmp_path / "precious" / "notes.txt").read_text() == "mine"


def test_report_shows_criteria_scores_and_the_rows_that_helped(make_workspace, tmp_path):
    from beliefs.outputs.report import write_report

    history = resolved(make_workspace)
    ws = beliefs.load_workspace(make_workspace(FILES, scenario=SCENARIO.format(title="ws", outcome='outcome = "a"'), name="w2"))
    folder = write_report(beliefs.Analysis.of(ws, history), tmp_path / "report")
    html = (folder / "index.html").read_text()
    assert "How the question resolves" in html and "A happens by 1 March" in html
    assert '<span class="score-brier">0.164</span>' in html and "Resolved: a" in html
    assert 'Rows that helped most (raised the probability of the outcome): <a href="#row-strong">strong</a> (+2.00 bits)' in html
    markdown = (folder / "report.md").read_text()
    assert "## How the question resolves" in markdown and "Brier of 0.164" in markdown


def _previous_path(folders: list[Path]) -> str:
    """`beliefs score --json` as it was computed before the scores were kept: every history computed
    afresh and scored, then annotated from git, all in this process."""
    from beliefs.record.track import annotate, portfolio_share
    from beliefs.results.summary import summary_json

    loaded = [beliefs.load_workspace(folder) for folder in folders]
    histories = [beliefs.compute_history(ws, seed=0) for ws in loaded]
    report = score_report([(str(folder), history) for folder, history in zip(folders, histories, strict=True)])
    report["workspaces"] = [annotate(entry, ws, score_history(history), lambda then: beliefs.compute_history(then, seed=0))
                            for entry, ws, history in zip(report["workspaces"], loaded, histories, strict=True)]
    report["portfolio"]["hindcast_share"] = portfolio_share(report["workspaces"])
    return summary_json(report)


def test_kept_scores_print_the_very_bytes_of_scoring_every_history(tmp_path, make_workspace, default_copy):
    """`beliefs score` keeps each question's scores beside its cached history: run cold (every history
    computed), warm (the kept scores, with every history file gone, so none is opened) and after an
    edit (that question scored again), it prints byte for byte what scoring each history afresh
    prints, for a plain question, one with analysts, one with a `[calibration]`, the switching
    default and an unresolved one, all in one git repository."""
    import os
    import subprocess

    portfolio = tmp_path / "portfolio"
    for name in ("01-russia-30-day-ceasefire", "02-trump-putin-meeting"):
        shutil.copytree(EXAMPLES / name, portfolio / name, ignore=shutil.ignore_patterns(".beliefs"))
    panel = portfolio / "panel"
    shutil.copytree(EXAMPLES / "01-russia-30-day-ceasefire", panel, ignore=shutil.ignore_patterns(".beliefs"))
    (panel / "judgments").mkdir()
    (panel / "judgments" / "dora.csv").write_text("id,p_full,p_partial,p_none\nputin-easter-truce,0.1,0.3,0.3\n", encoding="utf-8")
    (panel / "scenario.toml").write_text((panel / "scenario.toml").read_text() + '\n[analysts.dora]\nlabel = "Dora (illustrative)"\n')
    calibrated = portfolio / "02-trump-putin-meeting" / "scenario.toml"
    calibrated.write_text(calibrated.read_text() + '\n[calibration]\nalpha = { statement = 0.4, action = 1.6, "" = 0.8 }\n')
    shutil.copytree(default_copy, portfolio / "default")
    shutil.copytree(make_workspace(FILES, scenario=SCENARIO.format(title="open", outcome=""), name="open"), portfolio / "open")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@example.org", "GIT_COMMITTER_DATE": "2025-05-15T12:00:00Z",
           "GIT_AUTHOR_DATE": "2025-05-15T12:00:00Z"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "portfolio"]):
        subprocess.run(["git", "-C", str(portfolio), *args], check=True, capture_output=True, env=env)
    folders = [portfolio / name for name in ("01-russia-30-day-ceasefire", "panel", "02-trump-putin-meeting", "default", "open")]

    def scored() -> str:
        result = run_beliefs("score", *folders, "--json")
        assert result.returncode == 0, result.stderr
        return result.stdout

    expected = _previous_path(folders)
    report = json.loads(expected)
    assert [entry["status"] for entry in report["workspaces"]] == ["resolved"] * 4 + ["unresolved"]
    assert "analysts" in report["workspaces"][1] and "calibrated" in report["workspaces"][2]
    assert scored() == expected  # cold: every history computed, its scores kept
    kept = sorted(folder.name for folder in folders if (folder / ".beliefs" / "score-exact.json").is_file())
    assert kept == sorted(folder.name for folder in folders)
    for folder in folders:
        (folder / ".beliefs" / "history-exact.nc").unlink()
    assert scored() == expected  # warm: the kept scores alone
    evidence = sorted((folders[0] / "evidence").glob("*.csv"))[-1]
    text = evidence.read_text(encoding="utf-8")
    evidence.write_text(text.replace("Istanbul", "Istanbul,", 1), encoding="utf-8")  # a summary edited: git says now, the scores stay
    edited = _previous_path(folders)
    assert edited != expected and scored() == edited
    evidence.unlink()  # a step removed: that question is scored again
    removed = _previous_path(folders)
    assert json.loads(removed)["workspaces"][0]["steps"] != json.loads(edited)["workspaces"][0]["steps"] and scored() == removed
