"""`beliefs add` and `add_evidence`: rows are validated like `beliefs check` validates them,
appended without touching a byte above them, and never lost when processes add at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import tree_digest
from typer.testing import CliRunner

import beliefs
from beliefs.cli import app
from beliefs.inputs.authoring import add_evidence
from beliefs.inputs.evidence import header_for

HEADER = "id,summary,source,reliability,rationale,p_a,p_b,p_c,p_w_yes,p_w_no\n"
ROW = {"id": "new-row", "summary": "Something happened", "hypotheses": {"a": 0.6, "b": 0.3, "c": 0.2}}
EXISTING = "r1,First,,0.9,,0.5,0.4,0.3,,\nr2,Second,,,,,,,0.6,0.3\n"




def test_first_row_of_a_date_creates_the_file_with_the_full_header(make_workspace):
    root = make_workspace({"2025-02-01.csv": EXISTING})
    path = add_evidence(root, date="2025-03-01", **ROW)
    assert path == root / "evidence" / "2025-03-01.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    workspace = beliefs.load_workspace(root)
    assert lines == [",".join(header_for(workspace.scenario)), "new-row,Something happened,,,,0.6,0.3,0.2,,"]
    row = next(r for r in workspace.rows if r.id == "new-row")
    assert row.hypotheses == {"a": 0.6, "b": 0.3, "c": 0.2} and row.latents == {} and row.reliability == 1.0


def test_row_is_appended_and_every_byte_above_is_unchanged(make_workspace):
    root = make_workspace({"2025-02-01.csv": EXISTING})
    path = root / "evidence" / "2025-02-01.csv"
    before = path.read_bytes()
    add_evidence(root, date="2025-02-01", id="r3", summary='Said "no", twice', source="Reuters, 1 Feb", reliability=0.8,
                 rationale="quotes, commas", latents={"w": (0.2, 0.7)})
    after = path.read_bytes()
    assert after.startswith(before)
    assert after[len(before):] == b'r3,"Said ""no"", twice","Reuters, 1 Feb",0.8,"quotes, commas",,,,0.2,0.7\n'
    row = next(r for r in beliefs.load_workspace(root).rows if r.id == "r3")
    assert (row.summary, row.source, row.rationale) == ('Said "no", twice', "Reuters, 1 Feb", "quotes, commas")
    assert (row.reliability, row.latents) == (0.8, {"w": (0.2, 0.7)})
    assert row.line == 4


@pytest.mark.parametrize(
    ("body", "expected_tail"),
    [
        (b"id,summary,p_w_yes,p_w_no\r\nr1,First,0.5,0.4", b"r1,First,0.5,0.4\r\nr9,Later,0.3,0.6\r\n"),  # no final newline, CRLF kept
        (b"\xef\xbb\xbfid,summary,p_w_yes,p_w_no\nr1,First,0.5,0.4\n\n", b"r1,First,0.5,0.4\n\nr9,Later,0.3,0.6\n"),  # BOM, blank line
    ],
)
def test_files_without_final_newline_or_with_bom_keep_their_bytes(make_workspace, body, expected_tail):
    root = make_workspace()
    path = root / "evidence" / "2025-02-01-words.csv"
    path.write_bytes(body)
    add_evidence(root, date="2025-02-01", id="r9", summary="Later", latents={"w": (0.3, 0.6)})
    after = path.read_bytes()
    assert after.startswith(body) and after.endswith(expected_tail)
    assert [r.id for r in beliefs.load_workspace(root).rows] == ["r1", "r9"]


def test_the_single_file_of_a_date_is_used_and_several_need_file_words(make_workspace):
    root = make_workspace({"2025-02-01-talks.csv": EXISTING})
    assert add_evidence(root, date="2025-02-01", **ROW).name == "2025-02-01-talks.csv"
    assert add_evidence(root, date="2025-02-01", file_words="second", **{**ROW, "id": "x2"}).name == "2025-02-01-second.csv"
    with pytest.raises(beliefs.WorkspaceError, match=r"several evidence files are dated 2025-02-01: 2025-02-01-second.csv, 2025-02-01-talks.csv"):
        add_evidence(root, date="2025-02-01", **{**ROW, "id": "x3"})
    assert add_evidence(root, date="2025-02-01", file_words="talks", **{**ROW, "id": "x3"}).name == "2025-02-01-talks.csv"
    with pytest.raises(beliefs.WorkspaceError, match="cannot be part of a file name"):
        add_evidence(root, date="2025-02-01", file_words="../x", **{**ROW, "id": "x4"})


# every validation error: the row's overrides, then (file, line) of the problem and a piece of its message;
# the exact text and column are those of `beliefs check` (see the test after this one)
NEW = "2025-03-01.csv"
ERRORS = {
    "unknown hypothesis": ({"hypotheses": {"a": 0.6, "b": 0.3, "zeta": 0.2}}, NEW, 2, "unknown hypothesis 'zeta'; the scenario's hypotheses are a, b, c"),
    "unknown latent": ({"hypotheses": None, "latents": {"will": (0.2, 0.3)}}, NEW, 2, "unknown latent 'will'; the scenario's latents are w"),
    "probability above 1": ({"hypotheses": {"a": 1.5, "b": 0.3, "c": 0.2}}, NEW, 2, "p_a: '1.5' is outside [0, 1]"),
    "negative probability": ({"latents": {"w": (-0.1, 0.3)}}, NEW, 2, "p_w_yes: '-0.1' is outside [0, 1]"),
    "percent": ({"hypotheses": {"a": "60%", "b": 0.3, "c": 0.2}}, NEW, 2, "p_a: '60%' is not a number"),
    "reliability out of range": ({"reliability": 2}, NEW, 2, "reliability: '2' is outside [0, 1]"),
    "duplicate id": ({"id": "r2"}, NEW, 2, "duplicate id 'r2'"),
    "bad date": ({"date": "2025-02-30"}, "evidence", None, "date '2025-02-30' is not a real date; write YYYY-MM-DD"),
    "date on the prior date": ({"date": "2025-01-01"}, "2025-01-01.csv", None, "on or before the prior date 2025-01-01"),
    "date before the prior date": ({"date": "2024-12-31"}, "2024-12-31.csv", None, "on or before the prior date 2025-01-01"),
    "missing summary": ({"summary": "  "}, NEW, 2, "summary is blank"),
    "missing id": ({"id": ""}, NEW, 2, "id is blank"),
    "hypotheses half given": ({"hypotheses": {"a": 0.6, "b": 0.3}}, NEW, 2, "p_c is blank while p_a is filled"),
    "latent half given": ({"latents": {"w": (0.3, None)}}, NEW, 2, "p_w_no is blank while p_w_yes is filled"),
    "latent not a pair": ({"latents": {"w": 0.3}}, NEW, 2, "latent 'w' needs two probabilities (p_w_yes, p_w_no)"),
    "all zero": ({"hypotheses": {"a": 0, "b": 0, "c": 0}}, NEW, 2, "p_a, p_b, p_c are all 0"),
    "bears on nothing": ({"hypotheses": None}, NEW, 2, "bears on nothing"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_every_validation_error_is_reported_and_nothing_is_written(make_workspace, case):
    overrides, file_name, line, expected = ERRORS[case]
    root = make_workspace({"2025-02-01.csv": EXISTING})
    before = tree_digest(root, skip=('.beliefs',))
    with pytest.raises(beliefs.WorkspaceError) as raised:
        add_evidence(root, **{"date": "2025-03-01", **ROW, **overrides})
    found = [p for p in raised.value.problems if expected in p.message]
    assert found, str(raised.value)
    assert (found[0].path.name, found[0].line) == (file_name, line)
    assert tree_digest(root, skip=('.beliefs',)) == before
    assert not list((root / "evidence").glob(".*.tmp"))


def test_messages_are_those_of_beliefs_check_for_the_same_row_written_by_hand(make_workspace):
    root = make_workspace({"2025-02-01.csv": EXISTING})
    with pytest.raises(beliefs.WorkspaceError) as raised:
        add_evidence(root, date="2025-02-01", id="r1", summary="", hypotheses={"a": 2, "b": 0.1, "c": 0.1})
    (root / "evidence" / "2025-02-01.csv").write_text(HEADER + EXISTING + "r1,,,,,2,0.1,0.1,,\n")
    with pytest.raises(beliefs.WorkspaceError) as checked:
        beliefs.load_workspace(root)
    assert [str(p) for p in raised.value.problems] == [str(p) for p in checked.value.problems]
    assert len(raised.value.problems) == 3  # blank summary, p_a out of range, and the id already taken (a refused row's id still counts)


def test_several_problems_are_reported_at_once(make_workspace):
    root = make_workspace({"2025-02-01.csv": EXISTING})
    with pytest.raises(beliefs.WorkspaceError) as raised:
        add_evidence(root, date="2025-03-01", id="r1", summary="", hypotheses={"a": 0.6, "b": 0.3, "x": 0.2}, latents={"w": (1.2, 0.1)})
    messages = "\n".join(str(p) for p in raised.value.problems)
    for piece in ("unknown hypothesis 'x'", "summary is blank", "p_c is blank", "p_w_yes: '1.2' is outside [0, 1]"):
        assert piece in messages
    with pytest.raises(beliefs.WorkspaceError) as raised:
        add_evidence(root, date="2025-03-01", id="r1", summary="S", hypotheses={"a": 0.6, "b": 0.3, "c": 0.2}, latents={"w": (0.5, 0.1)}, reliability=0.5)
    assert "duplicate id 'r1'" in str(raised.value)


def test_a_file_whose_header_lacks_a_needed_column_is_refused_not_rewritten(make_workspace):
    root = make_workspace({"2025-02-01.csv": "id,summary,p_a,p_b,p_c\nr1,First,0.5,0.4,0.3\n"})
    before = tree_digest(root, skip=('.beliefs',))
    with pytest.raises(beliefs.WorkspaceError) as raised:
        add_evidence(root, date="2025-02-01", id="r2", summary="S", source="AP", latents={"w": (0.2, 0.6)})
    [problem] = raised.value.problems
    assert problem.line == 1 and "no column(s) source, p_w_yes, p_w_no" in problem.message and "never rewrites a header" in problem.message
    assert tree_digest(root, skip=('.beliefs',)) == before


def test_a_broken_workspace_is_reported_as_beliefs_check_reports_it(make_workspace):
    root = make_workspace({"2025-02-01.csv": "r1,First,,,,0.5,0.4,0.3,,\nr2,Bad,,,,7,0.4,0.3,,\n"})
    with pytest.raises(beliefs.WorkspaceError) as raised:
        add_evidence(root, date="2025-03-01", **ROW)
    [problem] = raised.value.problems
    assert (problem.path.name, problem.line) == ("2025-02-01.csv", 3) and "p_a: '7' is outside [0, 1]" in problem.message
    assert not (root / "evidence" / "2025-03-01.csv").exists()


def test_cli_add_writes_a_row_and_reports_every_problem_with_exit_2(make_workspace):
    root = make_workspace({"2025-02-01.csv": EXISTING})
    runner = CliRunner()
    ok = runner.invoke(app, ["add", str(root), "--date", "2025-03-01", "--id", "cli-row", "--summary", "Talks, again", "--source", "AP",
                             "--reliability", "0.9", "--rationale", "why", "--p", "a=0.6", "--p", "b=0.3", "--p", "c=0.2", "--latent", "w=0.4,0.5"])
    assert ok.exit_code == 0, ok.output
    assert "Added 'cli-row'" in ok.stdout
    assert (root / "evidence" / "2025-03-01.csv").read_text().splitlines()[1] == 'cli-row,"Talks, again",AP,0.9,why,0.6,0.3,0.2,0.4,0.5'

    before = tree_digest(root, skip=('.beliefs',))
    bad = runner.invoke(app, ["add", str(root), "--date", "2025-03-01", "--id", "cli-row", "--p", "a=0.5", "--p", "zz=0.1", "--latent", "w=1.5,0.2"])
    assert bad.exit_code == 2
    # flag mistakes are reported against the flag, once: the unknown hypothesis is not reported again as blank p_ cells
    for piece in ("--p zz: unknown hypothesis; the hypotheses are a, b, c", "--summary: missing", "p_w_yes: '1.5' is outside [0, 1]",
                  "duplicate id 'cli-row'", "4 problems"):
        assert piece in bad.stderr, bad.stderr
    assert "is blank while" not in bad.stderr
    malformed = runner.invoke(app, ["add", str(root), "--date", "2025-03-02", "--id", "x", "--summary", "s", "--p", "a0.5", "--latent", "w=0.5"])
    assert malformed.exit_code == 2
    assert "--p: 'a0.5' is not HYPOTHESIS=P" in malformed.stderr and "--latent: 'w=0.5' is not NAME=YES,NO" in malformed.stderr
    duplicate = runner.invoke(app, ["add", str(root), "--date", "2025-03-01", "--id", "cli-row", "--summary", "again", "--latent", "w=0.5,0.2"])
    assert duplicate.exit_code == 2 and "2025-03-01.csv:3:1: duplicate id 'cli-row'" in duplicate.stderr
    assert tree_digest(root, skip=('.beliefs',)) == before


ADDER = """
import sys, time
from pathlib import Path
from beliefs.inputs.authoring import add_evidence
root, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
while not (root / "go").exists():
    time.sleep(0.01)
for i in range(count):
    add_evidence(root, date="2025-03-01", id=f"{name}-{i}", summary=f"row {i} of {name}", latents={"w": (0.5, 0.4)})
"""


def test_concurrent_adds_from_several_processes_lose_no_row(make_workspace):
    root = make_workspace({"2025-02-01.csv": EXISTING})
    writers, rows_each = 5, 4
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [
        subprocess.Popen([sys.executable, "-c", ADDER, str(root), f"p{k}", str(rows_each)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for k in range(writers)
    ]
    cli = [Path(sys.executable).parent / "beliefs", "add", str(root), "--date", "2025-03-01", "--id", "via-cli", "--summary", "from the CLI"]
    cli += ["--latent", "w=0.4,0.5"]
    time.sleep(1.0)  # let the writers import beliefs and wait at the start line
    (root / "go").touch()
    procs.append(subprocess.Popen(cli, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    for proc in procs:
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr.decode()
    (root / "go").unlink()
    workspace = beliefs.load_workspace(root)
    added = sorted(r.id for r in workspace.rows if r.date.isoformat() == "2025-03-01")
    assert added == sorted([f"p{k}-{i}" for k in range(writers) for i in range(rows_each)] + ["via-cli"])
    text = (root / "evidence" / "2025-03-01.csv").read_text()
    assert text.count("id,summary") == 1 and text.endswith("\n")
    assert not list((root / "evidence").glob(".*.tmp"))


def test_an_add_waits_for_the_lock_and_says_so(make_workspace, tmp_path):
    from beliefs.atomic import workspace_lock

    root = make_workspace({"2025-02-01.csv": EXISTING})
    log = tmp_path / "stderr.txt"
    cli = [Path(sys.executable).parent / "beliefs", "add", str(root), "--date", "2025-03-01", "--id", "late", "--summary", "waited", "--latent", "w=0.4,0.5"]
    with workspace_lock(root), open(log, "wb") as stderr:
        proc = subprocess.Popen(cli, stdout=subprocess.PIPE, stderr=stderr)
        deadline = time.monotonic() + 60
        while "Waiting for another beliefs process" not in log.read_text() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "Waiting for another beliefs process" in log.read_text()
        assert proc.poll() is None and not (root / "evidence" / "2025-03-01.csv").exists()
    assert proc.wait(timeout=60) == 0, log.read_text()
    assert "late" in [r.id for r in beliefs.load_workspace(root).rows]
