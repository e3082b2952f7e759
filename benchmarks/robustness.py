"""Robustness and a portfolio at scale (issue 26): `beliefs sensitivity` against a cold `beliefs
update` of the same workspace, and `beliefs score` on many resolved questions against one, all
measured in one run; prints a Markdown table.

    .venv/bin/python benchmarks/robustness.py                        # 60 steps; 1, 10, 100 questions
    .venv/bin/python benchmarks/robustness.py --portfolio 1,10,100,1000
    .venv/bin/python benchmarks/robustness.py --no-sensitivity --baseline cfdfe03   # score only, beside that commit's code

- update / sensitivity: processes on a generated workspace of `--steps` dated steps, one row
  each, whose readiness is a propensity that drifts under each hypothesis (`workspaces.generate`);
  update with an empty `.beliefs/` and a fresh compile directory.
- leave-one-out, in process: every row left out by refiltering the workspace without it (the
  old path, `sensitivity.refiltered`) against one forward and one backward pass (`leave_out`).
- growth: the whole sensitivity analysis in process at several sizes; the exponent is the slope
  of log(seconds) against log(rows).
- score: generated resolved questions (20 steps of 2 rows, the default scenario's resolution),
  committed to one git repository as a forecaster's portfolio would be; the first N scored in
  one `beliefs score --json` process, once cold (no `.beliefs/` caches: every history computed)
  and once warm (the caches the cold call wrote). The baseline is N separate processes of one, and
  with --baseline the same calls by the package at that commit (`incremental.snapshot`), each code
  on its own copy of the portfolio.
- calibrate: `beliefs calibrate --json` on the same first N questions (one alpha, its bootstrap
  band and leave-one-question-out). Their propensity drifts, so each alpha of the fit's grid is
  filtered through every step (in worker processes), never read back from files.
  The naive way recomputes every history from its files for each alpha of the fit's grid; its
  time is estimated as the grid's alphas times one recomputation of the N histories (measured in
  process on up to 10 questions, scaled to N).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import incremental
import numpy as np
import processes
import workspaces

import beliefs
from beliefs.inference import sensitivity as analysis
from beliefs.inference.calibrate import GRID


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="dated steps of the sensitivity workspace (one row each)")
    parser.add_argument("--growth", default="15,30,60,120", help="steps of the workspaces for the growth exponent")
    parser.add_argument("--portfolio", default="1,10,100", help="numbers of resolved questions scored in one call")
    parser.add_argument("--draws", type=int, default=1000, help="draws of the judgment band")
    parser.add_argument("--no-sensitivity", action="store_true", help="measure scoring only")
    parser.add_argument("--baseline", help="also score with the package at this git commit, on its own copy of the portfolio")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="beliefs-robustness-") as tmp:
        rows = [] if args.no_sensitivity else sensitivity_rows(Path(tmp), args)
        rows += score_rows(Path(tmp), [int(n) for n in args.portfolio.split(",")], args.baseline)
    print("| measurement | seconds | peak memory (MB) | ratio | note |")
    print("|---|---:|---:|---:|---|")
    for name, seconds, memory, ratio, note in rows:
        print(f"| {name} | {seconds:.2f} | {'' if memory is None else f'{memory:.0f}'} | {'' if ratio is None else f'{ratio:.2f}x'} | {note} |")
    print("\n" + ", ".join(f"{k}: {v}" for k, v in processes.machine().items()))


def sensitivity_rows(tmp: Path, args) -> list[tuple]:
    env = processes.environment(tmp / "compiledir")
    command = processes.beliefs_command()
    root = workspaces.generate(tmp / "drifting", steps=args.steps, rows_per_step=1, seed=1)
    update = processes.run_process([*command, "update", str(root), "--json"], env)
    sensitivity = processes.run_process([*command, "sensitivity", str(root), "--json", "--draws", str(args.draws)], env)
    assert update.ok and sensitivity.ok, (update.stderr, sensitivity.stderr)
    workspace = beliefs.load_workspace(root)
    n = len(workspace.rows)
    masks = [np.arange(n) == i for i in range(n)]
    start = time.perf_counter()
    old = [analysis.refiltered(workspace, removed) for removed in masks]
    old_seconds = time.perf_counter() - start
    start = time.perf_counter()
    without = analysis._without(workspace)
    new = [without(removed) for removed in masks]
    new_seconds = time.perf_counter() - start
    largest = max(float(np.max(np.abs(a - b))) for a, b in zip(old, new, strict=True))
    sizes, seconds = [], []
    for steps in (int(s) for s in args.growth.split(",")):
        grown = beliefs.load_workspace(workspaces.generate(tmp / f"growth-{steps}", steps=steps, rows_per_step=1, seed=1))
        start = time.perf_counter()
        analysis.sensitivity(grown, draws=args.draws)
        sizes.append(len(grown.rows))
        seconds.append(time.perf_counter() - start)
    exponent = np.polyfit(np.log(sizes), np.log(seconds), 1)[0]
    return [
        (f"beliefs update, cold ({args.steps} steps, drifting propensity)", update.seconds, update.max_rss_mb, None, "process"),
        ("beliefs sensitivity, same workspace", sensitivity.seconds, sensitivity.max_rss_mb, sensitivity.seconds / update.seconds,
         f"process; ratio to the cold update (done when at most 3x); {args.draws} band draws"),
        ("leave-one-out, refiltering every row (old)", old_seconds, None, None, f"in process, {n} rows"),
        ("leave-one-out, forward and backward pass", new_seconds, None, old_seconds / new_seconds,
         f"in process; speed-up over refiltering; largest difference {largest:.1e}"),
        (f"sensitivity growth in rows ({', '.join(map(str, sizes))} rows)", seconds[-1], None, None,
         f"in process; exponent {exponent:.2f} (seconds: {', '.join(f'{s:.2f}' for s in seconds)})"),
    ]


def score_rows(tmp: Path, counts: list[int], baseline: str | None = None) -> list[tuple]:
    codes = incremental.snapshot(tmp, baseline)
    portfolio = tmp / "portfolio"
    names = [f"q{i:04d}" for i in range(max(counts))]
    for i, name in enumerate(names):
        workspaces.generate(portfolio / name, steps=20, rows_per_step=2, seed=1000 + i)
    (portfolio / ".gitignore").write_text(".beliefs/\n")
    git = ["git", "-C", str(portfolio), "-c", "user.name=benchmark", "-c", "user.email=benchmark@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "portfolio"], check=True)
    copies = [portfolio] + [tmp / f"portfolio-{k}" for k in range(1, len(codes))]
    for copy in copies[1:]:
        shutil.copytree(portfolio, copy, symlinks=True)
    command = processes.beliefs_command()
    out = []
    for code, folder in zip(codes, copies, strict=True):
        one = None
        for count in sorted(counts):
            argv = [*command, "score", *(str(folder / name) for name in names[:count]), "--json"]
            cold = processes.run_process(argv, code.env)
            warm = processes.run_process(argv, code.env)
            assert cold.ok and warm.ok, (cold.stderr, warm.stderr)
            one = one or (cold, warm)
            out.append((f"beliefs score, {count} questions, cold ({code.name})", cold.seconds, cold.max_rss_mb, cold.seconds / one[0].seconds,
                        f"ratio to one question cold; separate processes: {count * one[0].seconds:.0f} s"))
            out.append((f"beliefs score, {count} questions, warm caches ({code.name})", warm.seconds, warm.max_rss_mb, warm.seconds / one[1].seconds,
                        "ratio to one question warm (done when 100 is at most 10x)"))
        if code is codes[0]:
            out += calibrate_rows([folder / name for name in names], sorted(counts), code.env)
    return out


def calibrate_rows(folders: list[Path], counts: list[int], env: dict[str, str]) -> list[tuple]:
    """`beliefs calibrate` on the first N questions, beside the naive way's estimated time."""
    sample = folders[:min(10, max(counts))]
    start = time.perf_counter()
    for folder in sample:
        beliefs.compute_history(beliefs.load_workspace(folder), engine="exact")
    per_question = (time.perf_counter() - start) / len(sample)
    out, one = [], None
    for count in counts:
        run = processes.run_process([*processes.beliefs_command(), "calibrate", *map(str, folders[:count]), "--json"], env)
        assert run.ok, run.stderr
        one = one or run
        naive = len(GRID) * count * per_question
        out.append((f"beliefs calibrate, {count} questions", run.seconds, run.max_rss_mb, run.seconds / one.seconds,
                    f"ratio to one question; recomputing every history for each of the grid's {len(GRID)} alphas: "
                    f"about {naive:,.0f} s (estimated, {per_question:.2f} s a history)"))
    return out


if __name__ == "__main__":
    main()
