"""Helpers shared by the tests: a digest of a file tree (to prove nothing was written), the
`beliefs` console script run as a user runs it, the totals its progress bars showed, and a copy
of the default workspace."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

BELIEFS = Path(sys.executable).with_name("beliefs")
REPO = Path(__file__).resolve().parents[1]


def tree_digest(root: Path, *, skip: tuple[str, ...] = (), folders: bool = False) -> dict[str, str]:
    """Every file under `root` (hidden ones too) with a SHA-256 of its bytes; folders as "dir"
    when `folders`; paths with a part in `skip` left out."""
    digest = {}
    for path in sorted(Path(root).rglob("*")):
        if skip and any(part in skip for part in path.relative_to(root).parts):
            continue
        if path.is_file():
            digest[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif folders and path.is_dir():
            digest[str(path.relative_to(root))] = "dir"
    return digest


def run_beliefs(*args, cwd: Path | None = None, timeout: int = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed `beliefs` command with plain output, 100 columns wide unless `env` is
    given (then COLUMNS is whatever `env` says, or unset: output piped as to a file)."""
    base = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
    env = {**base, "NO_COLOR": "1", **(env if env is not None else {"COLUMNS": "100"})}
    return subprocess.run([str(BELIEFS), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def copy_default_workspace(target: Path) -> Path:
    """Copy the default workspace's own files (not its cache or reports) to a new folder `target`."""
    target.mkdir(parents=True)
    shutil.copy(REPO / "scenario.toml", target / "scenario.toml")
    shutil.copytree(REPO / "evidence", target / "evidence")
    shutil.copy(REPO / "indicators.csv", target / "indicators.csv")
    shutil.copy(REPO / "calibration.json", target / "calibration.json")  # [calibration] file = "calibration.json"
    return target


def progress_totals(stderr: str) -> dict[str, set[int]]:
    """Every total shown on each phase's progress bar, from the terminal output."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stderr)
    totals: dict[str, set[int]] = {}
    for frame in re.split(r"[\r\n]", plain):
        shown = re.match(r"\s*(\w+)\W.*?(\d+)/(\d+)", frame)
        if shown:
            totals.setdefault(shown[1], set()).add(int(shown[3]))
    return totals
