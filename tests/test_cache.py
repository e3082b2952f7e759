"""The on-disk history cache: reused when current, partly recomputed when not, never trusted
when damaged."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import HEADER

import beliefs
from beliefs.inference.cache import cache_paths

NEW_FILE = "id,summary,p_pressure,p_concede,p_walk_away\nlate-news,A row added later,0.7,0.3,0.4\n"


def update(root, **kwargs):
    return beliefs.update_history(beliefs.load_workspace(root), engine="exact", **kwargs)


def test_nothing_new_computes_nothing(default_copy):
    first = update(default_copy)
    assert first.computed_steps == list(range(len(first.summary["steps"])))
    again = update(default_copy, need_history=False)
    assert again.computed_steps == [] and again.history is None
    assert again.summary == first.summary


def test_cached_history_equals_a_fresh_computation(default_copy):
    update(default_copy)
    cached = update(default_copy).history
    fresh = beliefs.compute_history(beliefs.load_workspace(default_copy), engine="exact")
    np.testing.assert_array_equal(cached.dataset["latent_draws"].values, fresh.dataset["latent_draws"].values)
    assert cached.summary() == fresh.summary()


def test_a_new_dated_file_computes_only_the_new_step(default_copy):
    first = update(default_copy)
    (default_copy / "evidence" / "2026-01-15-late.csv").write_text(NEW_FILE)
    second = update(default_copy)
    n = len(first.summary["steps"])
    assert second.computed_steps == [n]
    assert second.summary["steps"][:n] == first.summary["steps"]


def test_an_edited_earlier_file_recomputes_from_its_step(default_copy):
    update(default_copy)
    workspace = beliefs.load_workspace(default_copy)
    step = workspace.steps[5]
    path = step.rows[0].path
    text = path.read_text()
    header, first_row, *rest = text.splitlines(keepends=True)
    cells = first_row.rstrip("\n").split(",")
    path.write_text(header + first_row.replace(f"{cells[0]},", f"{cells[0]}-renamed,", 1) + "".join(rest))
    result = update(default_copy)
    assert result.computed_steps == list(range(5, len(workspace.steps)))


def test_an_edited_scenario_recomputes_everything(default_copy):
    update(default_copy)
    scenario = default_copy / "scenario.toml"
    scenario.write_text(scenario.read_text().replace("prior = 0.08", "prior = 0.09"))
    result = update(default_copy)
    assert result.computed_steps[0] == 0
    assert len(result.computed_steps) == len(result.summary["steps"])


def test_other_engine_settings_do_not_reuse_the_cache(default_copy):
    update(default_copy)
    assert update(default_copy, seed=7).computed_steps[0] == 0


def test_a_truncated_cache_file_is_rebuilt(default_copy):
    first = update(default_copy)
    history_path, _ = cache_paths(default_copy, "exact")
    history_path.write_bytes(history_path.read_bytes()[:1000])
    again = update(default_copy)
    assert again.computed_steps == list(range(len(first.summary["steps"])))
    assert any("rebuilt" in note for note in again.notes)
    assert again.summary == first.summary


def test_a_corrupt_manifest_is_rebuilt(default_copy):
    update(default_copy)
    _, manifest_path = cache_paths(default_copy, "exact")
    manifest_path.write_text("{not json")
    assert update(default_copy).computed_steps[0] == 0


def test_a_noop_update_does_not_import_pymc_or_xarray(default_copy):
    update(default_copy)
    code = (
        "import sys; from beliefs.cli import app\n"
        f"sys.argv = ['beliefs', 'update', {str(default_copy)!r}, '--json']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "print('IMPORTED', 'pymc' in sys.modules, 'xarray' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "IMPORTED False False" in result.stderr
    assert json.loads(result.stdout)["engine"] == "exact"


@pytest.mark.parametrize("kind", ["state (default)", "constant propensity"])
def test_an_exact_update_imports_neither_pymc_nor_pytensor(kind, default_copy, make_workspace):
    """The exact engines compute from the ModelSpec with numpy: a whole replay and then a new
    dated file, each a `beliefs update` process, load nothing from PyMC or PyTensor."""
    root = default_copy if kind == "state (default)" else make_workspace({"2025-02-01.csv": "r1,one,,0.9,,0.5,0.4,0.3,0.8,0.3\n"})
    header = NEW_FILE.splitlines()[0] if kind == "state (default)" else HEADER.rstrip()
    late = "late-news,A row added later,0.7,0.3,0.4" if kind == "state (default)" else "r2,two,,1,,0.6,0.5,0.5,0.2,0.6"
    code = (
        "import sys; from beliefs.cli import app\n"
        f"sys.argv = ['beliefs', 'update', {str(root)!r}, '--json']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "print('IMPORTED', 'pymc' in sys.modules, 'pytensor' in sys.modules, file=sys.stderr)\n"
    )
    for expected in ("(from step 0)", "computed 1 of"):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert expected in result.stderr and "IMPORTED False False" in result.stderr, result.stderr
        assert json.loads(result.stdout)["engine"] == "exact"
        (root / "evidence" / "2026-02-01-late.csv").write_text(f"{header}\n{late}\n")


def test_nuts_on_a_moving_latent_keeps_its_cache_until_the_path_must_grow(default_copy):
    """NUTS samples a moving latent's path over a power-of-two number of steps (the default
    workspace has 35, so 64): a new file reuses every cached step until there are more than 64,
    and then the sampled model changes and everything is recomputed."""
    from beliefs.inference.cache import matching_prefix, step_keys
    from beliefs.inference.engines.nuts import NutsEngine
    from beliefs.inference.likelihoods import path_length

    def keys():
        workspace = beliefs.load_workspace(default_copy)
        assert workspace.scenario.time_varying
        return step_keys(workspace, "nuts", {"draws": 10}, 0, beliefs.__version__, NutsEngine.cache_key(workspace, {"draws": 10}))

    before = keys()
    assert path_length(len(before)) == 64
    day = 1
    while len(keys()) < 64:
        (default_copy / "evidence" / f"2026-01-{day:02d}-late.csv").write_text(NEW_FILE.replace("late-news", f"late-{day}"))
        day += 1
    full = keys()
    assert matching_prefix(before, full) == len(before)
    (default_copy / "evidence" / "2026-02-01-one-more.csv").write_text(NEW_FILE.replace("late-news", "one-more"))
    assert matching_prefix(full, keys()) == 0
