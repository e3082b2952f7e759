"""Faults and hostile input, through the `beliefs` command as a user runs it: a damaged cache,
the smallest workspace `init` makes, analyst text that looks like markup, read-only folders, a
full disk, leftovers of killed runs and paths that are not what they seem."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import resource
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from beliefs.inference.cache import cache_paths
from tests.conftest import HEADER
from tests.conftest import SCENARIO as SCENARIO_TEXT
from tests.helpers import BELIEFS, run_beliefs, tree_digest


def small(make_workspace):
    return make_workspace({"2025-02-01.csv": "r1,First,,,,0.7,0.4,0.3,0.6,0.4\n", "2025-03-01.csv": "r2,Second,,,,0.4,0.5,0.6,,\n"})


# -- 1. a damaged cache is never trusted ------------------------------------------------------
def test_a_tampered_summary_in_the_manifest_is_rebuilt_not_printed(make_workspace):
    root = small(make_workspace)
    first = run_beliefs("update", root, "--json")
    assert first.returncode == 0, first.stderr
    _, manifest_path = cache_paths(root, "exact")
    manifest = json.loads(manifest_path.read_text())
    true_value = manifest["summary"]["steps"][-1]["hypotheses"]["a"]
    manifest["summary"]["steps"][-1]["hypotheses"]["a"] = round(true_value + 0.1, 6)
    manifest_path.write_text(json.dumps(manifest, indent=1))
    for _ in range(2):  # rebuilt, and the rebuilt cache is right too
        again = run_beliefs("update", root, "--json")
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout) == json.loads(first.stdout)
    assert json.loads(manifest_path.read_text())["summary"]["steps"][-1]["hypotheses"]["a"] == true_value


def test_a_manifest_without_steps_is_rebuilt(make_workspace):
    root = small(make_workspace)
    first = run_beliefs("update", root, "--json")
    _, manifest_path = cache_paths(root, "exact")
    manifest = json.loads(manifest_path.read_text())
    del manifest["summary"]["steps"]
    manifest_path.write_text(json.dumps(manifest))
    again = run_beliefs("update", root, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)
    assert "rebuilt" in again.stderr


# -- 2. the workspace `init` makes goes through every command ---------------------------------
def test_every_command_works_on_the_workspace_init_makes(tmp_path):
    root = tmp_path / "ws"
    assert run_beliefs("init", root).returncode == 0
    commands = [["check"], ["update"], ["update", "--json", "--horizon", "30d"], ["watch"], ["watch", "--json"], ["score"],
                ["sensitivity"], ["sensitivity", "--json"], ["what-if", "--p", "yes=0.6", "--p", "no=0.4"],
                ["report", "--out", tmp_path / "report"]]
    for command in commands:
        result = run_beliefs(command[0], root, *command[1:])
        assert result.returncode == 0, (command, result.stderr)
    (root / "indicators.csv").write_text("id,summary,p_yes,p_no\ntalks,Talks are announced,0.6,0.3\n")
    for command in (["watch"], ["watch", "--json"], ["report", "--out", tmp_path / "report"], ["check"]):
        result = run_beliefs(command[0], root, *command[1:])
        assert result.returncode == 0, (command, result.stderr)
    assert "talks" in run_beliefs("watch", root).stdout
    added = run_beliefs("add", root, "--date", dt.date.today().isoformat(), "--id", "seen", "--summary", "It was seen", "--p", "yes=0.7", "--p", "no=0.2")
    assert added.returncode == 0, added.stderr
    for command in (["update"], ["report", "--out", tmp_path / "report"], ["watch"], ["sensitivity"]):
        result = run_beliefs(command[0], root, *command[1:])
        assert result.returncode == 0, (command, result.stderr)


# -- 3. analyst text is printed as text ---------------------------------------------------------
MARKUP = "[/] [red]x [link=https://evil.example]click[/link] [bold]"
ESCAPE = "\x1b[31mred\x1b]8;;https://evil.example\x07"
HOSTILE_SCENARIO = f"""\
title = "{MARKUP} \\u001b[31mred\\u001b]8;;https://evil.example\\u0007"
prior_date = 2025-01-01

[hypotheses]
a = {{ prior = 0.5, label = "{MARKUP} \\u001b[2J" }}
b = {{ prior = 0.5, label = "Beta [/]" }}

[latents.w]
label = "{MARKUP}"
prior = {{ alpha = 2.0, beta = 2.0 }}

[groups.g1]
label = "{MARKUP}"

[resolution]
by = 2025-06-01
criteria = {{ a = "[/] it happens", b = "[red] it does not" }}
"""
HOSTILE_HEADER = "id,summary,source,group,p_a,p_b,p_w_yes,p_w_no\n"


def hostile_workspace(make_workspace):
    rows = (f'"{MARKUP} one","{MARKUP} first",[link=https://evil.example]src[/link],g1,0.7,0.4,0.6,0.4\n'
            f'"[/]two","[red]second",[link=https://evil.example]src[/link],g1,0.6,0.3,,\n')
    root = make_workspace({"2025-02-01.csv": HOSTILE_HEADER + rows}, scenario=HOSTILE_SCENARIO)
    (root / "indicators.csv").write_text(f'id,summary,p_a,p_b\n"[/]watch-{MARKUP}","{MARKUP} to watch",0.6,0.2\n')
    return root


def assert_literal(result, *texts):
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "\x1b" not in output and "\x07" not in output, output
    for text in texts:
        assert text in output.replace("\n", ""), (text, output)


def test_markup_and_control_characters_in_analyst_text_are_printed_literally(make_workspace, tmp_path):
    root = hostile_workspace(make_workspace)
    wide = {"COLUMNS": "400"}
    assert_literal(run_beliefs("check", root, env=wide), MARKUP, "\\x1b[31mred")
    assert_literal(run_beliefs("update", root, env=wide), MARKUP)
    assert_literal(run_beliefs("what-if", root, "--p", "a=0.9", "--p", "b=0.1", "--summary", f"{MARKUP}{ESCAPE}", env=wide),
                   MARKUP, "\\x1b[31mred")
    assert_literal(run_beliefs("watch", root, env=wide), f"[/]watch-{MARKUP}", f"{MARKUP} to watch")
    assert_literal(run_beliefs("sensitivity", root, env=wide), f"{MARKUP} one", "[/]two")
    resolved = root.parent / "resolved [red]x [link=https:evil]y"
    root.rename(resolved)
    toml = (resolved / "scenario.toml").read_text().replace("by = 2025-06-01", "by = 2025-06-01\noutcome = \"a\"")
    (resolved / "scenario.toml").write_text(toml)
    assert_literal(run_beliefs("score", resolved, env=wide), "resolved [red]x [link=https:evil]y", f"{MARKUP} one")
    added = run_beliefs("add", resolved, "--date", "2025-03-01", "--id", f"{MARKUP}new", "--summary", f"{MARKUP}{ESCAPE}",
                        "--source", MARKUP, "--p", "a=0.6", "--p", "b=0.5", env=wide)
    assert_literal(added, f"{MARKUP}new", "resolved [red]x [link=https:evil]y")


# -- 4. a dollar sign in analyst text is drawn as a dollar sign -------------------------------
DOLLARS = "costs $5^{ and $x_1$ $"
DOLLAR_SCENARIO = f"""\
title = "{DOLLARS}"
prior_date = 2025-01-01

[hypotheses]
a = {{ prior = 0.5, label = "{DOLLARS} a" }}
b = {{ prior = 0.5, label = "$b_2$" }}

[latents.w]
label = "{DOLLARS} w"
prior = {{ alpha = 2.0, beta = 2.0 }}
volatility = 0.1

[groups.g1]
label = "{DOLLARS} g"
"""


def test_dollar_signs_in_analyst_text_are_drawn_literally(make_workspace, tmp_path):
    import matplotlib.text

    import beliefs
    from beliefs.outputs import plots

    rows = f'"$id_1$ one","{DOLLARS} first","$src$",g1,0.7,0.4,0.6,0.4\n"two $^{{","$x$ second",,g1,0.6,0.3,,\n'
    root = make_workspace({"2025-02-01.csv": HOSTILE_HEADER + rows, "2025-03-01.csv": HOSTILE_HEADER + '"$3$",third,,,0.5,0.6,,\n'},
                          scenario=DOLLAR_SCENARIO)
    (root / "indicators.csv").write_text(f'id,summary,p_a,p_b\n"$w$","{DOLLARS} watch",0.6,0.2\n')
    result = run_beliefs("report", root, "--out", tmp_path / "report")
    assert result.returncode == 0, result.stderr
    history = beliefs.update_history(beliefs.load_workspace(root), horizon_days=30).history
    figures = [plots.plot_timeline(history), plots.plot_latent_timeline(history), plots.plot_influence(history),
               plots.plot_step(history, 1), plots.plot_latent_step(history, 1)]
    for figure in map(plots.figure_of, figures):
        figure.canvas.draw()  # lays out every text, tick labels and legends included
        texts = [t for t in figure.findobj(matplotlib.text.Text) if "$" in t.get_text()]
        assert texts
        assert all(not t.get_parse_math() and not t.get_usetex() for t in texts), [t.get_text() for t in texts]


# -- 5. a read-only workspace can be read -------------------------------------------------------
@contextlib.contextmanager
def read_only(root: Path):
    """`root` and everything in it made unwritable: by permissions, or for root (whom permissions
    do not stop) by the immutable attribute."""
    paths = [root, *root.rglob("*")]
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in paths}
        for path in paths:
            path.chmod(modes[path] & ~0o222)
        try:
            yield
        finally:
            for path in paths:
                path.chmod(modes[path])
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(root)], capture_output=True).returncode != 0:
        pytest.skip("running as root, where permissions do not stop writes, and chattr +i is not available on this file system")
    try:
        for path in paths[1:]:
            subprocess.run(["chattr", "+i", str(path)], check=True, capture_output=True)
        yield
    finally:
        for path in paths:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)


def test_a_read_only_workspace_is_read_with_a_warm_cache_and_computed_without_one(make_workspace, tmp_path):
    root = small(make_workspace)
    (root / "indicators.csv").write_text("id,summary,p_a,p_b,p_c\nwatch-me,Something to watch,0.6,0.3,0.2\n")
    cold = make_workspace({"2025-02-01.csv": "r1,First,,,,0.7,0.4,0.3,0.6,0.4\n"}, name="cold")
    warm = run_beliefs("update", root, "--json")
    assert warm.returncode == 0, warm.stderr
    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    with read_only(root), read_only(cold):
        with pytest.raises(OSError):
            (root / "probe").write_text("")
        update = run_beliefs("update", root, "--json")
        assert update.returncode == 0, update.stderr
        assert json.loads(update.stdout) == json.loads(warm.stdout)
        for command in (["watch"], ["score"], ["check"], ["report", "--out", tmp_path / "elsewhere"]):
            result = run_beliefs(command[0], root, *command[1:])
            assert result.returncode == 0, (command, result.stderr)
        uncached = run_beliefs("update", cold, "--json")
        assert uncached.returncode == 0, uncached.stderr
        notes = [line for line in uncached.stderr.splitlines() if "cache" in line]
        assert len(notes) == 1 and "could not be saved" in notes[0], uncached.stderr
        assert json.loads(uncached.stdout)["steps"][-1]["hypotheses"]
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == before
    assert (tmp_path / "elsewhere" / "index.html").exists()


# -- 6. a full disk ends in a clean error, the old cache and report intact ----------------------
@contextlib.contextmanager
def small_disk(folder: Path, size: str = "24m"):
    """A file system of `size` at `folder` (a tmpfs; None when it cannot be mounted here)."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path, leave: int) -> None:
    """Fill the file system of `folder` until `leave` bytes are free."""
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    with open(folder / "filler", "wb") as stream:
        stream.write(b"\0" * max(free - leave, 0))


def run_limited(*args, limit: int | None) -> subprocess.CompletedProcess:
    """`beliefs ARGS`, with files it writes limited to `limit` bytes when given (EFBIG past it)."""
    def cap():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([str(BELIEFS), *map(str, args)], capture_output=True, text=True, timeout=600,
                          preexec_fn=cap if limit is not None else None, env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"})


@pytest.mark.parametrize("leave", [2_048, 65_536], ids=["nothing-left", "a-little-left"])
def test_a_full_disk_fails_cleanly_with_the_old_cache_and_report_intact(make_workspace, tmp_path, leave):
    with small_disk(tmp_path / "disk") as mounted:
        root = shutil.copytree(small(make_workspace), tmp_path / "disk" / "ws")
        assert run_beliefs("update", root).returncode == 0
        assert run_beliefs("report", root).returncode == 0
        before = tree_digest(root, skip=("evidence",))
        (root / "evidence" / "2025-04-01.csv").write_text(HEADER + "r3,Third,,,,0.5,0.6,0.4,,\n")
        if mounted:
            fill(tmp_path / "disk", leave=leave)
        for command in (["update", root], ["report", root]):
            result = run_limited(*command, limit=None if mounted else leave)
            assert result.returncode == 1, (command, result.returncode, result.stderr)
            lines = result.stderr.strip().splitlines()
            assert (len(lines) == 1 and "space" in lines[0]) or "too large" in lines[0], result.stderr
            assert "unexpected" not in lines[0]
            assert tree_digest(root, skip=("evidence", "filler")) == before


# -- 7. what killed runs leave is cleaned on the next run and ignored by git --------------------
def test_leftovers_of_killed_runs_are_removed_by_the_next_run_and_ignored_by_git(tmp_path):
    root = tmp_path / "ws"
    assert run_beliefs("init", root).returncode == 0
    (root / "evidence" / f"{dt.date.today().isoformat()}.csv").write_text("id,summary,p_yes,p_no\nr1,Seen,0.7,0.3\n")
    assert run_beliefs("report", root).returncode == 0
    for _ in range(2):  # a report killed while it draws its figures
        earlier = set(root.glob(".reports.tmp-*/figures/*.svg"))
        process = subprocess.Popen([str(BELIEFS), "report", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 300
            while time.time() < deadline and not set(root.glob(".reports.tmp-*/figures/*.svg")) - earlier:
                time.sleep(0.02)
            assert process.poll() is None, "the run finished before it could be interrupted"
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait(timeout=60)
    assert len(list(root.glob(".reports.tmp-*"))) == 1  # the second run removed the first's; its own is left
    leftover = root / "evidence" / ".2027-01-05.csv.k1ll3d.tmp"  # as `add` leaves it when killed mid-write
    leftover.write_text("id,summary,p_yes,p_no\nr1,Seen,0.7,0.3\nr2,Half")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    ignored = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=all"], capture_output=True, text=True).stdout
    assert ".tmp" not in ignored and ".reports" not in ignored, ignored
    assert run_beliefs("report", root).returncode == 0
    assert not list(root.glob(".reports.*"))
    added = run_beliefs("add", root, "--date", dt.date.today().isoformat(), "--id", "r2", "--summary", "Next", "--p", "yes=0.6", "--p", "no=0.5")
    assert added.returncode == 0, added.stderr
    assert not leftover.exists()


# -- 8. --out deletes only what beliefs wrote ------------------------------------------------
def test_out_replaces_only_what_beliefs_wrote(make_workspace, tmp_path):
    root = small(make_workspace)
    first = tmp_path / "first"
    assert run_beliefs("report", root, "--out", first).returncode == 0
    # a copied marker does not make a folder of other files the tool's
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("precious")
    shutil.copy(first / ".beliefs-report", mine / ".beliefs-report")
    refused = run_beliefs("report", root, "--out", mine)
    assert refused.returncode == 2 and "did not write" in refused.stderr, refused.stderr
    assert (mine / "thesis.docx").read_text() == "precious"
    # nor does a report folder to which the analyst added a file
    (first / "notes.txt").write_text("mine")
    refused = run_beliefs("report", root, "--out", first)
    assert refused.returncode == 2 and "notes.txt" in refused.stderr, refused.stderr
    (first / "notes.txt").unlink()
    (first / "drafts").mkdir()
    assert run_beliefs("report", root, "--out", first).returncode == 2 and (first / "drafts").is_dir()
    (first / "drafts").rmdir()
    # a folder of the analyst's named like a half-built report is not removed
    sibling = tmp_path / ".first.tmp-drafts"
    sibling.mkdir()
    (sibling / "draft.md").write_text("draft")
    os.utime(sibling, (time.time() - 7200, time.time() - 7200))
    assert run_beliefs("report", root, "--out", first).returncode == 0
    assert (sibling / "draft.md").read_text() == "draft"
    # a symlinked --out is written through: the link stays a link, the report lands at its target
    real = tmp_path / "real"
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    for _ in range(2):
        result = run_beliefs("report", root, "--out", link)
        assert result.returncode == 0, result.stderr
        assert link.is_symlink() and (real / "index.html").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".link", ".real")) and p != sibling]


# -- 9. add appends through a symlinked day file -------------------------------------------------
def test_add_appends_through_a_symlinked_day_file(make_workspace, tmp_path):
    root = small(make_workspace)
    shared = tmp_path / "shared"
    shared.mkdir()
    day = root / "evidence" / "2025-02-01.csv"
    shutil.move(day, shared / "day.csv")
    day.symlink_to(shared / "day.csv")
    before = (shared / "day.csv").read_text()
    added = run_beliefs("add", root, "--date", "2025-02-01", "--id", "r9", "--summary", "Through the link",
                        "--p", "a=0.6", "--p", "b=0.5", "--p", "c=0.5")
    assert added.returncode == 0, added.stderr
    assert day.is_symlink() and day.resolve() == (shared / "day.csv").resolve()
    after = (shared / "day.csv").read_text()
    assert after.startswith(before) and "r9,Through the link" in after
    assert not list(shared.glob(".*.tmp")) and not list((root / "evidence").glob(".*.tmp"))


# -- 10. bad flags exit 2 with a message ---------------------------------------------------------
@pytest.mark.parametrize(("args", "flag"), [
    (["update", "--seed", "-1"], "--seed"),
    (["update", "--seed", str(2**64)], "--seed"),
    (["watch", "--seed", "-1"], "--seed"),
    (["sensitivity", "--seed", "-5"], "--seed"),
    (["report", "--seed", str(2**70)], "--seed"),
    (["what-if", "--seed", "-1", "--p", "a=0.5", "--p", "b=0.5", "--p", "c=0.5"], "--seed"),
    (["update", "--horizon", "999999999d"], "--horizon"),
    (["report", "--horizon", "99999m"], "--horizon"),
    (["add", "--date", "2025-04-01", "--id", "x", "--summary", "y", "--p", "a=0.5", "--p", "b=0.5", "--p", "c=0.5", "--file-words", "w" * 300],
     "file words"),
    (["add", "--date", "2025-04-01", "--id", "x", "--summary", "y", "--p", "a=0.5", "--p", "b=0.5", "--p", "c=0.5", "--file-words", "a\tb\x1b"],
     "file words"),
], ids=["seed-negative", "seed-huge", "watch-seed", "sensitivity-seed", "report-seed", "what-if-seed", "horizon-days", "horizon-months",
        "file-words-long", "file-words-control"])
def test_bad_flags_exit_2_with_a_message(make_workspace, args, flag):
    root = small(make_workspace)
    before = tree_digest(root)
    result = run_beliefs(args[0], root, *args[1:])
    assert result.returncode == 2, result.stderr
    assert flag in result.stderr and "unexpected" not in result.stderr and "Traceback" not in result.stderr
    assert "\x1b" not in result.stderr
    assert tree_digest(root, skip=(".beliefs",)) == {k: v for k, v in before.items() if not k.startswith(".beliefs")}


# -- 11. check validates indicators.csv as watch does ---------------------------------------------
@pytest.mark.parametrize("body", [b"", b"id,summary,p_a,p_b,p_c\nx,A,0.5,0.4,0.1\nx,B,0.5,0.3,0.1\n", b"id,summary,p_a,p_b,p_c\nx,A,1.3,0.4,0.1\n",
                                  b"id,summary,p_a,p_b,p_c\nx,caf\xe9,0.5,0.4,0.1\n", None],
                         ids=["empty", "duplicate-id", "p-above-1", "latin-1", "a-folder"])
def test_check_validates_indicators_like_watch(make_workspace, body):
    root = small(make_workspace)
    if body is None:
        (root / "indicators.csv").mkdir()
    else:
        (root / "indicators.csv").write_bytes(body)
    checked, watched = run_beliefs("check", root), run_beliefs("watch", root)
    assert checked.returncode == watched.returncode == 2, checked.stdout + checked.stderr
    assert "indicators.csv" in checked.stderr and checked.stderr == watched.stderr


# -- 12. the redundancy warning scales: one line per cluster --------------------------------------
def test_many_equal_rows_on_one_date_give_one_warning_per_cluster(make_workspace):
    """2,000 equal rows are one warning, not 1,999 (nor one per pair); how long it takes is not
    asserted here, as no wall-clock limit is."""
    rows = "".join(f"r{i},Same news,wire,,,0.7,0.4,0.3,,\n" for i in range(2000))
    other = "s1,Other,wire,,,0.2,0.4,0.3,,\ns2,Other two,,,,0.2,0.4,0.3,0.6,0.4\n"
    root = make_workspace({"2025-02-01.csv": rows + other})
    result = run_beliefs("check", root)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning")]
    assert len(warnings) == 2, result.stderr[:2000]
    assert "row 'r1' and 1998 more rows have the same likelihoods as row 'r0' (2025-02-01.csv:2)" in warnings[0]
    assert "row 's1' cites the same source as row 'r0' (2025-02-01.csv:2)" in warnings[1]


# -- 13. messages that name the real cause --------------------------------------------------------
def test_a_huge_quoted_cell_is_called_too_large_not_an_unclosed_quote(make_workspace):
    root = small(make_workspace)
    (root / "evidence" / "2025-02-01.csv").write_text(HEADER + f'r1,"{"x" * 10_000_000}",,,,0.7,0.4,0.3,,\n')
    result = run_beliefs("check", root)
    assert result.returncode == 2
    assert "unclosed" not in result.stderr and "too large" in result.stderr and "2025-02-01.csv:2" in result.stderr, result.stderr
    (root / "evidence" / "2025-02-01.csv").write_text(HEADER + 'r1,"never closed,,,,0.7,0.4,0.3,,\n' + "more\n" * 10 + "x" * 200_000 + "\n")
    assert "never closed" in run_beliefs("check", root).stderr


SCENARIO_STATE = SCENARIO_TEXT + """
[latents.s]
kind = "state"
prior = 0.2
switch = { on = 0.1, off = 0.2 }
"""


def test_a_negative_switching_rate_in_a_table_gets_a_proper_message(make_workspace):
    scenario = SCENARIO_STATE.replace("off = 0.2", "off = { a = 0.1, b = -0.3, c = 0.1 }")
    root = make_workspace({}, scenario=scenario)
    result = run_beliefs("check", root)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1, result.stderr
    assert "latents.s.switch.off.b = -0.3 is not valid: expected a rate per month >= 0" in errors[0], result.stderr
    assert "Input should" not in result.stderr


def test_a_fifo_named_like_an_evidence_file_is_refused_not_waited_on(make_workspace):
    root = small(make_workspace)
    os.mkfifo(root / "evidence" / "2025-04-01.csv")
    result = run_beliefs("check", root, timeout=60)
    assert result.returncode == 2
    assert "2025-04-01.csv" in result.stderr and "not a regular file" in result.stderr, result.stderr


def test_a_folder_named_like_an_evidence_file_is_reported(make_workspace):
    root = small(make_workspace)
    (root / "evidence" / "2025-04-01.csv").mkdir()
    result = run_beliefs("check", root)
    assert result.returncode == 2
    assert "2025-04-01.csv" in result.stderr and "is a folder" in result.stderr, result.stderr


def test_rows_after_the_resolution_and_a_resolution_before_the_priors_are_reported(make_workspace):
    resolution = '\n[resolution]\nby = 2025-02-15\ncriteria = { a = "A", b = "B", c = "C" }\n'
    root = make_workspace({"2025-02-01.csv": "r1,First,,,,0.7,0.4,0.3,,\n", "2025-03-01.csv": "r2,Late,,,,0.4,0.5,0.6,,\n"},
                          scenario=SCENARIO_TEXT + resolution)
    result = run_beliefs("check", root)
    assert result.returncode == 0, result.stderr
    assert "2025-03-01.csv:2:1: row 'r2' is dated 2025-03-01, after the question's resolution date 2025-02-15" in result.stderr, result.stderr
    early = make_workspace({}, scenario=SCENARIO_TEXT + resolution.replace("2025-02-15", "2024-12-01\nresolved_on = 2025-03-01"), name="early")
    result = run_beliefs("check", early)
    assert result.returncode == 2
    assert "resolution.by = 2024-12-01 is not after prior_date 2025-01-01" in result.stderr, result.stderr


def test_a_cache_folder_that_is_a_file_or_a_lock_that_is_a_folder_gets_a_clear_message(make_workspace):
    root = small(make_workspace)
    (root / ".beliefs").write_text("not a folder")
    result = run_beliefs("update", root)
    assert result.returncode == 2 and "unexpected" not in result.stderr
    assert ".beliefs" in result.stderr and "not a folder" in result.stderr, result.stderr
    (root / ".beliefs").unlink()
    (root / ".beliefs" / "lock").mkdir(parents=True)
    for command in (["update"], ["add", "--date", "2025-04-01", "--id", "x", "--summary", "y", "--p", "a=0.5", "--p", "b=0.5", "--p", "c=0.5"]):
        result = run_beliefs(command[0], root, *command[1:])
        assert result.returncode == 2 and "unexpected" not in result.stderr, result.stderr
        assert "lock" in result.stderr and "is a folder" in result.stderr, result.stderr
