"""numba's on-disk cache, which PyTensor shares between every process that compiles a NUTS model,
read and written under a file lock.

numba keeps one index per cached function (its signatures, each naming a data file of machine
code) and updates it by an unlocked read-modify-write: two processes saving different signatures
of one function at the same moment can both pick the same data file, and the index can end up
naming, for one signature, the code compiled for another. Every later process then loads that
code without an error and computes with it, so the same seed gives other draws, depending on
which processes compiled what at the same time (a loaded test run, two `beliefs update --engine
nuts` at once). numba reports the same race for its gufuncs (numba issue 10128). Holding a lock
beside the index while it is read with its data, or updated with its data, removes the race.
"""

from __future__ import annotations

import functools

from filelock import FileLock

_LOCKED = "_beliefs_locked"


def lock_numba_cache() -> None:
    """From now on in this process, every numba cache entry is loaded and saved under a file lock
    (`<index>.lock`) shared with every other process that calls this; idempotent."""
    from numba.core.caching import IndexDataCacheFile

    if getattr(IndexDataCacheFile, _LOCKED, False):
        return
    for name in ("load", "save"):
        setattr(IndexDataCacheFile, name, _under_lock(getattr(IndexDataCacheFile, name)))
    setattr(IndexDataCacheFile, _LOCKED, True)


def _under_lock(method):
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        lock = FileLock(f"{self._index_path}.lock")
        try:
            lock.acquire()
        except OSError:  # a cache folder this process may not write: it only reads, as numba would
            return method(self, *args, **kwargs)
        try:
            return method(self, *args, **kwargs)
        finally:
            lock.release()

    return locked
