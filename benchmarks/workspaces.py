"""The workspaces the benchmark measures: a copy of the default one, and generated ones.

Everything is written as plain files (scenario.toml + evidence/*.csv), exactly what an
analyst keeps, so `beliefs update` runs on them as a process like on any workspace.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import tomllib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORKSPACE = REPO  # the default workspace's folder (run.py may point it at a snapshot)
RELIABILITIES = (0.7, 0.8, 0.9, 0.95, 1.0)


# The default's readiness is a state (it holds or not); the benchmark measures it as the moving
# propensity it was first modelled as (the tests' `default_propensity_workspace`): a continuous
# unknown that NUTS samples and the forward filter integrates, the costlier machinery to time.
PROPENSITY = """
[latents.{name}]
label = {label}
prior = {{ alpha = 1.5, beta = 13.5 }}
volatility = 0.15

[latents.{name}.drift]
{drift}
"""
DRIFT = (0.2, -0.1, 0.0)  # per hypothesis, in the scenario's order


def copy_default(target: Path, *, as_shipped: bool = False) -> Path:
    """A private copy of the repository's default workspace (scenario.toml + evidence/), its
    state latents rewritten as moving propensities (`as_propensities`) unless `as_shipped`."""
    target.mkdir(parents=True)
    copy_scenario(target)
    shutil.copytree(DEFAULT_WORKSPACE / "evidence", target / "evidence")
    return target if as_shipped else as_propensities(target)


def copy_scenario(target: Path) -> None:
    """The default's scenario.toml, and the calibration file its `[calibration]` names."""
    shutil.copy(DEFAULT_WORKSPACE / "scenario.toml", target / "scenario.toml")
    if (DEFAULT_WORKSPACE / "calibration.json").is_file():
        shutil.copy(DEFAULT_WORKSPACE / "calibration.json", target / "calibration.json")


def as_propensities(root: Path) -> Path:
    """Rewrite `root`'s scenario.toml so that every state latent is a moving propensity (Beta(1.5,
    13.5) prior, monthly volatility 0.15 of its log-odds, a drift per hypothesis); evidence rows
    keep their p_<name>_yes / p_<name>_no columns, which mean the same for both kinds. A drift per
    hypothesis needs a line that does not move, so `[switching]` goes too."""
    path = root / "scenario.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    states = {name: spec for name, spec in data.get("latents", {}).items() if spec.get("kind") == "state"}
    if not states:
        return root
    kept, skipping = [], False
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        stripped = line.split("#")[0].strip()
        if stripped.startswith("["):
            skipping = stripped == "[switching]" or any(re.fullmatch(rf"\[latents\.{name}(\.switch)?\]", stripped) for name in states)
        if not skipping:
            kept.append(line)
    hypotheses = list(data["hypotheses"])
    drift = "\n".join(f"{h} = {DRIFT[i % len(DRIFT)]}" for i, h in enumerate(hypotheses))
    blocks = [PROPENSITY.format(name=name, label=json.dumps(spec.get("label", name)), drift=drift) for name, spec in states.items()]
    path.write_text("".join(kept) + "".join(blocks), encoding="utf-8")
    return root


def scenario_shape(root: Path) -> tuple[list[str], list[str], dt.date]:
    """Hypothesis names, latent names and prior date of the workspace at `root`."""
    data = tomllib.loads((root / "scenario.toml").read_text(encoding="utf-8"))
    prior_date = data["prior_date"]
    if not isinstance(prior_date, dt.date):
        prior_date = dt.date.fromisoformat(str(prior_date))
    return list(data["hypotheses"]), list(data.get("latents", {})), prior_date


def header(hypotheses: list[str], latents: list[str]) -> list[str]:
    columns = ["id", "summary", "source", "reliability", "rationale"]
    columns += [f"p_{h}" for h in hypotheses]
    for name in latents:
        columns += [f"p_{name}_yes", f"p_{name}_no"]
    return columns


def generate(target: Path, *, steps: int, rows_per_step: int, seed: int, days_between: int = 3, rows: int | None = None) -> Path:
    """A workspace with the default scenario and `steps` dated files of `rows_per_step` rows
    (or `rows` rows in all, spread as evenly as whole rows allow).

    The likelihoods look like an analyst's: two decimals between 0.1 and 0.9, mostly close
    to each other (each row moves the odds by a little), with a weak, noisy lean towards one
    "true" hypothesis and towards a low latent value; half the rows bear on the hypotheses
    only, a quarter on the latent only, a quarter on both; reliabilities 0.7 to 1.
    """
    target.mkdir(parents=True)
    copy_scenario(target)
    as_propensities(target)
    (target / "evidence").mkdir()
    hypotheses, latents, prior_date = scenario_shape(target)
    rng = np.random.default_rng(seed)
    true_hypothesis = rng.integers(len(hypotheses))
    columns = header(hypotheses, latents)
    for step in range(1, steps + 1):
        date = prior_date + dt.timedelta(days=days_between * step)
        count = rows_per_step if rows is None else step * rows // steps - (step - 1) * rows // steps
        written = [_row(rng, f"s{step:03d}-r{k}", hypotheses, latents, true_hypothesis) for k in range(1, count + 1)]
        write_file(target / "evidence" / f"{date.isoformat()}-generated.csv", columns, written)
    return target


def _row(rng: np.random.Generator, row_id: str, hypotheses: list[str], latents: list[str], true_hypothesis: int) -> dict[str, str]:
    kind = rng.choice(["hypotheses", "latent", "both"], p=[0.5, 0.25, 0.25])
    row = {"id": row_id, "summary": f"Generated observation {row_id}", "source": "benchmark generator",
           "reliability": str(rng.choice(RELIABILITIES)), "rationale": "synthetic"}
    if kind in ("hypotheses", "both") or not latents:
        base = rng.uniform(0.3, 0.6, size=len(hypotheses))
        base[true_hypothesis] += rng.normal(0.03, 0.1)
        for name, value in zip(hypotheses, np.clip(base, 0.1, 0.9), strict=True):
            row[f"p_{name}"] = f"{value:.2f}"
    if kind in ("latent", "both"):
        for name in latents:
            middle, gap = rng.uniform(0.35, 0.65), rng.uniform(0.05, 0.25)
            favours_yes = rng.uniform() < 0.3
            p_yes, p_no = (middle + gap / 2, middle - gap / 2) if favours_yes else (middle - gap / 2, middle + gap / 2)
            row[f"p_{name}_yes"], row[f"p_{name}_no"] = f"{np.clip(p_yes, 0.1, 0.9):.2f}", f"{np.clip(p_no, 0.1, 0.9):.2f}"
    return row


def write_file(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)


def evidence_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "evidence").glob("*.csv"))


def prefix(source: Path, target: Path, steps: int) -> Path:
    """A copy of `source` keeping only its first `steps` dated files (one date per file here)."""
    target.mkdir(parents=True)
    shutil.copy(source / "scenario.toml", target / "scenario.toml")
    (target / "evidence").mkdir()
    for path in evidence_files(source)[:steps]:
        shutil.copy(path, target / "evidence" / path.name)
    return target


def add_dated_file(root: Path, number: int, seed: int, rows: int = 2) -> Path:
    """Add one new evidence file, dated after every existing one, with `rows` rows (the first bears on the hypotheses)."""
    hypotheses, latents, prior_date = scenario_shape(root)
    last = max((dt.date.fromisoformat(p.name[:10]) for p in evidence_files(root)), default=prior_date)
    date = last + dt.timedelta(days=1)
    rng = np.random.default_rng([seed, number])
    rows = [_row(rng, f"added-{number}-r{k}", hypotheses, latents, 0) for k in range(1, rows + 1)]
    rows[0].update({f"p_{h}": f"{v:.2f}" for h, v in zip(hypotheses, rng.uniform(0.3, 0.7, len(hypotheses)), strict=True)})
    path = root / "evidence" / f"{date.isoformat()}-added-{number}.csv"
    write_file(path, header(hypotheses, latents), rows)
    return path


def hold_latents_constant(root: Path) -> Path:
    """Rewrite `root`'s scenario.toml without latent volatility and drift: the core model,
    whose posterior has the closed form of tests/closed_form.py."""
    path = root / "scenario.toml"
    kept, skipping = [], False
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("["):
            skipping = bool(re.fullmatch(r"\[latents\.[^\]]+\.drift\]", stripped.split("#")[0].strip()))
        if skipping or re.match(r"(volatility|drift)\s*=", stripped):
            continue
        kept.append(line)
    path.write_text("".join(kept), encoding="utf-8")
    latents = tomllib.loads(path.read_text(encoding="utf-8")).get("latents", {})
    assert not any("volatility" in spec or "drift" in spec for spec in latents.values()), "scenario.toml still has moving latents"
    return root
