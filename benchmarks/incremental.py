"""What one new row costs (issue 30): `beliefs update` after one new row on a new date, beside a
no-op update and a whole replay of the same workspace, all measured in one run.

    .venv/bin/python benchmarks/incremental.py                      # default, 800 steps, 100 to 10,000 rows
    .venv/bin/python benchmarks/incremental.py --sizes 100,1000,10000,100000
    .venv/bin/python benchmarks/incremental.py --baseline fc5df68   # also the code of that commit, same workspaces

Every measurement is a `beliefs update --json` process (the default engine, auto = exact):
- replay: the whole history with `.beliefs/` empty;
- no-op: nothing new (median of --repeats runs);
- one new row: a file with one row dated the day after the last file (median of --repeats
  runs, each adding its own file to the up-to-date workspace); the ratio is its wall time over
  the no-op's.
Workspaces: the default one as shipped (its readiness a state latent), and generated ones with
the default scenario's readiness as a constant propensity (a Beta prior, no drift, no volatility:
the grid): 800 dated steps with 2,000 rows in all, and one per --sizes entry, rows spread over
(rows / 5) dates up to 1,000 dates. Generated workspaces are the same in every run (fixed seed).
The code measured is a copy of beliefs/ taken at the start (and with --baseline, `git archive`
of that commit), imported through PYTHONPATH; each code has its own PyTensor compile directory,
warmed by its first process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import processes
import workspaces

import beliefs

HERE = Path(__file__).resolve().parent
STARTED = time.perf_counter()
ROWS_PER_DATE, MAX_DATES = 5, 1000
DONE_WHEN = 4.0  # issue 30: one new row on a new date at most 4x a no-op, on the default and the 800-step workspace


@dataclass
class Code:
    """One version of the package under test, and the environment its processes run in."""

    name: str
    env: dict[str, str]


@dataclass
class Measured:
    """One workspace under one code: the three measurements (None where not run)."""

    replay: processes.ProcessRun | None = None
    no_op: list[processes.ProcessRun] = field(default_factory=list)
    new_row: list[processes.ProcessRun] = field(default_factory=list)
    computed: str = ""
    note: str = ""

    @staticmethod
    def median(runs: list[processes.ProcessRun]) -> float | None:
        return statistics.median(r.seconds for r in runs) if runs and all(r.ok for r in runs) else None

    @property
    def ratio(self) -> float | None:
        new, no_op = self.median(self.new_row), self.median(self.no_op)
        return new / no_op if new and no_op else None

    @property
    def cpu_ratio(self) -> float | None:
        """The same ratio in CPU seconds, which other processes on a shared machine inflate far less."""
        if not self.ratio:
            return None
        return statistics.median(r.cpu_seconds for r in self.new_row) / statistics.median(r.cpu_seconds for r in self.no_op)


@dataclass
class Workspace:
    """One workspace measured: how to write it, and (once written) its rows and dated steps."""

    name: str
    target: bool  # one of the two workspaces the "done when" names
    build: object  # callable(Path) -> Path
    rows: int = 0
    steps: int = 0


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.0f} s] {message}", file=sys.stderr, flush=True)


def update(root: Path, code: Code, timeout: float | None) -> processes.ProcessRun:
    run = processes.run_process([*processes.beliefs_command(), "update", str(root), "--json"], code.env, timeout)
    if not run.ok:
        log(f"{code.name}: {'timed out' if run.timed_out else f'FAILED ({run.returncode})'}: update {root}\n{run.stderr[-2000:]}")
    return run


def measure(space: Workspace, root: Path, code: Code, repeats: int, timeout: float | None) -> Measured:
    """Replay, then no-ops, then one new row at a time, each a process."""
    result = Measured()
    warm = workspaces.prefix(root, root.with_name(root.name + "-first-files"), 5)
    update(warm, code, timeout)  # bytecode and PyTensor's compile directory warm, as on an analyst's machine
    shutil.rmtree(warm)
    result.replay = update(root, code, timeout)
    log(f"{space.name}, {code.name}: replay {result.replay.seconds:.2f} s")
    if not result.replay.ok:
        result.note = f"replay did not finish within {timeout:.0f} s" if result.replay.timed_out else "replay failed"
        return result
    result.no_op = [update(root, code, timeout) for _ in range(repeats)]
    for number in range(1, repeats + 1):
        workspaces.add_dated_file(root, number, seed=2026, rows=1)
        result.new_row.append(update(root, code, timeout))
        if not result.new_row[-1].ok:
            break
    match = re.search(r"computed (\d+) of (\d+) steps", result.new_row[-1].stderr)
    result.computed = f"computed {match[1]} of {match[2]} steps" if match else ""
    log(f"{space.name}, {code.name}: no-op {Measured.median(result.no_op)}, one new row {Measured.median(result.new_row)} ({result.computed})")
    return result


def workspace_list(sizes: list[int]) -> list[Workspace]:
    """The default workspace as shipped, the 800-step one, and one per size."""
    def generated(steps: int, rows: int):
        def build(target: Path) -> Path:
            return workspaces.hold_latents_constant(workspaces.generate(target, steps=steps, rows_per_step=0, rows=rows, seed=2026))
        return build

    spaces = [Workspace("default (as shipped: readiness a state)", True, lambda target: workspaces.copy_default(target, as_shipped=True)),
              Workspace("generated, 800 steps, constant propensity", True, generated(800, 2000))]
    for rows in sizes:
        steps = min(max(rows // ROWS_PER_DATE, 1), MAX_DATES)
        spaces.append(Workspace(f"generated, {rows:,} rows, constant propensity", False, generated(steps, rows)))
    return spaces


def snapshot(scratch: Path, baseline: str | None) -> list[Code]:
    """The live tree's beliefs/ copied now (and the baseline commit's), each with its own compile directory."""
    codes = []
    for name, rev in (("this code", None), (f"baseline {baseline}", baseline)):
        if name != "this code" and rev is None:
            continue
        folder = scratch / ("code" if rev is None else "baseline")
        folder.mkdir()
        if rev is None:
            shutil.copytree(workspaces.REPO / "beliefs", folder / "beliefs", ignore=shutil.ignore_patterns("__pycache__"))
        else:
            archive = subprocess.run(["git", "-C", str(workspaces.REPO), "archive", rev, "beliefs"], capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
        env = processes.environment(Path(tempfile.mkdtemp(dir=scratch, prefix="compiledir-")))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")]))
        where = subprocess.run([sys.executable, "-c", "import beliefs; print(beliefs.__file__)"], env=env, capture_output=True, text=True,
                               check=True, cwd=scratch)  # not the repository: `python -c` puts the current folder first on the path
        assert where.stdout.strip().startswith(str(folder)), f"{name} imports {where.stdout.strip()}, not the copy"
        codes.append(Code(name if rev is None else f"before (commit {rev})", env))
    return codes


def render(spaces: list[Workspace], results: dict, codes: list[Code], load: tuple[float, float], repeats: int) -> str:
    def seconds(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}" if value < 10 else f"{value:.1f}"

    info = processes.machine()
    packages = ", ".join(f"{name} {info[name]}" for name in ("beliefs", "pymc", "pytensor", "xarray", "numpy", "scipy"))
    lines = [f"## One new row, {dt.date.today().isoformat()}", "",
             f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory']} RAM; Python {info['python']}; {packages}.",
             f"Load average (1 min) at start {load[0]:.2f}, at end {load[1]:.2f}. The run took {(time.perf_counter() - STARTED) / 60:.1f} minutes.",
             f"Medians of {repeats} runs for the no-op and the new row; wall seconds (CPU seconds in brackets); the ratio in wall time (CPU time).", "",
             "| workspace | rows | steps | code | replay | no-op | one new row | new row / no-op | peak RSS, new row (MB) | notes |",
             "|---|---:|---:|---|---:|---:|---:|---:|---:|---|"]
    for space in spaces:
        for code in codes:
            m = results.get((space.name, code.name))
            if m is None:
                continue
            replay = f"{seconds(m.replay.seconds)} ({seconds(m.replay.cpu_seconds)})" if m.replay and m.replay.ok else "—"
            no_op, new = Measured.median(m.no_op), Measured.median(m.new_row)
            cpu = lambda runs: seconds(statistics.median(r.cpu_seconds for r in runs)) if runs else "—"  # noqa: E731
            rss = f"{max(r.max_rss_mb for r in m.new_row):.0f}" if m.new_row else "—"
            ratio = f"{m.ratio:.1f}× ({m.cpu_ratio:.1f}×)" if m.ratio else "—"
            notes = "; ".join(filter(None, [m.note, m.computed]))
            lines.append(f"| {space.name} | {space.rows:,} | {space.steps} | {code.name} | {replay} | {seconds(no_op)} ({cpu(m.no_op)}) | "
                         f"{seconds(new)} ({cpu(m.new_row)}) | {ratio} | {rss} | {notes} |")
    lines += ["", f"Issue 30's target (reported, not asserted): one new row on a new date at most {DONE_WHEN:.0f}× a no-op, measured in one run:", ""]
    for space in spaces:
        m = results.get((space.name, codes[0].name))
        if space.target and m is not None:
            verdict = "—" if m.ratio is None else "met" if m.ratio <= DONE_WHEN else "MISSED"
            lines.append(f"- {space.name}: {seconds(Measured.median(m.new_row))} s against {seconds(Measured.median(m.no_op))} s, "
                         f"{'—' if m.ratio is None else f'{m.ratio:.1f}× ({m.cpu_ratio:.1f}× in CPU time)'} ({verdict})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,10000", help="rows of the generated workspaces (default 100,1000,10000; add 100000 to measure it)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the no-op and of the new row, whose median is shown (default 3)")
    parser.add_argument("--baseline", help="also measure the package at this git commit on the same workspaces")
    parser.add_argument("--baseline-max-rows", type=int, default=2000, help="measure the baseline only on workspaces up to this many rows (default 2000)")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up on a process after this many seconds (default 900)")
    parser.add_argument("--output", type=Path, help="also write the table (markdown) to this file")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    load_start = os.getloadavg()[0]
    scratch = Path(tempfile.mkdtemp(prefix="beliefs-incremental-"))
    log(f"working in {scratch}; load average {load_start:.2f}")
    results = {}
    try:
        codes = snapshot(scratch, args.baseline)
        spaces = workspace_list(sizes)
        for space in spaces:
            source = space.build(scratch / "sources" / re.sub(r"\W+", "-", space.name))
            written = beliefs.load_workspace(source)
            space.rows, space.steps = len(written.rows), len(written.steps) - 1
            for code in codes:
                if code is not codes[0] and space.rows > args.baseline_max_rows:
                    continue
                root = scratch / re.sub(r"\W+", "-", f"{space.name}-{code.name}")
                shutil.copytree(source, root)
                results[space.name, code.name] = measure(space, root, code, args.repeats, args.timeout)
                shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(source, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report = render(spaces, results, codes, (load_start, os.getloadavg()[0]), args.repeats)
    print(report)
    if args.output:
        args.output.write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
