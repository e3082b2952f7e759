"""What a new analyst trips over: input that would pass in silence or be explained poorly, and
messages that mislead. Each runs the real `beliefs` command on real files."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tomllib

from conftest import HEADER, SCENARIO
from helpers import progress_totals, run_beliefs, tree_digest

import beliefs

ROW = "r1,Talks,,,,0.5,0.4,0.3,,\n"
TODAY = "2026-12-04"  # fixed by BELIEFS_TODAY, so these tests read the same on any day
ON_TODAY = {"COLUMNS": "200", "BELIEFS_TODAY": TODAY}


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error")]


def test_evidence_dated_after_today_is_refused_unless_marked_as_planning(make_workspace):
    root = make_workspace({"2025-02-01.csv": ROW})
    before = tree_digest(root)
    add = run_beliefs("add", root, "--date", "2027-03-01", "--id", "r3", "--summary", "Later", "--p", "a=0.5", "--p", "b=0.4", "--p", "c=0.3",
                      env=ON_TODAY)
    assert add.returncode == 2
    assert errors(add) == [f"error --date: date 2027-03-01 is after today ({TODAY}): news cannot come from the future; correct --date, "
                           "or set allow_future = true in scenario.toml for planning rows"]
    assert tree_digest(root) == before
    (root / "evidence" / "2027-01-15.csv").write_text(HEADER + ROW.replace("r1", "r2"))
    check = run_beliefs("check", root, env=ON_TODAY)
    assert check.returncode == 2
    assert errors(check) == [f"error {root}/evidence/2027-01-15.csv: date 2027-01-15 is after today ({TODAY}): news cannot come from the future; "
                             "correct the date in the file name, or set allow_future = true in scenario.toml for planning rows"]
    # the day itself is news already; and the real clock is what counts without BELIEFS_TODAY
    assert run_beliefs("check", root, env={"COLUMNS": "200", "BELIEFS_TODAY": "2027-01-15"}).returncode == 0
    assert run_beliefs("check", root).returncode == (0 if dt.date.today() >= dt.date(2027, 1, 15) else 2)

    scenario = (root / "scenario.toml").read_text().replace("prior_date = 2025-01-01\n", "prior_date = 2025-01-01\nallow_future = true\n")
    (root / "scenario.toml").write_text(scenario)
    planned = run_beliefs("check", root, env=ON_TODAY)
    assert planned.returncode == 0, planned.stderr
    assert (f"warning {root}/evidence/2027-01-15.csv: dated 2027-01-15, after today ({TODAY}): planning rows, "
            "accepted because allow_future = true in scenario.toml") in planned.stderr
    added = run_beliefs("add", root, "--date", "2027-03-01", "--id", "r3", "--summary", "Later", "--p", "a=0.5", "--p", "b=0.4", "--p", "c=0.3",
                        env=ON_TODAY)
    assert added.returncode == 0, added.stderr
    update = run_beliefs("update", root, env=ON_TODAY)
    assert update.returncode == 0, update.stderr
    assert f"warning planning rows dated after today ({TODAY}), allowed by allow_future = true: 2027-01-15, 2027-03-01" in update.stderr


def test_a_bad_beliefs_today_is_named(make_workspace):
    result = run_beliefs("check", make_workspace({"2025-02-01.csv": ROW}), env={"BELIEFS_TODAY": "4 Dec"})
    assert result.returncode == 2
    assert errors(result) == ["error BELIEFS_TODAY: '4 Dec' is not a date; write it YYYY-MM-DD, e.g. BELIEFS_TODAY=2025-12-01, or unset the variable"]


RESOLVED = SCENARIO + """
[resolution]
by = 2027-06-01
outcome = "a"
resolved_on = 2027-02-01

[resolution.criteria]
a = "A"
b = "B"
c = "C"
"""


def test_an_outcome_known_after_today_is_refused(make_workspace):
    root = make_workspace({"2025-02-01.csv": ROW}, scenario=RESOLVED)
    result = run_beliefs("check", root, env=ON_TODAY)
    assert result.returncode == 2
    assert errors(result) == [f"error {root}/scenario.toml:16:1: resolution.resolved_on = 2027-02-01 is after today ({TODAY}), yet an outcome is set: "
                              "an outcome is recorded once it is known; correct the date, or remove outcome until then"]
    # without an outcome, a judging date in the future is what an open question has
    open_question = make_workspace({"2025-02-01.csv": ROW}, scenario=RESOLVED.replace('outcome = "a"\nresolved_on = 2027-02-01\n', ""), name="open")
    assert run_beliefs("check", open_question, env=ON_TODAY).returncode == 0
    (root / "scenario.toml").write_text(RESOLVED.replace("prior_date = 2025-01-01\n", "prior_date = 2025-01-01\nallow_future = true\n"))
    planned = run_beliefs("check", root, env=ON_TODAY)
    assert planned.returncode == 0 and "a planned outcome, accepted because allow_future = true" in planned.stderr


def test_a_misnamed_evidence_folder_or_dated_files_at_the_top_are_named(make_workspace):
    root = make_workspace({"2025-02-01.csv": ROW})
    (root / "evidence").rename(root / "Evidence")
    result = run_beliefs("check", ".", cwd=root)
    assert result.returncode == 2
    assert errors(result) == ["error Evidence: holds 1 dated CSV file (2025-02-01.csv), but beliefs reads evidence only from evidence/: "
                              "rename this folder to evidence (lower-case), or move the files there"]
    shutil.move(root / "Evidence" / "2025-02-01.csv", root / "2025-02-01.csv")
    (root / "Evidence").rmdir()
    result = run_beliefs("check", root)
    assert result.returncode == 2
    assert errors(result) == [f"error {root}/2025-02-01.csv: is a dated evidence file at the top of the workspace, where beliefs does not look: "
                              f"move it into {root}/evidence/"]
    (root / "2025-02-01.csv").unlink()
    empty = run_beliefs("check", root)
    assert empty.returncode == 0 and f"0 rows in 0 dated steps (no dated CSV files in {root}/evidence yet)" in empty.stdout


def test_priors_that_do_not_sum_to_one_are_noted_with_their_normalisation(make_workspace):
    percent = SCENARIO.replace("prior = 0.5,", "prior = 50,").replace("prior = 0.3,", "prior = 30,").replace("prior = 0.2,", "prior = 20,")
    result = run_beliefs("check", make_workspace({"2025-02-01.csv": ROW}, scenario=percent), env=ON_TODAY)
    assert result.returncode == 0, result.stderr
    assert "scenario.toml:4:2: the hypotheses' priors sum to 100 (written as percentages?), not 1; they are normalised to a 0.5, b 0.3, c 0.2" in result.stderr
    short = SCENARIO.replace("prior = 0.5,", "prior = 0.4,")
    result = run_beliefs("check", make_workspace({"2025-02-01.csv": ROW}, scenario=short, name="short"), env=ON_TODAY)
    assert result.returncode == 0 and "priors sum to 0.9, not 1; they are normalised to a 0.444, b 0.333, c 0.222" in result.stderr
    assert "warning" not in run_beliefs("check", make_workspace({"2025-02-01.csv": ROW}, name="fine"), env=ON_TODAY).stderr


def test_near_miss_scenario_names_and_the_evidence_folder_get_specific_hints(make_workspace):
    root = make_workspace({"2025-02-01.csv": ROW})
    for name, why in (("Scenario.TOML", "the name must be lower-case"), ("scenario.toml.txt", "the editor or the download added .txt")):
        (root / "scenario.toml").rename(root / name)
        result = run_beliefs("check", root)
        assert result.returncode == 2
        assert errors(result) == [f"error {root}/scenario.toml: not found, but {name} is: rename it to scenario.toml ({why})"]
        (root / name).rename(root / "scenario.toml")
    inside = run_beliefs("check", cwd=root / "evidence")
    assert inside.returncode == 2
    assert errors(inside) == [f"error scenario.toml: not found: {root}/evidence looks like the evidence/ folder of the workspace {root}; "
                              f"give that folder instead (e.g. `beliefs check {root}`), or run beliefs from it (`cd ..`)"]


def test_add_and_what_if_without_likelihoods_speak_of_their_flags(make_workspace):
    root = make_workspace({"2025-02-01.csv": ROW})
    nothing = run_beliefs("add", root, "--date", "2025-03-01", "--id", "r2", "--summary", "Talks")
    assert nothing.returncode == 2
    assert errors(nothing) == ["error --p: no likelihoods given: say how likely the observation is under each hypothesis, e.g. --p a=0.6 --p b=0.3 "
                               "--p c=0.2 and/or --latent NAME=YES,NO for a latent (w)"]
    part = run_beliefs("what-if", root, "--p", "a=0.6")
    assert part.returncode == 2
    assert errors(part) == ["error --p b: missing; give --p for every hypothesis (a, b, c) or for none"]
    assert not (root / "evidence" / "2025-03-01.csv").exists()


def uncommented(template: str) -> tuple[str, str]:
    """The scenario with every commented TOML line of the template uncommented, and the commented
    indicators.csv lines (indented by three spaces after the #)."""
    code = re.compile(r"^(\[[A-Za-z_.]+\]|[A-Za-z_][A-Za-z0-9_]*\s*=)")
    scenario = [line[2:] if line.startswith("# ") and code.match(line[2:]) else line for line in template.splitlines()]
    indicators = [line[4:] for line in template.splitlines() if line.startswith("#   ")]
    return "\n".join(scenario) + "\n", "\n".join(indicators) + "\n"


def test_init_dates_the_priors_yesterday_and_its_commented_examples_are_valid(tmp_path):
    root = tmp_path / "new"
    assert run_beliefs("init", root).returncode == 0
    template = (root / "scenario.toml").read_text()
    today = dt.date.today()
    assert tomllib.loads(template)["prior_date"] == today - dt.timedelta(days=1)
    news = run_beliefs("add", root, "--date", today.isoformat(), "--id", "today", "--summary", "Today's news", "--p", "yes=0.6", "--p", "no=0.3")
    assert news.returncode == 0, news.stderr  # today's news is evidence

    scenario, indicators = uncommented(template)
    (root / "scenario.toml").write_text(scenario)
    (root / "indicators.csv").write_text(indicators)
    check = run_beliefs("check", root)
    assert check.returncode == 0, check.stderr
    loaded = beliefs.load_workspace(root).scenario
    assert {name: latent.kind for name, latent in loaded.latents.items()} == {"resolve": "propensity", "ready": "state"}
    assert loaded.latents["ready"].time_varying and list(loaded.groups) == ["summit"] and loaded.resolved
    watch = run_beliefs("watch", root, "--json")
    assert watch.returncode == 0, watch.stderr
    assert '"id": "talks-announced"' in watch.stdout


def test_check_says_1_group_and_2_groups(make_workspace):
    one = SCENARIO + '\n[groups.g]\nlabel = "G"\n'
    header = HEADER.replace("rationale,", "rationale,group,")
    result = run_beliefs("check", make_workspace({"2025-02-01.csv": header + "r1,Talks,,,,g,0.5,0.4,0.3,,\n"}, scenario=one))
    assert result.returncode == 0 and ", 1 group, " in result.stdout


def test_a_resolved_report_says_leading_at_the_last_step_and_counts_1_group(make_workspace, tmp_path):
    from beliefs.outputs.report import write_report

    grouped = RESOLVED.replace("by = 2027-06-01", "by = 2025-06-01").replace("resolved_on = 2027-02-01", "resolved_on = 2025-05-01")
    grouped += '\n[groups.g]\nlabel = "G"\ncorrelation = 0.5\n'
    header = HEADER.replace("rationale,", "rationale,group,")
    root = make_workspace({"2025-02-01.csv": header + "r1,One,,,,g,0.6,0.3,0.1,,\nr2,Two,,,,g,0.6,0.2,0.1,,\n"}, scenario=grouped)
    ws = beliefs.load_workspace(root)
    out = write_report(beliefs.Analysis.of(ws, beliefs.compute_history(ws, engine="exact", draws=100, chains=2)), tmp_path / "out")
    for text in ((out / "index.html").read_text(), (out / "report.md").read_text()):
        assert "2 rows fall into 1 group of rows" in text
        assert "leading at the last step" in text and ">leading<" not in text and "**leading**" not in text


def test_score_of_an_unresolved_workspace_says_what_to_add(make_workspace):
    root = make_workspace({"2025-02-01.csv": ROW})
    result = run_beliefs("score", root, env={"COLUMNS": "1000"})
    assert result.returncode == 0, result.stderr
    assert "no [resolution] table: add one with by, [resolution.criteria], and outcome and resolved_on once known" in result.stdout
    open_question = make_workspace({"2025-02-01.csv": ROW}, scenario=RESOLVED.replace('outcome = "a"\nresolved_on = 2027-02-01\n', ""), name="open")
    result = run_beliefs("score", open_question, env={"COLUMNS": "1000"})
    assert "unresolved, by 2027-06-01: set outcome (and resolved_on) in [resolution] once known" in result.stdout


def test_score_into_a_reader_that_stops_early_ends_quietly(repo_root, tmp_path):
    """`beliefs score ... | head`: the reader closes the pipe after a line; beliefs ends with status 0 and says nothing."""
    import subprocess

    from helpers import BELIEFS

    folders = []
    for name in sorted(p.name for p in (repo_root / "examples").iterdir() if p.is_dir())[:2]:
        shutil.copytree(repo_root / "examples" / name, tmp_path / name, ignore=shutil.ignore_patterns(".beliefs", "reports"))
        folders.append(tmp_path / name)
    proc = subprocess.Popen([BELIEFS, "score", *folders], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith(b"Scores of the path of beliefs")
    proc.stdout.close()  # like head, once it has its lines
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0, stderr
    assert stderr == ""


def test_watch_without_indicators_says_so_in_one_line(make_workspace):
    root = make_workspace({"2025-02-01.csv": ROW})
    result = run_beliefs("watch", root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines() == [f"No indicators to rank: {root}/indicators.csv is missing or has no rows. List the developments "
                                                  "to watch for there, one row each with the columns of an evidence file but no date (see the README)."]
    assert '"indicators": []' in run_beliefs("watch", root, "--json").stdout


def test_watch_shows_the_latents_bits_in_the_table(make_workspace):
    root = make_workspace({"2025-02-01.csv": ROW})
    (root / "indicators.csv").write_text("id,summary,p_a,p_b,p_c,p_w_yes,p_w_no\nboth,Both,0.5,0.2,0.1,1,0.3\nhyp,Hyp only,0.4,0.2,0.3,,\n")
    result = run_beliefs("watch", root, env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if "bits on" in line)
    assert re.search(r"┃\s+w\s+┃", lines[header + 1])  # a column of bits on the latent w
    bits = {e["id"]: e["latent_information_bits"] for e in json_of(run_beliefs("watch", root, "--json"))["indicators"]}
    row = next(line for line in result.stdout.splitlines() if line.startswith("│ both"))
    assert f"{bits['both']['w']:.3f}" in row and bits["both"]["w"] > 0
    assert "bits on a latent: about that latent (blank: it does not bear on it)" in " ".join(result.stdout.split())


def json_of(result) -> dict:
    import json

    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sensitivity_explains_its_leader_column(make_workspace):
    result = run_beliefs("sensitivity", make_workspace({"2025-02-01.csv": ROW}), "--draws", "50", env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert 'leader: "flips" where the leading answer (a) would change; blank where it stays' in result.stdout


def test_sensitivity_and_report_show_progress_with_a_total_that_never_changes(make_workspace, tmp_path):
    header = HEADER.replace("rationale,", "rationale,group,")
    grouped = SCENARIO + '\n[groups.g]\nlabel = "G"\n'
    files = {f"2025-02-{day:02d}.csv": header + f"r{day},Talks,,,,{'g' if day % 2 else ''},0.5,0.4,0.3,0.6,0.4\n" for day in range(1, 9)}
    root = make_workspace(files, scenario=grouped)
    terminal = {"COLUMNS": "100", "TTY_COMPATIBLE": "1"}  # rich draws its bar as in a terminal
    result = run_beliefs("sensitivity", root, "--draws", "50", env=terminal)
    assert result.returncode == 0, result.stderr
    # the reference, 8 rows and 1 group left out, 3 priors and the latent's prior halved and doubled, 9 steps of the band
    assert progress_totals(result.stderr) == {"Robustness": {1 + 8 + 1 + 8 + 9}}
    assert "27/27" in result.stderr
    report = run_beliefs("report", root, "--out", tmp_path / "out", env=terminal)
    assert report.returncode == 0, report.stderr
    totals = progress_totals(report.stderr)
    assert totals["Updating"] == {9} and totals["Robustness"] == {27} and len(totals["Drawing"]) == 1, totals
