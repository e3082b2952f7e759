"""Kinds of evidence and calibration: `beliefs calibrate` against an independent grid search of
its objective on generated resolved questions, per-kind alphas against one alpha, alpha = 1
against today's numbers, `[calibration]`'s tempered path in `update --json`, the report and
`score`, the reviewer's warnings, and bad kinds and bad `[calibration]` tables refused with a line."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import progress_totals, run_beliefs

import beliefs
from beliefs.inference.calibrate import calibrate
from beliefs.results.summary import summary_json

KINDS = ("statement", "action", "proposal", "report", "absence", "")

SCENARIO = """\
title = "{title}"
prior_date = 2025-01-01

[hypotheses]
a = {{ prior = {prior_a} }}
b = {{ prior = {prior_b} }}
c = {{ prior = {prior_c} }}

[resolution]
by = 2025-06-30
outcome = {outcome}
resolved_on = 2025-06-20

[resolution.criteria]
a = "A by 30 June"
b = "B by 30 June"
c = "Neither by 30 June"
{extra}
"""


def generated_questions(root: Path, count: int = 6, seed: int = 3) -> tuple[list[Path], list[dict]]:
    """Resolved questions with random priors, rows, kinds and outcomes (one a close call), written
    as workspaces; also each question as plain numbers for the independent computation."""
    rng = np.random.default_rng(seed)
    folders, plain = [], []
    for q in range(count):
        prior = rng.dirichlet([2, 2, 2])
        outcome = {"a": 0.7, "b": 0.3} if q == 0 else "abc"[rng.integers(3)]
        outcome_toml = '{ a = 0.7, b = 0.3 }' if q == 0 else f'"{outcome}"'
        text = SCENARIO.format(title=f"Question {q}", prior_a=round(prior[0], 4), prior_b=round(prior[1], 4), prior_c=round(prior[2], 4),
                               outcome=outcome_toml, extra="")
        folder = root / f"q{q}"
        (folder / "evidence").mkdir(parents=True)
        (folder / "scenario.toml").write_text(text, encoding="utf-8")
        days = sorted(rng.choice(np.arange(5, 200), size=5, replace=False))
        rows = []
        for k, day in enumerate(days):
            date = dt.date(2025, 1, 1) + dt.timedelta(days=int(day))
            likelihoods = np.round(rng.uniform(0.05, 0.95, size=3), 3)
            kind = KINDS[rng.integers(len(KINDS))]
            (folder / "evidence" / f"{date}.csv").write_text(
                "id,summary,p_a,p_b,p_c,kind\n" + f"r{q}-{k},row {k},{likelihoods[0]},{likelihoods[1]},{likelihoods[2]},{kind}\n", encoding="utf-8")
            rows.append((date, np.log(likelihoods), kind))
        folders.append(folder)
        weights = outcome if isinstance(outcome, dict) else {outcome: 1.0}
        plain.append({"prior": np.log(np.round(prior, 4) / np.round(prior, 4).sum()), "rows": rows,
                      "outcome": np.array([weights.get(h, 0.0) for h in "abc"]), "judged": dt.date(2025, 6, 20)})
    return folders, plain


def independent_score(question: dict, alpha_of) -> float:
    """The time-weighted log score (bits) from the definitions: P(H) after each date, tempered,
    held until the next date (the last until the resolution), step 0 the prior."""
    dates = [dt.date(2025, 1, 1)] + [date for date, _, _ in question["rows"] if date < question["judged"]]
    total, days = 0.0, 0.0
    for i, date in enumerate(dates):
        log_p = question["prior"].copy()
        for when, log_l, kind in question["rows"]:
            if when <= date:
                log_p = log_p + alpha_of(kind) * log_l
        log_p = log_p - np.logaddexp.reduce(log_p)
        held = ((dates[i + 1] if i + 1 < len(dates) else question["judged"]) - date).days
        bits = -sum(q * log_p[h] / math.log(2) for h, q in enumerate(question["outcome"]) if q > 0)
        total += held * bits
        days += held
    return total / days


def calibrate_json(*args) -> dict:
    result = run_beliefs("calibrate", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_calibrate_finds_the_alpha_an_independent_grid_search_finds(tmp_path):
    folders, plain = generated_questions(tmp_path)
    result = calibrate_json(*folders)
    grid = np.arange(0.0, 4.0001, 0.005)
    scores = [sum(independent_score(q, lambda kind, a=a: a) for q in plain) for a in grid]
    best = grid[int(np.argmin(scores))]
    assert 0.05 < best < 3.95  # an interior minimum, so the test says something
    assert result["alpha"] == pytest.approx(best, abs=0.02)
    assert result["log_score"] == pytest.approx(min(scores), abs=1e-4)
    assert result["log_score_at_1"] == pytest.approx(sum(independent_score(q, lambda kind: 1.0) for q in plain), abs=1e-5)
    assert result["interval"]["method"] == "bootstrap over questions"
    assert result["interval"]["low"] <= result["alpha"] <= result["interval"]["high"]
    assert [q["workspace"] for q in result["questions"]] == [str(f) for f in folders]
    # leave one out: each question scored with alpha fitted on the others, by the same independent search
    for i, entry in enumerate(result["leave_one_out"]["questions"]):
        others = [q for j, q in enumerate(plain) if j != i]
        fitted = grid[int(np.argmin([sum(independent_score(q, lambda kind, a=a: a) for q in others) for a in grid]))]
        assert entry["alpha"] == pytest.approx(fitted, abs=0.02)
        assert entry["log_score"] == pytest.approx(independent_score(plain[i], lambda kind, a=entry["alpha"]: a), abs=1e-5)


def test_alpha_1_reproduces_the_scores_of_beliefs_score(tmp_path):
    folders, _ = generated_questions(tmp_path, count=3, seed=5)
    result = calibrate_json(*folders)
    scored = json.loads(run_beliefs("score", *folders, "--json").stdout)
    assert result["log_score_at_1"] == pytest.approx(sum(w["time_weighted"]["log_score"] for w in scored["workspaces"]), abs=1e-5)
    for question, workspace in zip(result["questions"], scored["workspaces"], strict=True):
        assert question["log_score_at_1"] == pytest.approx(workspace["time_weighted"]["log_score"], abs=1e-6)


def test_alphas_by_kind_score_no_worse_than_one_alpha(tmp_path):
    folders, plain = generated_questions(tmp_path)
    one = calibrate_json(*folders)
    by_kind = calibrate_json(*folders, "--by", "kind")
    assert set(by_kind["alpha"]) == {kind for q in plain for _, _, kind in q["rows"]}
    assert "" in by_kind["alpha"]  # unclassified rows have their own alpha
    assert by_kind["log_score"] <= one["log_score"] + 1e-9
    independent = sum(independent_score(q, lambda kind: by_kind["alpha"][kind]) for q in plain)
    assert by_kind["log_score"] == pytest.approx(independent, abs=1e-5)
    assert set(by_kind["interval"]["low"]) == set(by_kind["alpha"])


def test_calibrate_table_figure_and_the_file_a_live_workspace_reads(tmp_path):
    folders, _ = generated_questions(tmp_path, count=4)
    out = tmp_path / "calibration.json"
    table = run_beliefs("calibrate", *folders, "--out", out)
    assert table.returncode == 0, table.stderr
    assert "Calibration: alpha =" in table.stdout and "Summed over 4 questions" in table.stdout
    written = json.loads(out.read_text())
    assert (tmp_path / "calibration.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    live = tmp_path / "live"
    shutil.copytree(folders[1], live)
    with (live / "scenario.toml").open("a") as stream:
        stream.write('\n[calibration]\nfile = "../calibration.json"\n')
    summary = json.loads(run_beliefs("update", live, "--json").stdout)
    alpha = written["alpha"]
    assert summary["steps"][-1]["calibrated"] != summary["steps"][-1]["hypotheses"] or alpha == 1.0
    report = run_beliefs("report", live, "--out", tmp_path / "report")
    assert report.returncode == 0, report.stderr
    text = (tmp_path / "report" / "report.md").read_text()
    assert "### The calibrated path" in text and "learned from 4 resolved questions" in text and "../calibration.json" in text
    assert "At the last step: " in text and " as judged, " in text  # the final answers in words, before the table
    html = (tmp_path / "report" / "index.html").read_text()
    section = html[html.index('id="calibration"'):html.index("</section>", html.index('id="calibration"'))]
    assert "<details>" in section and "<caption>" in section and ": judged</th>" in section  # the every-step table folded, columns by short name


def test_calibration_puts_the_tempered_path_beside_the_judged_one(tmp_path):
    folders, plain = generated_questions(tmp_path, count=1, seed=11)
    scenario = folders[0] / "scenario.toml"
    base = scenario.read_text()
    untempered = json.loads(run_beliefs("update", folders[0], "--json").stdout)
    assert all("calibrated" not in step for step in untempered["steps"])
    scenario.write_text(base + "\n[calibration]\nalpha = 1.0\n")
    at_one = json.loads(run_beliefs("update", folders[0], "--json").stdout)
    for before, step in zip(untempered["steps"], at_one["steps"], strict=True):
        assert step["hypotheses"] == before["hypotheses"] == step["calibrated"]  # alpha = 1 is today's numbers, exactly
    table = {"statement": 0.4, "action": 1.6, "": 0.8}
    scenario.write_text(base + '\n[calibration]\nalpha = { statement = 0.4, action = 1.6, "" = 0.8 }\n')
    tempered = json.loads(run_beliefs("update", folders[0], "--json").stdout)
    question = plain[0]
    for step in tempered["steps"]:
        date = dt.date.fromisoformat(step["date"])
        log_p = question["prior"] + sum(table.get(kind, 1.0) * log_l for when, log_l, kind in question["rows"] if when <= date)
        expected = np.exp(log_p - np.logaddexp.reduce(log_p))
        assert [step["calibrated"][h] for h in "abc"] == pytest.approx(expected, abs=2e-6)
        assert step["hypotheses"] == untempered["steps"][tempered["steps"].index(step)]["hypotheses"]
    scored = json.loads(run_beliefs("score", folders[0], "--json").stdout)["workspaces"][0]
    assert scored["calibrated"]["time_weighted"]["log_score"] == pytest.approx(
        independent_score(question, lambda kind: table.get(kind, 1.0)), abs=1e-5)
    assert scored["time_weighted"]["log_score"] == pytest.approx(independent_score(question, lambda kind: 1.0), abs=1e-5)


STATES = """\
title = "States, groups and a switching line"
prior_date = 2025-01-01

[hypotheses]
a = { prior = 0.4 }
b = { prior = 0.6 }

[latents.ready]
kind = "state"
prior = 0.2
[latents.ready.switch]
on = { a = 0.2, b = 0.05 }
off = 0.1

[groups.talks]
correlation = 0.7

[resolution]
by = 2025-05-31
outcome = "a"

[resolution.criteria]
a = "A by 31 May"
b = "B by 31 May"
"""
STATE_ROWS = {
    "2025-02-01.csv": "id,summary,group,kind,p_a,p_b,p_ready_yes,p_ready_no\nt1,one,talks,statement,0.6,0.3,,\n",
    "2025-03-01.csv": "id,summary,group,kind,p_a,p_b,p_ready_yes,p_ready_no\nt2,two,talks,report,0.7,0.4,0.8,0.3\n",
    "2025-04-01.csv": "id,summary,group,kind,p_a,p_b,p_ready_yes,p_ready_no\nd1,deed,,action,,,0.9,0.2\n",
}


@pytest.mark.parametrize("switching", ["", "\n[switching]\na = { b = 0.1 }\nb = { a = 0.2 }\n"])
def test_alpha_1_reproduces_states_groups_and_switching_exactly(make_workspace, switching):
    root = make_workspace(STATE_ROWS, scenario=STATES.replace("[resolution]", switching + "\n[calibration]\nalpha = 1.0\n\n[resolution]"))
    summary = json.loads(run_beliefs("update", root, "--json").stdout)
    for step in summary["steps"]:
        assert step["calibrated"] == step.get("hypotheses_at_by", step["hypotheses"])
    result = calibrate_json(root)
    scored = json.loads(run_beliefs("score", root, "--json").stdout)["workspaces"][0]
    assert result["log_score_at_1"] == pytest.approx(scored["time_weighted"]["log_score"], abs=1e-6)


def test_calibrate_by_analyst_fits_each_analysts_own_path(tmp_path):
    """A second analyst who squares every likelihood of the author's: their own path with alpha is
    the author's with 2 alpha, so each alpha is checked against its own independent grid search."""
    folders, plain = generated_questions(tmp_path)
    squared = []
    for folder, question in zip(folders, plain, strict=True):
        (folder / "judgments").mkdir()
        lines, rows = ["id,p_a,p_b,p_c"], []
        for k, (date, log_l, kind) in enumerate(question["rows"]):
            values = np.round(np.exp(2 * log_l), 6)
            lines.append(f"r{folders.index(folder)}-{k}," + ",".join(f"{v}" for v in values))
            rows.append((date, np.log(values), kind))
        (folder / "judgments" / "sceptic.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        scenario = folder / "scenario.toml"
        scenario.write_text(scenario.read_text() + '\n[analysts.sceptic]\nlabel = "Squares every likelihood"\n', encoding="utf-8")
        squared.append({**question, "rows": rows})
    result = calibrate_json(*folders, "--by", "analyst")
    assert result["by"] == "analyst" and set(result["alpha"]) == {"author", "sceptic"}
    grid = np.arange(0.0, 4.0001, 0.005)
    for name, questions in (("author", plain), ("sceptic", squared)):
        scores = [sum(independent_score(q, lambda kind, a=a: a) for q in questions) for a in grid]
        assert result["alpha"][name] == pytest.approx(grid[int(np.argmin(scores))], abs=0.02)
    assert result["alpha"]["sceptic"] == pytest.approx(result["alpha"]["author"] / 2, abs=0.02)
    assert [q["workspace"] for q in result["questions"]] == [f"{f} ({a})" for f in folders for a in ("author", "sceptic")]


def test_calibrate_without_a_resolved_question_exits_2(tmp_path):
    folders, _ = generated_questions(tmp_path, count=1)
    scenario = folders[0] / "scenario.toml"
    scenario.write_text(scenario.read_text().replace('outcome = { a = 0.7, b = 0.3 }', ""))
    result = run_beliefs("calibrate", folders[0])
    assert result.returncode == 2 and "none of the workspaces given has resolved" in result.stderr


def test_a_bad_kind_is_refused_at_its_cell(make_workspace):
    root = make_workspace({"2025-02-01.csv": "id,summary,p_a,p_b,p_c,kind\nr1,one,0.6,0.3,0.1,statment\n"},
                          scenario=SCENARIO.format(title="t", prior_a=0.3, prior_b=0.3, prior_c=0.4, outcome='"a"', extra=""))
    result = run_beliefs("check", root)
    assert result.returncode == 2
    assert "2025-02-01.csv:2:6: kind 'statment' is not a kind of evidence (did you mean 'statement'?)" in result.stderr
    (root / "evidence" / "2025-02-01.csv").write_text("id,summary,p_a,p_b,p_c,kind\nr1,one,0.6,0.3,0.1,statement\n")
    flag = run_beliefs("add", root, "--date", "2025-02-02", "--id", "x", "--summary", "s", "--p", "a=0.5", "--p", "b=0.5", "--p", "c=0.5",
                       "--kind", "deed")
    assert flag.returncode == 2 and "--kind: 'deed' is not a kind of evidence" in flag.stderr
    assert not (root / "evidence" / "2025-02-02.csv").exists()  # nothing written
    added = run_beliefs("add", root, "--date", "2025-02-02", "--id", "x", "--summary", "s", "--p", "a=0.5", "--p", "b=0.5", "--p", "c=0.5",
                        "--kind", "absence")
    assert added.returncode == 0, added.stderr
    assert (root / "evidence" / "2025-02-02.csv").read_text() == "id,summary,source,reliability,rationale,kind,p_a,p_b,p_c\nx,s,,,,absence,0.5,0.5,0.5\n"


@pytest.mark.parametrize(("table", "expected"), [
    ('alpha = { statment = 0.5 }', "scenario.toml:19:11: calibration.alpha names 'statment', which is not a kind of evidence (did you mean 'statement'?)"),
    ("alpha = -0.5", "scenario.toml:19:1: calibration.alpha"),
    ('alpha = "strong"', "scenario.toml:19:1: calibration.alpha"),
    ("alphaa = 0.8", "scenario.toml:19:1: unknown key calibration.alphaa (did you mean 'alpha'?)"),
    ('file = "missing.json"', "scenario.toml:19:1: calibration.file: 'missing.json' was not found"),
    ('alpha = 0.8\nfile = "c.json"', "gives both alpha and file"),
    ("statement_ratio_bound = 0.5", "calibration.statement_ratio_bound"),
])
def test_a_bad_calibration_table_is_refused_with_its_line(make_workspace, table, expected):
    root = make_workspace({"2025-02-01.csv": "id,summary,p_a,p_b,p_c\nr1,one,0.6,0.3,0.1\n"},
                          scenario=SCENARIO.format(title="t", prior_a=0.3, prior_b=0.3, prior_c=0.4, outcome='"a"', extra=f"[calibration]\n{table}\n"))
    (root / "c.json").write_text('{"alpha": 1.0, "questions": []}')
    result = run_beliefs("check", root)
    assert result.returncode == 2, result.stdout
    assert expected in result.stderr.replace("\n", " ") or expected in result.stderr, result.stderr


def test_check_warns_of_strong_statements_and_hindsight(make_workspace):
    rows = ("id,summary,rationale,kind,p_a,p_b,p_c\n"
            "loud,a loud statement,Said on the day.,statement,0.9,0.3,0.3\n"
            'quiet,a mild statement,"As the talks of 3 March 2025 showed, this mattered.",statement,0.6,0.5,0.5\n'
            'deed,a deed,"Confirmed in April 2025 and again on 2025-01-20.",action,0.9,0.1,0.1\n')
    root = make_workspace({"2025-02-01.csv": rows},
                          scenario=SCENARIO.format(title="t", prior_a=0.3, prior_b=0.3, prior_c=0.4, outcome='"a"', extra=""))
    result = run_beliefs("check", root)
    assert result.returncode == 0, result.stderr
    text = result.stdout + result.stderr
    assert "2025-02-01.csv:2: row 'loud' is a statement with a likelihood ratio of 3, above 1.5" in text
    assert "row 'quiet' is a statement" not in text  # 1.2 is within the bound
    assert "2025-02-01.csv:3: row 'quiet' is dated 2025-02-01 but its rationale cites 3 March 2025" in text
    assert "2025-02-01.csv:4: row 'deed' is dated 2025-02-01 but its rationale cites April 2025" in text
    assert "is a statement with" not in text.split("row 'deed'")[1]
    strict = root / "scenario.toml"
    strict.write_text(strict.read_text() + "\n[calibration]\nstatement_ratio_bound = 1.1\n")
    assert "row 'quiet' is a statement with a likelihood ratio of 1.2, above 1.1" in run_beliefs("check", root).stderr


def test_every_example_row_has_a_kind_and_the_examples_calibrate(repo_root):
    import beliefs
    from beliefs.inputs.kinds import KINDS as VALID

    examples = sorted(p for p in (repo_root / "examples").iterdir() if p.is_dir())
    for folder in examples:
        for row in beliefs.load_workspace(folder).rows:
            assert row.kind in VALID, (folder.name, row.id)
    result = calibrate_json(*examples)
    assert len(result["questions"]) == 7
    assert result["log_score"] <= result["log_score_at_1"]


def test_changing_a_rows_kind_recomputes_the_calibrated_path(tmp_path):
    folders, _ = generated_questions(tmp_path, count=1, seed=11)
    scenario = folders[0] / "scenario.toml"
    scenario.write_text(scenario.read_text() + '\n[calibration]\nalpha = { statement = 0.1, "" = 3.0 }\n')

    def every_row(kind: str) -> dict:
        for path in (folders[0] / "evidence").iterdir():
            header, row = path.read_text().splitlines()
            path.write_text(f"{header}\n{row.rsplit(',', 1)[0]},{kind}\n")
        return json.loads(run_beliefs("update", folders[0], "--json").stdout)["steps"][-1]

    statements = every_row("statement")
    unclassified = every_row("")  # only the kinds changed: the cached summary must not be reused
    assert unclassified["hypotheses"] == statements["hypotheses"]
    assert unclassified["calibrated"] != statements["calibrated"]


def test_calibrate_shows_its_progress_question_by_question(tmp_path):
    """In a terminal, one bar counts the questions scored on the grid of alphas (the costly part)."""
    folders, _ = generated_questions(tmp_path, count=3)
    result = run_beliefs("calibrate", *folders, env={"COLUMNS": "100", "TTY_COMPATIBLE": "1"})
    assert result.returncode == 0, result.stderr
    assert progress_totals(result.stderr) == {"Calibrating": {3}} and "3/3" in result.stderr


DRIFTING = """
[latents.w]
label = "A propensity that drifts under a"
prior = { alpha = 2.0, beta = 3.0 }
volatility = 0.3
drift = { a = 0.4 }
"""


def test_questions_with_a_drifting_propensity_calibrate_alike_in_one_process_or_several(tmp_path):
    """A drifting propensity is filtered afresh for every alpha, so such questions are spread over
    processes: the JSON is the same to the last bit with one worker or two, and the bar counts
    every question once."""
    folders, _ = generated_questions(tmp_path, count=3)
    for folder in folders[:2]:  # two drifting questions for the workers, one plain for this process
        scenario = folder / "scenario.toml"
        scenario.write_text(scenario.read_text() + DRIFTING, encoding="utf-8")
    named = [(str(folder), beliefs.load_workspace(folder)) for folder in folders]
    assert [ws.scenario.latents.get("w") is not None for _, ws in named] == [True, True, False]
    seen = []
    serial = calibrate(named, workers=1)
    spread = calibrate(named, workers=2, on_progress=lambda done, total: seen.append((done, total)))
    assert summary_json(spread) == summary_json(serial)
    assert seen == [(1, 3), (2, 3), (3, 3)]
