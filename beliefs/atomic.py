"""Atomic writes and the workspace lock: how `beliefs` writes without ever leaving a
half-written file or losing another process's work."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from beliefs.errors import Problem, WorkspaceError

LOCK_FILE = Path(".beliefs") / "lock"


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` that replaces it (fsynced) only if the block succeeds."""
    target = Path(target)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)  # what a folder that cannot be written answers


def remove_leftovers(folder: Path) -> None:
    """Remove the temporary files `atomic_path` left in `folder` when a run was killed mid-write;
    only while holding the workspace's lock, so no other run is writing them."""
    for leftover in Path(folder).glob(".*.tmp"):
        if leftover.is_file() and not leftover.is_symlink():
            leftover.unlink(missing_ok=True)


@contextmanager
def workspace_lock(root: Path, on_wait: Callable[[], None] | None = None, *, reading: bool = False) -> Iterator[bool]:
    """Hold the workspace's lock; call `on_wait` once if another process holds it first.

    Yields whether the lock is held. A reader (`reading`) of a workspace it may not write, such
    as a shared or mounted folder, goes on without it (yielding False): it writes nothing there.
    """
    path = Path(root) / LOCK_FILE
    if (path.parent.exists() and not path.parent.is_dir()) or path.is_dir():
        what = ("a folder, where beliefs keeps its lock file" if path.is_dir() else
                "not a folder; beliefs keeps its cache and lock in a folder of this name")
        culprit = path if path.is_dir() else path.parent
        raise WorkspaceError([Problem(culprit, f"is {what}: remove or rename it (beliefs rebuilds what it needs)")])
    try:
        path.parent.mkdir(exist_ok=True)
        lock = FileLock(path)
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait:
            on_wait()
        lock.acquire()
    except OSError as error:
        if not (reading and error.errno in READ_ONLY):
            raise
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
