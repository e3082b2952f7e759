"""The record in git, on real repositories made here with set commit dates: vintages (`--as-of`)
against an update of a checkout, revisions (`diff`) against one-at-a-time recomputations,
hindcasts flagged from git blame, and resolution criteria written after the fact."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers import run_beliefs, tree_digest

SCENARIO = """\
title = "Will the talks resume?"
prior_date = 2025-01-01

[hypotheses]
a = {{ prior = 0.5 }}
b = {{ prior = {b} }}
c = {{ prior = 0.2 }}
{resolution}"""
RESOLUTION = """
[resolution]
by = 2025-03-01
{outcome}

[resolution.criteria]
a = "Talks resume by 1 March"
b = "Talks are announced but do not resume"
c = "Neither"
"""
HEADER = "id,summary,p_a,p_b,p_c\n"


def git(repo: Path, *args: str, when: str | None = None, author: str | None = None) -> str:
    """Run git in `repo` with a fixed identity, no user configuration, and the commit dates given (UTC)."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Analyst",
           "GIT_AUTHOR_EMAIL": "analyst@example.org", "GIT_COMMITTER_NAME": "Analyst", "GIT_COMMITTER_EMAIL": "analyst@example.org"}
    if when:
        env |= {"GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": author or when}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


def write(root: Path, files: dict[str, str | None]) -> None:
    """Write (or, for None, delete) workspace files."""
    for name, text in files.items():
        path = root / name
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def commit(repo: Path, when: str, files: dict[str, str | None], workspace: str = "analysis/talks", author: str | None = None) -> str:
    """Write `files` into the workspace and commit everything on `when` (ISO time, UTC)."""
    write(repo / workspace, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"as of {when}", when=when, author=author)
    return git(repo, "rev-parse", "HEAD").strip()


def scenario(b: float = 0.3, outcome: str | None = None) -> str:
    return SCENARIO.format(b=b, resolution=RESOLUTION.format(outcome=outcome or "") if outcome is not None else "")


@pytest.fixture
def repo(tmp_path) -> Path:
    """A repository whose workspace (a subfolder) was written in three commits: 5 January, 20 January (late in
    the evening, authored days before) and 10 February 2025."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    commit(root, "2025-01-05T10:00:00Z", {"scenario.toml": scenario(), "evidence/2025-01-03.csv": HEADER + "r1,first,0.8,0.3,0.4\n"})
    commit(root, "2025-01-20T23:30:00Z", {"evidence/2025-01-03.csv": HEADER + "r1,first,0.8,0.3,0.4\nr2,second,0.4,0.6,0.5\n",
                                          "evidence/2025-01-18.csv": HEADER + "r3,third,0.2,0.5,0.6\n"}, author="2025-01-02T00:00:00Z")
    commit(root, "2025-02-10T09:00:00Z", {"scenario.toml": scenario(b=0.4), "evidence/2025-02-08.csv": HEADER + "r4,fourth,0.9,0.1,0.3\n"})
    return root


def update_json(folder: Path, *args: str) -> dict:
    result = run_beliefs("update", folder, "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def checkout_of(repo: Path, rev: str, into: Path) -> Path:
    """A separate checkout of `rev` (a clone), and the workspace's folder in it."""
    subprocess.run(["git", "clone", "-q", str(repo), str(into)], check=True, capture_output=True)
    git(into, "checkout", "-q", rev)
    return into / "analysis" / "talks"


def test_as_of_equals_update_on_a_checkout_of_that_days_commit(repo, tmp_path):
    workspace = repo / "analysis" / "talks"
    second = git(repo, "rev-list", "-1", "HEAD~1").strip()
    before = tree_digest(repo, skip=(".git",), folders=True)
    # the commit of 20 January at 23:30 UTC counts for that day (by its committer date, not its author date of 2 January)
    for day in ("2025-01-20", "2025-02-09"):
        result = run_beliefs("update", workspace, "--as-of", day, "--json")
        assert result.returncode == 0, result.stderr
        assert f"commit {second[:12]}" in result.stderr
        expected = run_beliefs("update", checkout_of(repo, second, tmp_path / f"clone-{day}"), "--json")
        assert result.stdout == expected.stdout
        assert [s["date"] for s in json.loads(result.stdout)["steps"]] == ["2025-01-01", "2025-01-03", "2025-01-18"]
    early = update_json(workspace, "--as-of", "2025-01-19")
    assert [s["evidence"] for s in early["steps"]] == [[], ["r1"]]
    assert tree_digest(repo, skip=(".git",), folders=True) == before  # no cache, no report, nothing written in the user's folder


def test_as_of_lists_only_the_steps_dated_up_to_the_day(repo, tmp_path):
    workspace = repo / "analysis" / "talks"
    commit(repo, "2025-02-12T09:00:00Z", {"evidence/2025-02-20.csv": HEADER + "r5,dated ahead,0.5,0.2,0.2\n"})
    as_of = update_json(workspace, "--as-of", "2025-02-15")
    full = update_json(checkout_of(repo, "HEAD", tmp_path / "clone"))
    assert [s["date"] for s in as_of["steps"]] == ["2025-01-01", "2025-01-03", "2025-01-18", "2025-02-08"]
    assert as_of["steps"] == full["steps"][:4]


def test_as_of_outside_git_or_before_the_first_commit_exits_2(repo, tmp_path):
    workspace = repo / "analysis" / "talks"
    result = run_beliefs("update", workspace, "--as-of", "2025-01-04")
    assert result.returncode == 2
    assert "no commit on or before 2025-01-04 (UTC); the first commit is of 2025-01-05" in result.stderr
    loose = tmp_path / "loose"
    shutil.copytree(workspace, loose)
    result = run_beliefs("update", loose, "--as-of", "2025-01-30")
    assert result.returncode == 2 and "is not in a git repository" in result.stderr
    assert run_beliefs("update", loose).returncode == 0  # without --as-of, git's absence changes nothing
    result = run_beliefs("update", workspace, "--as-of", "30/01/2025")
    assert result.returncode == 2 and "--as-of: '30/01/2025' is not a date; write it as YYYY-MM-DD" in result.stderr


def final(summary: dict) -> dict[str, float]:
    return summary["steps"][-1]["hypotheses"]


def test_diff_shifts_equal_one_at_a_time_recomputations(repo, tmp_path):
    workspace = repo / "analysis" / "talks"
    rev = git(repo, "rev-parse", "HEAD~1").strip()  # the version of 20 January
    rev_files = {"scenario.toml": scenario(), "evidence/2025-01-03.csv": HEADER + "r1,first,0.8,0.3,0.4\nr2,second,0.4,0.6,0.5\n",
                 "evidence/2025-01-18.csv": HEADER + "r3,third,0.2,0.5,0.6\n"}
    # the working tree: HEAD's new prior and row r4, then r1 changed and r2 removed, uncommitted
    write(workspace, {"evidence/2025-01-03.csv": HEADER + "r1,first (revised),0.8,0.6,0.4\n"})
    one_at_a_time = {
        ("scenario", "hypotheses.b.prior"): {"scenario.toml": scenario(b=0.4)},
        ("row added", "r4"): {"evidence/2025-02-08.csv": HEADER + "r4,fourth,0.9,0.1,0.3\n"},
        ("row changed", "r1"): {"evidence/2025-01-03.csv": HEADER + "r1,first (revised),0.8,0.6,0.4\nr2,second,0.4,0.6,0.5\n"},
        ("row removed", "r2"): {"evidence/2025-01-03.csv": HEADER + "r1,first,0.8,0.3,0.4\n"},
    }
    result = run_beliefs("diff", workspace, rev, "--json")
    assert result.returncode == 0, result.stderr
    diff = json.loads(result.stdout)
    assert set(diff) == {"before", "after", "changes"}
    at_rev = tmp_path / "at-rev"
    write(at_rev, rev_files)
    assert diff["before"] == final(update_json(at_rev))
    assert diff["after"] == final(update_json(workspace))
    found = {(c["kind"], c.get("id") or c.get("key")): c for c in diff["changes"]}
    assert set(found) == set(one_at_a_time)
    assert found[("row changed", "r1")]["columns"] == ["summary", "p_b"]
    for (kind, name), files in one_at_a_time.items():
        alone = tmp_path / f"alone-{name}"
        write(alone, rev_files | files)
        expected = {h: p - diff["before"][h] for h, p in final(update_json(alone)).items()}
        assert found[(kind, name)]["shift"] == pytest.approx(expected, abs=2e-6), (kind, name)
    strengths = [max(map(abs, c["shift"].values())) for c in diff["changes"]]
    assert strengths == sorted(strengths, reverse=True) and strengths[0] > 0.01
    table = run_beliefs("diff", workspace, rev)
    assert table.returncode == 0 and "row changed" in table.stdout and "summary, p_b" in table.stdout and "0.3 → 0.4" in table.stdout


def test_diff_between_two_revisions_and_its_errors(repo, tmp_path):
    workspace = repo / "analysis" / "talks"
    diff = json.loads(run_beliefs("diff", workspace, "HEAD~2", "HEAD~1", "--json").stdout)
    assert sorted((c["kind"], c["id"]) for c in diff["changes"]) == [("row added", "r2"), ("row added", "r3")]
    bad = run_beliefs("diff", workspace, "no-such-branch")
    assert bad.returncode == 2 and "'no-such-branch' is not a commit of this repository" in bad.stderr
    loose = tmp_path / "loose"
    shutil.copytree(workspace, loose)
    outside = run_beliefs("diff", loose, "HEAD")
    assert outside.returncode == 2 and "is not in a git repository" in outside.stderr


@pytest.fixture
def resolved_repo(tmp_path) -> Path:
    """A resolved question: priors and criteria committed on 2 January; r1 and r3 in real time; after the
    resolution (10 March) r1 revised and r4, dated 8 February, added: two steps become hindcasts."""
    root = tmp_path / "resolved"
    root.mkdir()
    git(root, "init", "-q")
    commit(root, "2025-01-02T12:00:00Z", {"scenario.toml": scenario(outcome=""), "evidence/.gitkeep": ""})
    commit(root, "2025-01-05T12:00:00Z", {"evidence/2025-01-03.csv": HEADER + "r1,first,0.8,0.3,0.4\n"})
    commit(root, "2025-01-20T12:00:00Z", {"evidence/2025-01-18.csv": HEADER + "r3,third,0.2,0.5,0.6\n"})
    commit(root, "2025-03-10T12:00:00Z", {"scenario.toml": scenario(outcome='outcome = "a"\nresolved_on = 2025-02-20'),
                                          "evidence/2025-01-03.csv": HEADER + "r1,first,0.9,0.3,0.4\n",
                                          "evidence/2025-02-08.csv": HEADER + "r4,fourth,0.9,0.1,0.3\n"})
    return root


def score_json(*args) -> dict:
    result = run_beliefs("score", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_steps_written_late_are_hindcasts_with_their_share(resolved_repo, tmp_path):
    workspace = resolved_repo / "analysis" / "talks"
    entry = score_json(workspace)["workspaces"][0]
    # scored steps 1 Jan, 3 Jan, 18 Jan and 8 Feb, held 2, 15, 21 and 12 days until the resolution of 20 February;
    # r1 (3 Jan) was last changed on 10 March and r4 (8 Feb) written then: more than 7 days late
    assert [(s["date"], s["hindcast"]) for s in entry["steps"]] == [("2025-01-01", False), ("2025-01-03", True), ("2025-01-18", False),
                                                                    ("2025-02-08", True)]
    assert entry["hindcast_share"] == pytest.approx((15 + 12) / 50)
    lenient = score_json(workspace, "--grace", "70")["workspaces"][0]  # 66 and 30 days late: within 70
    assert not any(s["hindcast"] for s in lenient["steps"]) and lenient["hindcast_share"] == 0
    # an uncommitted edit is written today: late for every step it touches
    write(workspace, {"evidence/2025-01-18.csv": HEADER + "r3,third (edited),0.2,0.5,0.6\n"})
    assert score_json(workspace, "--grace", "70")["workspaces"][0]["steps"][2]["hindcast"] is True
    loose = tmp_path / "loose"
    shutil.copytree(workspace, loose)
    outside = score_json(loose)["workspaces"][0]
    assert all(s["hindcast"] is None for s in outside["steps"]) and outside["hindcast_share"] is None
    assert outside["real_time"] is None and outside["real_time_reason"] == "the workspace is not in a git repository"
    assert outside["preregistered"] is None and outside["criteria_changed_on"] is None


def test_real_time_scores_the_path_as_published_at_each_date(resolved_repo):
    from beliefs.results.scoring import expected_scores

    workspace = resolved_repo / "analysis" / "talks"
    entry = score_json(workspace)["workspaces"][0]
    real = entry["real_time"]
    assert "2025-01-01" in entry["real_time_reason"]  # nothing was committed by the prior date
    assert [s["date"] for s in real["steps"]] == ["2025-01-03", "2025-01-18", "2025-02-08"]
    published = [update_json(workspace, "--as-of", s["date"])["steps"][-1]["hypotheses"] for s in real["steps"]]
    probabilities = [[p[h] for h in ("a", "b", "c")] for p in published]
    brier, log_score = expected_scores(np.array(probabilities), np.array([1.0, 0.0, 0.0]))
    assert [s["brier"] for s in real["steps"]] == pytest.approx(brier, abs=1e-5)
    assert [s["log_score"] for s in real["steps"]] == pytest.approx(log_score, abs=1e-5)
    days = np.array([15, 21, 12])
    assert real["time_weighted"]["brier"] == pytest.approx(np.sum(brier * days) / days.sum(), abs=1e-5)
    assert real["days_covered"] == pytest.approx(48 / 50)
    assert published[0] == {"a": 0.5, "b": 0.3, "c": 0.2}  # on 3 January only the priors were committed


def test_check_warns_when_the_criteria_were_written_after_the_fact(resolved_repo):
    workspace = resolved_repo / "analysis" / "talks"
    on_time = run_beliefs("check", workspace)
    assert on_time.returncode == 0 and "warning" not in on_time.stderr
    entry = score_json(workspace)["workspaces"][0]
    assert entry["criteria_changed_on"] == "2025-01-02" and entry["preregistered"] is True
    commit(resolved_repo, "2025-03-12T08:00:00Z",
           {"scenario.toml": scenario(outcome='outcome = "a"\nresolved_on = 2025-02-20').replace("Neither", "Neither happens by 1 March")})
    late = run_beliefs("check", workspace)
    assert late.returncode == 0
    assert ("scenario.toml:17:1: the resolution criteria were last changed on 2025-03-12, 70 days after prior_date 2025-01-01: "
            "they were not written before the forecasting began") in late.stderr.replace("\n", " ").replace("  ", " "), late.stderr
    entry = score_json(workspace)["workspaces"][0]
    assert entry["criteria_changed_on"] == "2025-03-12" and entry["preregistered"] is False


def test_report_as_of_a_day_and_what_changed_since_a_revision(repo, tmp_path):
    workspace = repo / "analysis" / "talks"
    before = tree_digest(workspace, folders=True)
    out = tmp_path / "report"
    result = run_beliefs("report", workspace, "--as-of", "2025-01-25", "--since", "HEAD~2", "--out", out)
    assert result.returncode == 0, result.stderr
    assert (out / "summary.json").read_text() == run_beliefs("update", workspace, "--as-of", "2025-01-25", "--json").stdout
    html = (out / "index.html").read_text()
    second = git(repo, "rev-parse", "HEAD~1").strip()
    assert f"as it stood at the end of 2025-01-25 (UTC): commit <code>{second[:12]}</code>" in html
    assert "<h2>What changed since HEAD~2</h2>" in html  # from the first commit to the vintage of 25 January: r2 and r3 added
    diff = json.loads(run_beliefs("diff", workspace, "HEAD~2", "HEAD~1", "--json").stdout)
    strongest = diff["changes"][0]
    assert html.index(f"<code>{strongest['id']}</code>") < html.index(f"<code>{diff['changes'][1]['id']}</code>")
    markdown = (out / "report.md").read_text()
    assert "## What changed since HEAD\\~2" in markdown and "| row added | r" in markdown
    assert tree_digest(workspace, folders=True) == before  # --out elsewhere: the workspace is untouched


def test_report_and_portfolio_say_how_much_is_hindcast(resolved_repo, tmp_path):
    workspace = resolved_repo / "analysis" / "talks"
    result = run_beliefs("report", workspace, "--out", tmp_path / "report")
    assert result.returncode == 0, result.stderr
    html = " ".join((tmp_path / "report" / "index.html").read_text().split())
    assert "<strong>54% of this score is hindcast:</strong> 2 of the 4 scored steps (2025-01-03, 2025-02-08)" in html
    assert "The path as it was published at each date scores a Brier of" in html
    assert "The resolution criteria were written by 2025-01-02, before the forecasting was under way." in html
    scores = run_beliefs("score", workspace, "--out", tmp_path / "portfolio")
    assert scores.returncode == 0, scores.stderr
    page = " ".join((tmp_path / "portfolio" / "index.html").read_text().split())
    assert "<strong>54% of this track record is hindcast:</strong>" in page
    assert "hindcast: 54% of the score" in " ".join(scores.stdout.split())
    loose = tmp_path / "loose"
    shutil.copytree(workspace, loose)
    assert run_beliefs("score", loose, "--out", tmp_path / "loose-portfolio").returncode == 0
    assert "Not under git: nothing on this page tells forecasts" in (tmp_path / "loose-portfolio" / "index.html").read_text()


def test_a_change_that_cannot_stand_alone_has_no_shift_and_says_why(repo):
    workspace = repo / "analysis" / "talks"
    header = "id,summary,p_a,p_b,p_c,p_d\n"
    write(workspace, {"scenario.toml": scenario(b=0.5).replace("c = { prior = 0.2 }", "c = { prior = 0.2 }\nd = { prior = 0.1 }"),
                      "evidence/2025-01-03.csv": header + "r1,first,0.8,0.3,0.4,0.5\nr2,second,0.4,0.6,0.5,0.5\n",
                      "evidence/2025-01-18.csv": header + "r3,third,0.2,0.5,0.6,0.5\n",
                      "evidence/2025-02-08.csv": header + "r4,fourth,0.9,0.1,0.3,0.5\n"})
    diff = json.loads(run_beliefs("diff", workspace, "HEAD", "--json").stdout)
    assert set(diff["after"]) == {"a", "b", "c", "d"} and set(diff["before"]) == {"a", "b", "c"}
    found = {(c["kind"], c.get("id") or c.get("key")): c for c in diff["changes"]}
    assert set(found) == {("scenario", "hypotheses.d"), ("scenario", "hypotheses.b.prior"), *(("row changed", r) for r in ("r1", "r2", "r3", "r4"))}
    assert diff["changes"][0]["key"] == "hypotheses.b.prior" and diff["changes"][0]["shift"] is not None  # it stands alone: first
    assert all(c["shift"] is None for c in diff["changes"][1:])  # the changes with no shift of their own come last
    assert found[("scenario", "hypotheses.d")] == {"kind": "scenario", "key": "hypotheses.d", "shift": None,
                                                        "note": "the rows would have to change with it"}
    assert all(found[("row changed", r)]["shift"] is None and found[("row changed", r)]["columns"] == ["p_d"] for r in ("r1", "r2", "r3", "r4"))


def test_files_added_once_are_dated_without_blame_as_blame_dates_them(repo, tmp_path):
    """`line_dates` skips `git blame` for files one commit added and nothing changed since; for every
    file of the workspace (added once, changed later, renamed into it, changed in the working tree)
    it gives what blame gives."""
    from beliefs.record.git import added_once, line_dates, repository

    workspace = repo / "analysis" / "talks"
    git(repo, "mv", "analysis/talks/evidence/2025-01-18.csv", "analysis/talks/evidence/2025-01-19.csv")
    # blame takes a file added beside a rename for a copy of the renamed one (the header line is older)
    commit(repo, "2025-03-01T00:00:00Z", {"evidence/2025-02-15.csv": HEADER + "r7,seventh,0.4,0.3,0.6\n"})
    commit(repo, "2025-03-02T00:00:00Z", {"evidence/2025-02-20.csv": HEADER + "r6,sixth,0.3,0.3,0.6\n"})
    (workspace / "scenario.toml").write_text((workspace / "scenario.toml").read_text() + "\n# a note\n")
    (workspace / "evidence" / "2025-02-08.csv").write_text(HEADER + "r4,fourth,0.9,0.1,0.3\nr5,fifth,0.5,0.5,0.5\n")
    files = [workspace / "scenario.toml", *sorted((workspace / "evidence").glob("*.csv"))]
    fast = repository(workspace)
    once = added_once(fast)
    assert not {f"analysis/talks/{name}" for name in ("evidence/2025-01-19.csv", "evidence/2025-02-08.csv", "evidence/2025-02-15.csv",
                                                        "scenario.toml")} & set(once)
    assert "analysis/talks/evidence/2025-02-20.csv" in once  # the shortcut is taken
    blamed = repository(workspace)
    blamed.known["added_once"] = {}  # every file through git blame
    def dated(dates):  # a line not committed yet is dated now, which moves between calls
        return [d if d.year < 2026 else "now" for d in dates]

    for path in files:
        assert dated(line_dates(fast, path)) == dated(line_dates(blamed, path)), path
