"""Interrupted and concurrent runs: real processes, killed at arbitrary moments."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import copy_default_workspace

from beliefs.inference.cache import cache_paths

LATE = "id,summary,p_pressure,p_concede,p_walk_away,p_willingness_yes,p_willingness_no\nlate,A later row,0.7,0.3,0.4,0.6,0.4\n"


def start_update(root, *extra):
    return subprocess.Popen([sys.executable, "-m", "beliefs.cli", "update", str(root), "--json", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process) -> dict:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def updated(tmp_path_factory) -> tuple[Path, dict]:
    """A copy of the default workspace after one `beliefs update`, and what that update printed."""
    root = copy_default_workspace(tmp_path_factory.mktemp("updated") / "workspace")
    return root, finish(start_update(root))


@pytest.fixture
def updated_copy(updated, tmp_path) -> tuple[Path, dict]:
    """A private copy of `updated`, with its cache, that a test may change."""
    root, printed = updated
    return shutil.copytree(root, tmp_path / "workspace"), printed


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.5, 1.5, 2.5, 3.5, 5.0])
def test_killed_update_leaves_a_usable_cache(updated_copy, delay):
    default_copy, reference = updated_copy
    (default_copy / "evidence" / "2026-01-15-late.csv").write_text(LATE)
    process = start_update(default_copy)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    _, manifest_path = cache_paths(default_copy, "exact")
    manifest = json.loads(manifest_path.read_text())  # never half-written: old or new, but valid JSON
    assert len(manifest["summary"]["steps"]) in (len(reference["steps"]), len(reference["steps"]) + 1)
    after = finish(start_update(default_copy))
    assert after["steps"][: len(reference["steps"])] == reference["steps"]
    assert after["steps"][-1]["evidence"] == ["late"]
    assert not list(manifest_path.parent.glob("*.tmp")) and not list(manifest_path.parent.glob(".*.tmp"))


@pytest.mark.slow
def test_concurrent_updates_agree_and_leave_one_valid_cache(default_copy):
    first, second = start_update(default_copy), start_update(default_copy)
    a, b = finish(first), finish(second)
    assert a == b
    again = subprocess.run([sys.executable, "-m", "beliefs.cli", "update", str(default_copy), "--json"], capture_output=True, text=True)
    assert "computed 0 of" in again.stderr and json.loads(again.stdout) == a


def test_a_waiting_run_says_so(default_copy):
    """The lock is held until the run says it waits (however long a loaded machine takes to start
    it), then released: the run goes on and succeeds."""
    from beliefs.atomic import workspace_lock

    with workspace_lock(default_copy):
        process = start_update(default_copy)
        first_line = process.stderr.readline()  # blocks until the run prints, or ends having printed nothing
    _, rest = process.communicate(timeout=600)
    assert "Waiting for another beliefs process" in first_line, first_line + rest
    assert process.returncode == 0, rest


@pytest.mark.slow
def test_a_kill_during_the_cache_write_leaves_the_previous_cache(updated_copy):
    """Kill the process while its netCDF temp file exists, so the kill provably lands mid-write:
    the manifest and history on disk are the previous run's, and the next run cleans up."""
    default_copy, reference = updated_copy
    history_path, manifest_path = cache_paths(default_copy, "exact")
    before = manifest_path.read_bytes(), history_path.read_bytes()
    (default_copy / "evidence" / "2026-01-15-late.csv").write_text(LATE)
    process = start_update(default_copy)
    deadline, caught = time.monotonic() + 300, []
    while not caught and process.poll() is None and time.monotonic() < deadline:
        caught = list(history_path.parent.glob(f".{history_path.name}.*.tmp"))
        time.sleep(0.0005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert caught, "the run ended before its temp file was seen: the kill did not land mid-write"
    assert (manifest_path.read_bytes(), history_path.read_bytes()) == before
    after = finish(start_update(default_copy))
    assert after["steps"][: len(reference["steps"])] == reference["steps"] and after["steps"][-1]["evidence"] == ["late"]
    assert not list(history_path.parent.glob(".*.tmp"))
