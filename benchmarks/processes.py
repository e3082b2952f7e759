"""Running one measurement as a process: wall time, peak memory, and the machine it ran on."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


@dataclass(frozen=True)
class ProcessRun:
    """One finished process: wall and CPU (user + system) seconds, its own peak resident memory, exit code, output."""

    seconds: float
    cpu_seconds: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_process(argv: list[str], env: dict[str, str], timeout: float | None = None) -> ProcessRun:
    """Run `argv` to completion; the wall time from start to exit, and the child's max RSS.

    Peak memory is `ru_maxrss` from `os.wait4` on this one child: its own high-water mark,
    not a delta of `RUSAGE_CHILDREN`, and not shared with earlier measurements. With a
    `timeout` (seconds) the child is polled every 10 ms and killed when it runs longer; its
    `timed_out` is then True.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        timed_out = False
        if timeout is None:
            _, status, usage = os.wait4(process.pid, 0)
        else:
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() - start > timeout:
                    process.kill()
                    timed_out = True
                    _, status, usage = os.wait4(process.pid, 0)
                    break
                time.sleep(0.01)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        cpu_seconds = usage.ru_utime + usage.ru_stime
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        return ProcessRun(seconds, cpu_seconds, usage.ru_maxrss / 1024, process.returncode, stdout, stderr, timed_out)


def beliefs_command() -> list[str]:
    """The `beliefs` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "beliefs"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from beliefs.cli import main; main()"]


def environment(compiledir: Path) -> dict[str, str]:
    """This environment with PyTensor's (and numba's) compile caches moved to `compiledir`.

    A fresh, empty `compiledir` makes a process cold; reusing one that an earlier process
    filled makes it warm.
    """
    env = dict(os.environ)
    flags = [f for f in env.get("PYTENSOR_FLAGS", "").split(",") if f and not f.startswith(("base_compiledir=", "compiledir="))]
    env["PYTENSOR_FLAGS"] = ",".join([*flags, f"base_compiledir={compiledir}"])
    env["NUMBA_CACHE_DIR"] = str(compiledir / "numba-cache")
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f"{kib / 1024**2:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    packages = {name: _version(name) for name in ("beliefs", "pymc", "nutpie", "pytensor", "arviz", "xarray", "numpy", "scipy")}
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        **packages,
    }


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"
