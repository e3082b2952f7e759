"""The report folder replaced whole and atomically, and the provenance written in its footer.

Everything is built in a hidden folder beside the target, then swapped in with one rename
(Linux's `renameat2(RENAME_EXCHANGE)` where available, two renames otherwise), so an
interrupted run leaves the previous report as it was. Because the target folder is replaced
whole, a non-empty folder that `beliefs report` did not write is refused.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from beliefs.errors import Problem, WorkspaceError

MARKER = ".beliefs-report"
PACKAGES = ("beliefs", "pymc", "pytensor", "arviz", "arviz-plots", "xarray", "numpy", "matplotlib")
STALE_SECONDS = 3600


def git_state(root: Path) -> dict | None:
    """The workspace's git commit and whether its files differ from it; None outside git."""
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False)
        if commit.returncode != 0:
            return None
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "scenario.toml", "evidence"],
                                capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None}


def package_versions() -> dict[str, str]:
    """The installed version of each package that shaped the numbers or figures."""
    found = {}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def umask() -> int:
    """The process's file-creation mask (read without changing it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_replaceable(target: Path) -> None:
    """Refuse to replace a folder that holds anything but a previous report."""
    if target.exists() and not target.is_dir():
        raise WorkspaceError([Problem(target, "exists and is not a folder; give --out a folder for the report")])
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists():
        raise WorkspaceError([Problem(target, "is a non-empty folder that `beliefs report` did not write; the report replaces its folder "
                                              "whole, so choose an empty or new folder with --out")])


def remove_stale(target: Path) -> None:
    """Remove half-built folders left beside `target` by runs that were killed over an hour ago."""
    cutoff = time.time() - STALE_SECONDS
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for path in target.parent.glob(pattern):
            try:
                if path.is_dir() and path.stat().st_mtime < cutoff:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2(RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def swap_in(building: Path, target: Path) -> None:
    """Put `building` at `target`; the previous `target` ends up at `building` (removed by the caller)."""
    if not target.exists():
        os.rename(building, target)
        building.mkdir()  # the caller removes `building`; keep that a no-op
        return
    if _exchange(building, target):
        return
    # Fallback: two renames. Only between them is `target` briefly absent; its old contents are safe at `old`.
    old = target.parent / f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}"
    os.rename(target, old)
    try:
        os.rename(building, target)
    except BaseException:
        os.rename(old, target)
        raise
    os.rename(old, building)
