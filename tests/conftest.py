"""Shared fixtures: the default workspace, its posterior histories (computed once per
session), and a factory for small workspaces written to real files."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from helpers import REPO, copy_default_workspace, run_beliefs

import beliefs


class ReportRun(NamedTuple):
    workspace: Path
    report: Path


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def default_workspace() -> beliefs.Workspace:
    return beliefs.load_workspace(REPO)


@pytest.fixture(scope="session")
def default_history_exact(default_workspace) -> beliefs.PosteriorHistory:
    return beliefs.compute_history(default_workspace, engine="exact", seed=1)


@pytest.fixture(scope="session")
def default_propensity_workspace(default_workspace) -> beliefs.Workspace:
    """The default workspace with Putin's readiness as a moving propensity (Beta prior, random walk,
    drift per path) and a fixed line, as it was modelled before readiness became a state and the
    line could switch: a continuous unknown for NUTS, the forward filter and the ArviZ plots to
    work on (a drift per line has no exact method under switching, so the line is held fixed)."""
    from beliefs.inputs.scenario import BetaPrior, Latent

    scenario = default_workspace.scenario
    latent = Latent(label=scenario.latents["willingness"].label, prior=BetaPrior(alpha=1.5, beta=13.5), volatility=0.15,
                    drift={"pressure": 0.2, "concede": -0.1, "walk_away": 0.0})
    return beliefs.Workspace(default_workspace.root, scenario.model_copy(update={"latents": {"willingness": latent}, "switching": {}}),
                             default_workspace.rows)


@pytest.fixture(scope="session")
def default_propensity_history(default_propensity_workspace) -> beliefs.PosteriorHistory:
    return beliefs.compute_history(default_propensity_workspace, engine="exact", seed=1)


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory) -> Path:
    """A folder every xdist worker of this test run shares (each worker's own temporary folder without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def default_propensity_early(default_propensity_workspace) -> beliefs.Workspace:
    """The propensity variant's rows of its first twenty dated steps (3 April to 5 June 2025): a
    path long enough to check a sampler on, at a third of the steps and half the path's length."""
    ws = default_propensity_workspace
    dates = sorted({row.date for row in ws.rows})[:20]
    return beliefs.Workspace(ws.root, ws.scenario, tuple(row for row in ws.rows if row.date in dates))


def once_per_run(run_folder: Path, name: str, made: Path, make: Callable[[], None]) -> None:
    """Call `make` unless `made` exists, under the lock `name` in `run_folder` (outside what `make`
    writes): the first xdist worker to need a shared result makes it, the others wait and read it."""
    from filelock import FileLock

    with FileLock(run_folder / f"{name}.lock"):
        if not made.exists():
            make()


@pytest.fixture(scope="session")
def default_history_nuts(default_propensity_early, run_folder) -> beliefs.PosteriorHistory:
    """NUTS on the propensity variant's first twenty dated steps (the default itself has nothing to
    sample), sampled once per test run and kept as netCDF, as the cache does."""
    path = run_folder / "default-history-nuts.nc"
    once_per_run(run_folder, "default-history-nuts", path,
                 lambda: beliefs.compute_history(default_propensity_early, engine="nuts", seed=1, draws=1000).to_netcdf(path))
    return beliefs.PosteriorHistory.from_netcdf(path)


@pytest.fixture(scope="session")
def default_report_run(run_folder) -> ReportRun:
    """`beliefs report` on a copy of the default workspace, run once per test run: the workspace,
    with the cache the run left, and the report folder. Tests read both and change neither; a test
    that changes them copies them first."""
    base = run_folder / "default-report-run"
    run = ReportRun(base / "workspace", base / "reports")

    def make() -> None:
        shutil.rmtree(base, ignore_errors=True)
        copy_default_workspace(run.workspace)
        result = run_beliefs("report", run.workspace, "--out", run.report, "--seed", "1")  # the seed of default_history_exact
        assert result.returncode == 0, result.stderr

    once_per_run(run_folder, "default-report-run", run.report / "index.html", make)
    return run


@pytest.fixture(scope="session")
def default_report(default_workspace, default_history_exact, run_folder) -> Path:
    """The default workspace's report written from Python, with a forecast (made even though the
    question has resolved, to show its table) and without the robustness and record sections;
    written once per test run."""
    from beliefs.inference.forecast import with_forecast
    from beliefs.outputs.report import write_report

    folder = run_folder / "default-report" / "reports"
    once_per_run(run_folder, "default-report", folder / "index.html",
                 lambda: write_report(beliefs.Analysis.of(default_workspace, with_forecast(default_history_exact, 30)), folder))
    return folder


@pytest.fixture
def default_copy(tmp_path) -> Path:
    """A private copy of the default workspace that a test may change."""
    return copy_default_workspace(tmp_path / "workspace")


SCENARIO = """\
title = "A small test question"
prior_date = 2025-01-01

[hypotheses]
a = { prior = 0.5, label = "Alpha" }
b = { prior = 0.3, label = "Beta" }
c = { prior = 0.2, label = "Gamma" }

[latents.w]
label = "Willingness"
prior = { alpha = 2.0, beta = 5.0 }
"""

HEADER = "id,summary,source,reliability,rationale,p_a,p_b,p_c,p_w_yes,p_w_no\n"


@pytest.fixture
def make_workspace(tmp_path):
    """Write a workspace: `make_workspace({"2025-02-01.csv": "r1,summary,,..."}, scenario=...)`.

    A file body that does not start with a header line ("id,...") gets HEADER (for SCENARIO).
    """

    def make(files: dict[str, str] | None = None, scenario: str = SCENARIO, name: str = "ws") -> Path:
        root = tmp_path / name
        (root / "evidence").mkdir(parents=True)
        (root / "scenario.toml").write_text(textwrap.dedent(scenario), encoding="utf-8")
        for file_name, body in (files or {}).items():
            body = textwrap.dedent(body)
            if not body.startswith("id,"):
                body = HEADER + body
            (root / "evidence" / file_name).write_text(body, encoding="utf-8")
        return root

    return make
