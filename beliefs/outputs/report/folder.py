"""The report folder replaced whole and atomically, and the provenance written in its footer.

Everything is built in a hidden folder beside the target, then swapped in with one rename
(Linux's `renameat2(RENAME_EXCHANGE)` where available, two renames otherwise), so an
interrupted run leaves the previous report as it was. Because the target folder is replaced
whole, a non-empty folder that `beliefs report` did not write is refused: its marker file lists
every file the run wrote, and a folder holding anything else is left alone. Half-built folders
of killed runs carry the marker and the run's process id in their name; the next run removes
them once that process is gone, and nothing of the analyst's named like them.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from beliefs.errors import Problem, WorkspaceError, printable

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


REPORT_FILES = ("index.html", "report.md", "summary.json", "history.nc", "scores.json", "calibration.png", "calibration.svg", MARKER)


def out_folder(out_dir: str | Path) -> Path:
    """The folder to replace: `out_dir` made absolute; a symbolic link is written through (its
    target is replaced and the link stays as it is)."""
    target = Path(out_dir).absolute()
    return target.resolve() if target.is_symlink() else target


def check_replaceable(target: Path) -> None:
    """Refuse to replace a folder that holds anything but a previous report's files."""
    if target.exists() and not target.is_dir():
        raise WorkspaceError([Problem(target, "exists and is not a folder; give --out a folder for the report")])
    if not target.is_dir() or not any(target.iterdir()):
        return
    foreign = _not_written(target)
    if foreign is None:
        raise WorkspaceError([Problem(target, "is a non-empty folder that `beliefs report` did not write; the report replaces its folder "
                                              "whole, so choose an empty or new folder with --out")])
    if foreign:
        names = ", ".join(printable(name) for name in foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise WorkspaceError([Problem(target, f"holds {names}, which `beliefs` did not write; the report replaces its folder whole, "
                                              "so move them elsewhere or choose another folder with --out")])


def write_marker(folder: Path, header: str) -> None:
    """Mark `folder` as written by beliefs, listing every file in it: only those may be replaced."""
    files = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file() and path.name != MARKER)
    (folder / MARKER).write_text(f"{header}\n# the files it wrote (anything else keeps the folder from being replaced):\n"
                                 + "".join(f"{name}\n" for name in files), encoding="utf-8")


def _not_written(target: Path) -> list[str] | None:
    """The files in `target` that beliefs did not write; None when it has no marker at all."""
    try:
        lines = (target / MARKER).read_text(encoding="utf-8").splitlines()[1:]
    except (OSError, UnicodeDecodeError):
        return None
    listed = {line for line in lines if line and not line.startswith("#")}
    found = sorted(path.relative_to(target).as_posix() + ("/" if path.is_dir() and not path.is_symlink() else "") for path in target.rglob("*"))
    if listed:
        def written(name: str) -> bool:  # a listed file, the marker, or a folder holding listed files
            return name in listed or name == MARKER or (name.endswith("/") and any(f.startswith(name) for f in listed))

        return [name for name in found if not written(name)]
    # a marker of an earlier version lists nothing: allow only what a report or portfolio page holds
    return [name for name in found if name not in (*REPORT_FILES, "figures/") and not (name.startswith("figures/") and name.endswith((".png", ".svg"))
                                                                                         and name.count("/") == 1)]


def building_folder(target: Path) -> Path:
    """A new hidden folder beside `target` to build in, named with this process's id and marked
    as beliefs' own from the start, so that a later run can tell it is left over."""
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
    building.chmod(0o777 & ~umask())  # mkdtemp makes it private; a report is meant to be shared
    (building / MARKER).write_text("Being written by `beliefs`.\n", encoding="utf-8")
    return building


def remove_stale(target: Path) -> None:
    """Remove half-built folders left beside `target` by killed runs: those beliefs marked (or
    left empty) whose process has ended, or that are over an hour old."""
    cutoff = time.time() - STALE_SECONDS
    for kind in ("tmp", "old"):
        for path in target.parent.glob(f".{target.name}.{kind}-*"):
            pid = path.name[len(f".{target.name}.{kind}-"):].partition("-")[0]
            try:
                ours = path.is_dir() and not path.is_symlink() and pid.isdigit() and ((path / MARKER).is_file() or not any(path.iterdir()))
                if ours and (not _running(int(pid)) or path.stat().st_mtime < cutoff):
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass


def _running(pid: int) -> bool:
    """Whether a process with this id exists (another run may be building beside us)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by someone else
        return True
    return True


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
