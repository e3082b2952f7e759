"""Speed, accuracy and memory of `beliefs` against the naive way, measured in one run.

    .venv/bin/python benchmarks/run.py            # the full table (see benchmarks/README.md)
    .venv/bin/python benchmarks/run.py --quick    # a smoke run with fewer steps

Every measurement is a separate process, so each has its own wall time, CPU time and peak
memory: `beliefs update` exactly as an analyst runs it, and the naive loop (naive.py).
"Cold" means an empty `.beliefs/` cache and an empty PyTensor compile directory
(`PYTENSOR_FLAGS=base_compiledir=<fresh temporary folder>`); "warm" means the compile
directory filled by an earlier process, with the `.beliefs/` cache still empty. Accuracy
is against the exact answer (accuracy.py says which one each workspace has).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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

import accuracy
import numpy as np
import processes
import workspaces

HERE = Path(__file__).resolve().parent
STARTED = time.perf_counter()
CASES = ("default", "constant", "generated", "generated-constant")
LINEAR_SLACK, LINEAR_NOISE_SECONDS = 1.25, 0.5  # how far above the linear prediction a replay may land and still count as linear


@dataclass
class Row:
    """One line of the table."""

    method: str
    runs_as: str
    steps: str
    run: processes.ProcessRun | None = None
    seconds: float | None = None  # wall time shown (a median or an extrapolation where the note says so)
    per_step: float | None = None
    speedup: float | None = None
    errors: accuracy.Errors | None = None
    note: str = ""


@dataclass
class Case:
    """One workspace under test: its exact answer, and the rows measured on it."""

    name: str
    root: Path
    reference: accuracy.Reference
    naive_steps: int
    naive_total: float | None = None
    naive_per_step: float | None = None
    rows: list[Row] = field(default_factory=list)
    full_runs: dict[str, processes.ProcessRun | None] = field(default_factory=dict)
    envs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def n_steps(self) -> int:
        return self.reference.n_steps


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.0f} s] {message}", file=sys.stderr, flush=True)


# -- measurements ---------------------------------------------------------------------------

def update(root: Path, env: dict[str, str], engine: str | None = None) -> processes.ProcessRun:
    """`beliefs update <root> [--engine ...] --json` as a process."""
    argv = [*processes.beliefs_command(), "update", str(root), "--json"]
    if engine:
        argv += ["--engine", engine]
    run = processes.run_process(argv, env)
    if not run.ok:
        log(f"FAILED ({run.returncode}): {' '.join(argv)}\n{run.stderr[-3000:]}")
    return run


def computed_note(run: processes.ProcessRun) -> str:
    """What the process said it computed ("computed 1 of 36 steps"): checks the cache's behaviour."""
    match = re.search(r"computed (\d+) of (\d+) steps", run.stderr)
    return f"computed {match[1]} of {match[2]} steps" if match else ""


def clear_cache(root: Path) -> None:
    shutil.rmtree(root / ".beliefs", ignore_errors=True)


def whole_history(case: Case, engine: str, label: str) -> Row:
    """The whole history with an empty `.beliefs/` cache, as one `beliefs update` process."""
    clear_cache(case.root)
    run = update(case.root, case.envs[engine], engine)
    row = Row(f"beliefs {engine}, {label}", f"`beliefs update --engine {engine}`", str(case.n_steps), run)
    log(f"{case.name}: {row.method}: {run.seconds:.1f} s wall, {run.cpu_seconds:.1f} s CPU, {run.max_rss_mb:.0f} MB")
    if not run.ok:
        row.note = f"failed with exit code {run.returncode}"
        return row
    row.seconds, row.per_step = run.seconds, run.seconds / case.n_steps
    actual = accuracy.cached_history(case.root, engine)
    reference = case.reference
    if engine == "exact" and reference.kind == "exact engine":
        if reference.independent is not None:
            row.errors = accuracy.errors(actual, reference.independent)
            row.note = f"error vs brute-force path integration at steps 0–{row.errors.steps - 1} (a moving latent has no closed form)"
    else:
        row.errors = accuracy.errors(actual, reference.posteriors)
    return row


def naive(case: Case, scratch: Path) -> Row:
    """The naive loop over the first `case.naive_steps` steps, as one process; the rest extrapolated."""
    steps = min(case.naive_steps, case.n_steps)
    out = scratch / f"naive-{case.name}.json"
    run = processes.run_process([sys.executable, str(HERE / "naive.py"), str(case.root), str(steps), str(out)], case.envs["nuts"])
    log(f"{case.name}: naive, {steps} steps: {run.seconds:.1f} s wall, {run.cpu_seconds:.1f} s CPU, {run.max_rss_mb:.0f} MB")
    if not run.ok:
        log(f"naive FAILED:\n{run.stderr[-3000:]}")
        return Row("naive", "naive.py", str(steps), run, note=f"failed with exit code {run.returncode}")
    results = json.loads(out.read_text(encoding="utf-8"))
    later = [r["seconds"] for r in results][1:] or [results[0]["seconds"]]
    case.naive_per_step = statistics.mean(later)
    case.naive_total = run.seconds + case.naive_per_step * (case.n_steps - steps)
    chains, draws = results[0]["chains"], results[0]["draws"]
    row = Row("naive", f"naive.py: each step `build_model` + `pm.sample()` ({chains} chains × {draws} draws, nutpie)", str(case.n_steps), run,
              case.naive_total, case.naive_total / case.n_steps, 1.0, accuracy.errors(accuracy.from_naive(results), case.reference.posteriors))
    if steps < case.n_steps:
        row.method = f"naive, first {steps} steps measured, rest extrapolated"
        row.note = (f"measured {run.seconds:.1f} s for steps 0–{steps - 1}, + {case.n_steps - steps} steps × {case.naive_per_step:.2f} s "
                    f"(mean of the measured steps after the first); CPU time and accuracy of the measured steps")
    return row


def new_files(case: Case, repeats: int, seed: int) -> list[Row]:
    """Add dated files to the up-to-date workspace one at a time; time `beliefs update` each time.

    The caches must be current for both engines. The first new file is timed with
    `--engine nuts` and with the default engine; the next ones with the default engine only.
    """
    first_new = case.n_steps
    default_runs, nuts_run = [], None
    for number in range(1, repeats + 1):
        workspaces.add_dated_file(case.root, number, seed)
        if number == 1:
            nuts_run = update(case.root, case.envs["nuts"], "nuts")
        default_runs.append(update(case.root, case.envs["exact"]))
    new_steps = list(range(first_new, first_new + repeats))
    reference = accuracy.reference(case.root, new_steps).posteriors
    rows = []
    if all(r.ok for r in default_runs):
        seconds = [r.seconds for r in default_runs]
        median = statistics.median(seconds)
        median_run = sorted(default_runs, key=lambda r: r.seconds)[len(default_runs) // 2]
        errs = accuracy.errors(accuracy.cached_history(case.root, "exact").take(new_steps), reference)
        rows.append(Row("one new dated file, default engine (auto → exact), warm", "`beliefs update`", "1 new", median_run, median, median,
                        case.naive_per_step / median if case.naive_per_step else None, errs,
                        f"median of {repeats} runs, each adding a file ({', '.join(f'{s:.2f}' for s in seconds)} s); {computed_note(default_runs[-1])}"))
    if nuts_run is not None and nuts_run.ok:
        errs = accuracy.errors(accuracy.cached_history(case.root, "nuts").take(new_steps[:1]), reference.take([0]))
        rows.append(Row("one new dated file, `--engine nuts`, warm", "`beliefs update --engine nuts`", "1 new", nuts_run, nuts_run.seconds,
                        nuts_run.seconds, case.naive_per_step / nuts_run.seconds if case.naive_per_step else None, errs, computed_note(nuts_run)))
    for row in rows:
        log(f"{case.name}: {row.method}: {row.seconds:.2f} s")
    return rows


def no_op(case: Case, repeats: int) -> Row:
    """`beliefs update` on an up-to-date workspace (nothing to compute), `repeats` times."""
    runs = [update(case.root, case.envs["exact"]) for _ in range(repeats)]
    seconds = [r.seconds for r in runs]
    median = statistics.median(seconds)
    median_run = sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]
    log(f"{case.name}: no-op update: {median:.2f} s")
    return Row("no-op update (nothing new)", "`beliefs update`", "0", median_run, median,
               note=f"median of {repeats} runs ({', '.join(f'{s:.2f}' for s in seconds)} s); {computed_note(runs[-1])}")


def sensitivity(case: Case) -> Row:
    """`beliefs sensitivity` with the default band (S = 0.5, N = 1000 draws) and every leave-one-out, as a process."""
    argv = [*processes.beliefs_command(), "sensitivity", str(case.root), "--json"]
    run = processes.run_process(argv, case.envs["exact"])
    log(f"{case.name}: sensitivity: {run.seconds:.2f} s")
    return Row("robustness: judgment band (N = 1000) + leave-one-out + priors/dynamics", "`beliefs sensitivity`", str(case.n_steps), run,
               run.seconds, note="" if run.ok else f"failed with exit code {run.returncode}")


def measure_case(case: Case, args, scratch: Path) -> None:
    """Every row of the table for one workspace, in a fixed order (see the README)."""
    for engine in ("exact", "nuts"):
        case.envs[engine] = processes.environment(Path(tempfile.mkdtemp(dir=scratch, prefix=f"compiledir-{engine}-")))
    for engine in ("exact", "nuts"):
        case.rows.append(whole_history(case, engine, "cold"))
        case.rows.append(whole_history(case, engine, "warm"))
        case.full_runs[engine] = case.rows[-1].run
    update(case.root, case.envs["exact"])  # each whole-history run emptied `.beliefs/`: bring the default engine's cache up to date
    case.rows.insert(0, naive(case, scratch))
    case.rows += new_files(case, args.repeats, args.seed)
    case.rows.append(no_op(case, args.repeats))
    case.rows.append(sensitivity(case))
    for row in case.rows:
        if row.speedup is None and row.seconds and case.naive_total and row.steps == str(case.n_steps):
            row.speedup = case.naive_total / row.seconds


def scaling(case: Case, source: Path, prefixes: list[int], scratch: Path) -> dict[str, list[tuple[int, float, float]]]:
    """Warm whole-replay wall time of the first `n` dated files of `source`, per engine (the full size is reused).

    Each size is run twice and the second run is timed, so that its PyTensor/numba compile
    cache is warm like that of the full-size warm row.
    """
    table: dict[str, list[tuple[int, float, float]]] = {"exact": [], "nuts": []}
    for n in prefixes:
        root = workspaces.prefix(source, scratch / f"{source.name}-first-{n}", n)
        for engine in table:
            update(root, case.envs[engine], engine)  # warms the compile cache for this size: each size is a different graph
            clear_cache(root)
            run = update(root, case.envs[engine], engine)
            log(f"{case.name}: scaling, {engine}, {n} dated steps: {run.seconds:.1f} s wall, {run.cpu_seconds:.1f} s CPU")
            if run.ok:
                table[engine].append((n, run.seconds, run.cpu_seconds))
    for engine, run in case.full_runs.items():
        if run is not None and run.ok:
            table[engine].append((case.n_steps - 1, run.seconds, run.cpu_seconds))
    return table


# -- output ---------------------------------------------------------------------------------

def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _error(value: float | None) -> str:
    if value is None or np.isnan(value):
        return "—"
    return "0" if value == 0 else f"{value:.1e}"


def markdown_table(cases: list[Case]) -> str:
    lines = ["| workspace | method | runs as (a process each) | steps | wall time (s) | s / step | speed-up vs naive | CPU time (s) "
             "| max error P(H) | max error latent mean | peak RSS (MB) | notes |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for case in cases:
        for row in case.rows:
            errs, run = row.errors, row.run
            cells = [case.name, row.method, row.runs_as, row.steps, _seconds(row.seconds), _seconds(row.per_step),
                     f"{row.speedup:.1f}×" if row.speedup else "—", _seconds(run.cpu_seconds) if run else "—",
                     _error(errs.hypothesis if errs else None), _error(errs.latent_mean if errs else None),
                     f"{run.max_rss_mb:.0f}" if run else "—", row.note]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def scaling_lines(name: str, table: dict[str, list[tuple[int, float, float]]]) -> list[str]:
    """Whole-replay cost against the number of dated steps, with the cost of each added step."""
    lines = []
    for engine, points in table.items():
        points = sorted(points)
        if not points:
            continue
        cells = ", ".join(f"{n} steps {wall:.1f} s wall / {cpu:.1f} s CPU ({wall / (n + 1):.3f} s/step)" for n, wall, cpu in points)
        added = ""
        if len(points) >= 2:
            n, wall, cpu = np.array(points, dtype=float).T
            between = [f"{n[i]:.0f}→{n[i + 1]:.0f}: {(wall[i + 1] - wall[i]) / (n[i + 1] - n[i]):.3f} s wall / "
                       f"{(cpu[i + 1] - cpu[i]) / (n[i + 1] - n[i]):.3f} s CPU" for i in range(len(n) - 1)]
            added = f"; cost of each added step {', '.join(between)}"
        lines.append(f"- `beliefs {engine}`, {name}: {cells}{added}")
    return lines


def growth(points: list[tuple[int, float, float]]) -> tuple[int, float, float] | None:
    """The largest replay's steps and CPU time, and the CPU time a straight line through the
    smaller replays predicts for it."""
    if len(points) < 3:
        return None
    n, _, cpu = np.array(sorted(points), dtype=float).T
    slope, intercept = np.polyfit(n[:-1], cpu[:-1], 1)
    return int(n[-1]), float(cpu[-1]), float(intercept + slope * n[-1])


def linearity_lines(scaling_tables: dict) -> list[str]:
    """Whether a whole replay grows no worse than linearly: the largest replay costs no more than
    the line through the smaller ones predicts, give or take noise (CPU time, steadier than wall
    time on a shared machine)."""
    lines = []
    for name, table in scaling_tables.items():
        for engine, points in table.items():
            measured = growth(points)
            if measured is None:
                continue
            steps, actual, predicted = measured
            linear = actual <= LINEAR_SLACK * predicted + LINEAR_NOISE_SECONDS
            what = f"{steps} steps took {actual:.1f} s CPU; a line through the smaller replays predicts {predicted:.1f} s"
            if engine == "exact":
                lines.append(f"- {name}: whole replay, default engine (auto → exact): {what} (target: no worse than linear: "
                             f"{'met' if linear else 'MISSED'})")
            else:
                lines.append(f"- {name}: whole replay, `--engine nuts` (no target of its own): {what}, "
                             f"{'grows linearly' if linear else 'grows faster than linearly'}")
    return lines


def targets(cases: list[Case], scaling_tables: dict) -> list[str]:
    """The issue's targets next to the measured numbers (reported, not asserted)."""
    lines = []

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    for case in cases:
        by_method = {row.method: row for row in case.rows}
        for engine, goal in (("exact", 20), ("nuts", 5)):
            row = by_method.get(f"beliefs {engine}, warm")
            if row and row.speedup:
                target = f"target ≥ {goal}×: {verdict(row.speedup >= goal)}"
                if not case.name.startswith("default"):
                    target = "no target: the issue sets it for the default workspace"
                lines.append(f"- {case.name}: warm {engine} {row.speedup:.1f}× faster than naive ({target})")
        for row in case.rows:
            if row.method.startswith("one new dated file, default") and row.seconds:
                lines.append(f"- {case.name}: one new file {row.seconds:.2f} s (target < 3 s: {verdict(row.seconds < 3)})")
            if row.method.startswith("no-op") and row.seconds:
                lines.append(f"- {case.name}: no-op {row.seconds:.2f} s (target < 1 s: {verdict(row.seconds < 1)})")
        exact = by_method.get("beliefs exact, warm")
        if exact and exact.errors:
            worst = max(exact.errors.hypothesis, exact.errors.latent_mean)
            against = "closed form" if case.reference.kind == "closed form" else f"brute force, steps 0–{exact.errors.steps - 1}"
            lines.append(f"- {case.name}: exact vs {against} {worst:.1e} (target ≤ 1e-6: {verdict(worst <= 1e-6)})")
        nuts = [row for row in case.rows if row.method.startswith("beliefs nuts") and row.errors]
        if nuts:
            worst = max(max(r.errors.hypothesis, r.errors.latent_mean) for r in nuts)
            lines.append(f"- {case.name}: NUTS vs exact answer {worst:.1e} (target ≤ 0.01: {verdict(worst <= 0.01)})")
    return lines + linearity_lines(scaling_tables)


def machine_lines(info: dict[str, str], load: tuple[float, float]) -> list[str]:
    packages = ", ".join(f"{name} {info[name]}" for name in ("beliefs", "pymc", "nutpie", "pytensor", "arviz", "xarray", "numpy", "scipy"))
    return [f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory']} RAM, {info['os']}; Python {info['python']}; {packages}.",
            f"Code measured: {info.get('code', 'unknown')}.",
            f"Load average (1 min) at start {load[0]:.2f}, at end {load[1]:.2f}: other processes on the machine inflate wall times "
            "(CPU times much less)."]


def render(cases: list[Case], scaling_tables: dict, info: dict[str, str], load: tuple[float, float], args) -> str:
    minutes = (time.perf_counter() - STARTED) / 60
    parts = [f"## beliefs benchmark, {dt.date.today().isoformat()}{' (--quick)' if args.quick else ''}", "", *machine_lines(info, load),
             f"The whole benchmark took {minutes:.1f} minutes.", "", "Exact answer of each workspace:"]
    for case in cases:
        if case.reference.kind == "closed form":
            parts.append(f"- {case.name}: the closed form of tests/closed_form.py at every step.")
        else:
            parts.append(f"- {case.name}: the exact engine (forward filter) replayed in-process, checked here against brute-force path "
                         "integration (tests/brute_force.py) on the first steps; the latent moves over time, so no closed form exists.")
    parts += ["", markdown_table(cases), ""]
    if scaling_tables:
        parts += ["Scaling: whole replay as a process, PyTensor cache warm, `.beliefs/` empty; s/step counts the prior (step 0) as a step.", ""]
        for name, table in scaling_tables.items():
            parts += scaling_lines(name, table)
        parts.append("")
    parts += ["Targets of issue 3 (reported, not asserted):", "", *targets(cases, scaling_tables)]
    return "\n".join(parts)


# -- main -----------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 generated steps, naive on 5 / 3 steps, scaling 5 / 10 / 20")
    parser.add_argument("--cases", default=",".join(CASES),
                        help="workspaces to measure, from: default (the repository's, as it is), constant (the default with its latents "
                             "held constant: the core model, with a closed form), generated, generated-constant "
                             "(the 100-step workspace with its latent held constant; default: all four)")
    parser.add_argument("--generated-steps", type=int, default=100, help="dated steps of the generated workspace (default 100)")
    parser.add_argument("--rows-per-step", type=int, default=5, help="rows per generated dated file (default 5)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the generated workspace and of the added files")
    parser.add_argument("--naive-steps", type=int, default=None, help="naive steps measured on the default workspace (default: all)")
    parser.add_argument("--naive-steps-constant", type=int, default=10, help="naive steps measured on the constant-latent variant (default 10)")
    parser.add_argument("--naive-steps-generated", type=int, default=10, help="naive steps measured on the generated workspace (default 10)")
    parser.add_argument("--scaling", default="25,50", help="smaller prefixes of the generated workspace also replayed (default 25,50)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the new-file and no-op rows, whose median is shown (default 3)")
    parser.add_argument("--output", type=Path, help="also write the report (markdown) to this file")
    parser.add_argument("--no-snapshot", dest="snapshot", action="store_false",
                        help="import beliefs/ from the live tree instead of a copy taken at the start")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspaces and compile directories")
    args = parser.parse_args(argv)
    args.cases = [name.strip() for name in args.cases.split(",") if name.strip()]
    unknown = set(args.cases) - set(CASES)
    if unknown:
        parser.error(f"unknown case(s) {', '.join(sorted(unknown))}; choose from {', '.join(CASES)}")
    if args.quick:
        args.generated_steps = min(args.generated_steps, 20)
        args.naive_steps = args.naive_steps or 5
        args.naive_steps_constant = min(args.naive_steps_constant, 5)
        args.naive_steps_generated = min(args.naive_steps_generated, 3)
        args.scaling = "5,10"
    return args


def build_case(name: str, args, scratch: Path) -> tuple[Case, Path | None]:
    """Write the workspace of case `name` and compute its exact answer; also a pristine copy for the scaling runs."""
    constant = name.endswith("constant")
    if name.startswith("generated"):
        root = workspaces.generate(scratch / name, steps=args.generated_steps, rows_per_step=args.rows_per_step, seed=args.seed)
        if constant:
            workspaces.hold_latents_constant(root)
        pristine = workspaces.prefix(root, scratch / f"{name}-pristine", args.generated_steps)
        label, naive_steps = f"generated, {args.generated_steps} steps × {args.rows_per_step} rows", args.naive_steps_generated
    else:
        root = workspaces.copy_default(scratch / name)
        if constant:
            workspaces.hold_latents_constant(root)
        pristine = None
        naive_steps = (args.naive_steps or 10**9) if name == "default" else (args.naive_steps_constant or args.naive_steps or 10**9)
        label = "default"
    if constant:
        label += ", latent held constant"
    elif accuracy.time_varying(root):
        label += " (moving latent)"
    log(f"{label}: exact answer")
    return Case(label, root, accuracy.reference(root), naive_steps), pristine


def snapshot_code(scratch: Path) -> str:
    """Measure a frozen copy of the package, the default workspace and the tests' exact answers, taken now.

    Others may edit beliefs/ while the benchmark runs; every process of this run imports
    the copy (it comes first on PYTHONPATH), so all rows measure the same code.
    """
    code = scratch / "code"
    shutil.copytree(workspaces.REPO / "beliefs", code / "beliefs", ignore=shutil.ignore_patterns("__pycache__"))
    (code / "tests").mkdir()
    for name in ("closed_form.py", "brute_force.py"):
        if (workspaces.REPO / "tests" / name).exists():
            shutil.copy(workspaces.REPO / "tests" / name, code / "tests" / name)
    workspaces.DEFAULT_WORKSPACE = workspaces.copy_default(code / "workspace")
    sys.path.insert(0, str(code))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")]))
    accuracy.TESTS = code / "tests"
    return code_version()


def code_version() -> str:
    """The commit of the working tree and how many files of beliefs/ and tests/ differ from it."""
    def git(*arguments: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(workspaces.REPO), *arguments], capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = [line for line in git("status", "--porcelain", "--", "beliefs", "tests", "scenario.toml", "evidence").splitlines() if line]
    return f"commit {commit}" + (f" plus uncommitted changes in {len(changed)} file(s) of beliefs/, tests/ or the default workspace" if changed else "")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    load_start = os.getloadavg()[0]
    info = processes.machine()
    scratch = Path(tempfile.mkdtemp(prefix="beliefs-benchmark-"))
    log(f"working in {scratch}; load average {load_start:.2f}")
    info["code"] = snapshot_code(scratch) + ", copied at the start" if args.snapshot else code_version() + ", live tree"
    cases, scaling_tables = [], {}
    try:
        for name in args.cases:
            case, pristine = build_case(name, args, scratch)
            cases.append(case)
            measure_case(case, args, scratch)
            if pristine is not None:
                prefixes = sorted({int(n) for n in args.scaling.split(",") if n.strip() and 0 < int(n) < args.generated_steps})
                scaling_tables[case.name] = scaling(case, pristine, prefixes, scratch)
    finally:
        if args.keep:
            log(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    report = render(cases, scaling_tables, info, (load_start, os.getloadavg()[0]), args)
    print(report)
    if args.output:
        args.output.write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
