"""`what_if` and `beliefs what-if`: the posterior with hypothetical rows, written nowhere,
and equal to what adding those rows and updating gives."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import numpy as np
import pytest
from helpers import run_beliefs, tree_digest
from typer.testing import CliRunner

import beliefs
from beliefs.cli import app
from beliefs.inference.what_if import what_if
from beliefs.inputs.authoring import NewRow, add_evidence, preview_workspace

CEASEFIRE = NewRow(
    id="russia-accepts-30-day-ceasefire",
    summary="Russia accepts a 30-day ceasefire",
    source="hypothetical",
    reliability=0.9,
    hypotheses={"pressure": 0.6, "concede": 0.5, "walk_away": 0.3},
    latents={"willingness": (0.8, 0.1)},
)
SMALL = "r1,First,,0.9,,0.5,0.4,0.3,,\nr2,Second,,,,,,,0.6,0.3\n"




def assert_same_history(a: beliefs.PosteriorHistory, b: beliefs.PosteriorHistory) -> None:
    assert a.dates == b.dates
    assert list(a.dataset["row"].values) == list(b.dataset["row"].values)
    assert list(a.dataset["row_step"].values) == list(b.dataset["row_step"].values)
    for name in ("hypothesis_probability", "latent_mean", "latent_q05", "latent_q95", "latent_draws"):
        np.testing.assert_allclose(a.dataset[name].values, b.dataset[name].values, rtol=0, atol=1e-9, err_msg=name)


def test_what_if_writes_nothing(default_copy):
    before = tree_digest(default_copy)
    workspace = beliefs.load_workspace(default_copy)
    history = what_if(workspace, CEASEFIRE, engine="exact", seed=1)
    assert tree_digest(default_copy) == before
    assert not (default_copy / ".beliefs").exists()
    assert history.evidence_ids(history.n_steps - 1) == [CEASEFIRE.id]


def test_what_if_equals_adding_the_row_and_updating(default_copy, default_workspace, default_history_exact):
    workspace = beliefs.load_workspace(default_copy)
    preview = what_if(workspace, CEASEFIRE, engine="exact", seed=1)
    tomorrow = workspace.steps[-1].date + dt.timedelta(days=1)
    assert preview.dates[-1] == tomorrow.isoformat() and preview.n_steps == default_history_exact.n_steps + 1

    path = add_evidence(default_copy, date=tomorrow, **vars(CEASEFIRE))
    assert path.name == f"{tomorrow}.csv"
    added = beliefs.compute_history(beliefs.load_workspace(default_copy), engine="exact", seed=1)
    assert_same_history(preview, added)
    # the steps before the new one are today's posterior, unchanged
    np.testing.assert_allclose(preview.hypothesis_probability.values[:-1], default_history_exact.hypothesis_probability.values, atol=1e-9)
    # and the row moved the beliefs the way its likelihoods say
    moved = preview.dataset["latent_mean"].sel(latent="willingness").values
    assert moved[-1] > moved[-2]


def test_several_rows_on_an_existing_date_equal_adding_them(make_workspace, tmp_path):
    root = make_workspace({"2025-02-01-talks.csv": SMALL, "2025-03-01.csv": "r3,Third,,,,0.2,0.5,0.5,,\n"})
    rows = [
        {"id": "h1", "summary": "One", "hypotheses": {"a": 0.7, "b": 0.2, "c": 0.4}},
        NewRow(id="h2", summary="Two", latents={"w": (0.9, 0.2)}, reliability="0.8"),
    ]
    workspace = beliefs.load_workspace(root)
    preview = what_if(workspace, rows, date="2025-02-01", engine="exact", seed=3)
    assert preview.dates == ["2025-01-01", "2025-02-01", "2025-03-01"]
    assert preview.evidence_ids(1) == ["r1", "r2", "h1", "h2"]

    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    for row in rows:
        fields = row if isinstance(row, dict) else vars(row)
        add_evidence(copy, date="2025-02-01", **fields)
    assert_same_history(preview, beliefs.compute_history(beliefs.load_workspace(copy), engine="exact", seed=3))


def test_preview_rows_are_validated_like_added_rows(make_workspace):
    root = make_workspace({"2025-02-01.csv": SMALL})
    workspace = beliefs.load_workspace(root)
    before = tree_digest(root)
    with pytest.raises(beliefs.WorkspaceError) as raised:
        what_if(workspace, [{"id": "r1", "summary": "dup", "latents": {"w": (0.5, 0.5)}}, {"id": "x", "summary": "", "hypotheses": {"a": 2}}])
    found = {(p.path.name, p.line, p.message.split(";")[0]) for p in raised.value.problems}
    assert any((name, line) == ("2025-02-02.csv", 2) and "duplicate id 'r1'" in message for name, line, message in found)
    assert ("2025-02-02.csv", 3, "summary is blank") in found
    with pytest.raises(beliefs.WorkspaceError, match="on or before the prior date"):
        preview_workspace(workspace, {"id": "y", "summary": "s", "latents": {"w": (0.5, 0.4)}}, date="2024-12-01")
    assert tree_digest(root) == before


def test_preview_workspace_adds_the_rows_in_the_order_a_reload_would_give(make_workspace):
    root = make_workspace({"2025-02-01.csv": SMALL, "2025-03-01.csv": "r3,Third,,,,0.2,0.5,0.5,,\n"})
    workspace = beliefs.load_workspace(root)
    preview = preview_workspace(workspace, {"id": "mid", "summary": "s", "latents": {"w": (0.5, 0.4)}}, date=dt.date(2025, 2, 15))
    assert [r.id for r in preview.rows] == ["r1", "r2", "mid", "r3"]
    assert [s.date.isoformat() for s in preview.steps] == ["2025-01-01", "2025-02-01", "2025-02-15", "2025-03-01"]
    new = preview.rows[2]
    assert (new.path, new.line) == (root / "evidence" / "2025-02-15.csv", 2)


def test_cli_what_if_prints_now_and_the_preview_and_writes_nothing(make_workspace):
    root = make_workspace({"2025-02-01.csv": SMALL})
    before = tree_digest(root)
    runner = CliRunner()
    flags = ["--summary", "A strong sign", "--p", "a=0.9", "--p", "b=0.1", "--p", "c=0.1", "--latent", "w=0.9,0.1"]
    table = runner.invoke(app, ["what-if", str(root), *flags], terminal_width=200)
    assert table.exit_code == 0, table.output
    assert "What if: A strong sign (2025-02-02)" in table.stdout and "now" in table.stdout and "with the row" in table.stdout
    as_json = runner.invoke(app, ["what-if", str(root), *flags, "--json", "--engine", "exact", "--seed", "2"])
    assert as_json.exit_code == 0, as_json.output
    expected = what_if(beliefs.load_workspace(root), {"id": "what-if", "summary": "A strong sign", "hypotheses": {"a": "0.9", "b": "0.1", "c": "0.1"},
                                                      "latents": {"w": ("0.9", "0.1")}}, engine="exact", seed=2)
    assert as_json.stdout == expected.to_json()
    assert json.loads(as_json.stdout)["steps"][-1]["evidence"] == ["what-if"]
    bad = runner.invoke(app, ["what-if", str(root), "--p", "a=0.9", "--date", "2024-01-01"])
    assert bad.exit_code == 2 and "on or before the prior date" in bad.stderr
    assert tree_digest(root) == before


def test_a_mistyped_flag_is_reported_against_the_flag_once_with_a_suggestion(default_copy):
    result = run_beliefs("what-if", default_copy, "--p", "pressur=0.5", "--p", "concede=0.3", "--p", "walk_away=0.2", "--latent", "willingnes=0.5,0.2")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert lines == ["error --p pressur: unknown hypothesis (did you mean 'pressure'?); the hypotheses are pressure, concede, walk_away",
                     "error --latent willingnes: unknown latent (did you mean 'willingness'?); the latents are willingness"]
    assert "2 problems; nothing was computed or written." in result.stderr
