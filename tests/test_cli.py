"""The `beliefs` command as a user runs it: a real process on real files."""

from __future__ import annotations

import json

import pytest
from helpers import run_beliefs

import beliefs


def test_update_json_has_the_contract_shape(default_copy, default_workspace):
    result = run_beliefs("update", default_copy, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["title"] == default_workspace.scenario.title
    assert len(summary["steps"]) == len(default_workspace.steps)
    first = summary["steps"][0]
    assert first["date"] == "2025-04-01" and first["evidence"] == []
    assert set(first["hypotheses"]) == {"pressure", "concede", "walk_away"}
    assert set(first["latents"]["willingness"]) == {"probability"}  # a state latent
    assert abs(sum(summary["steps"][-1]["hypotheses"].values()) - 1) < 1e-5
    assert summary["steps"][1]["evidence"] == default_workspace.steps[1].evidence_ids


def test_update_prints_a_table_with_the_engine(default_copy):
    result = run_beliefs("update", default_copy)
    assert result.returncode == 0, result.stderr
    assert "engine: exact" in result.stdout and "2025-11-23" in result.stdout
    assert "engine: exact; computed" in result.stderr


def test_update_defaults_to_the_current_directory(default_copy):
    result = run_beliefs("update", "--json", cwd=default_copy)
    assert result.returncode == 0 and json.loads(result.stdout)["steps"]


def test_init_creates_a_valid_empty_workspace(tmp_path):
    target = tmp_path / "new"
    assert run_beliefs("init", target).returncode == 0
    assert (target / "evidence").is_dir()
    assert run_beliefs("check", target).returncode == 0
    summary = json.loads(run_beliefs("update", target, "--json").stdout)
    assert len(summary["steps"]) == 1


def test_init_never_overwrites(tmp_path):
    target = tmp_path / "new"
    run_beliefs("init", target)
    (target / "scenario.toml").write_text("mine")
    result = run_beliefs("init", target)
    assert result.returncode == 2 and "already exists" in result.stderr
    assert (target / "scenario.toml").read_text() == "mine"


@pytest.mark.parametrize("engine", ["exact", "nuts"])
def test_engine_choice_is_recorded(make_workspace, engine):
    root = make_workspace({"2025-02-01.csv": "r1,one,,,,0.9,0.2,0.3,0.6,0.3\n"})
    summary = json.loads(run_beliefs("update", root, "--json", "--engine", engine, "--draws", "200").stdout)
    assert summary["engine"] == engine


def test_unknown_engine_is_a_usage_error(default_copy):
    result = run_beliefs("update", default_copy, "--engine", "magic")
    assert result.returncode == 2 and "choose one of auto, exact, nuts" in result.stderr


def test_bad_workspace_exits_2_and_writes_nothing(make_workspace):
    root = make_workspace({"2025-02-01.csv": "r1,one,,,,1.2,0.2,0.3,,\n"})
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    result = run_beliefs("update", root)
    assert result.returncode == 2
    assert "2025-02-01.csv:2:6: p_a: '1.2' is outside [0, 1]" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_a_file_given_as_the_workspace_is_named_as_a_file(default_copy):
    result = run_beliefs("check", default_copy / "scenario.toml")
    assert result.returncode == 2 and "is a file, not a workspace folder" in result.stderr


def test_version_prints_the_package_version():
    result = run_beliefs("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"beliefs {beliefs.__version__}"


def test_what_if_help_promises_only_what_it_does():
    text = run_beliefs("what-if", "--help").stdout
    assert "(required)" not in text  # --id and --summary have defaults in a preview
    assert "--file-words" not in text  # a preview names no file
    assert "[default: what-if]" in text


@pytest.mark.parametrize("columns", ["40", None], ids=["narrow-terminal", "piped"])
def test_tables_never_cut_a_header_or_a_number(default_copy, columns):
    env = {"COLUMNS": columns} if columns else {}
    result = run_beliefs("update", default_copy, env=env)
    assert result.returncode == 0, result.stderr
    assert "…" not in result.stdout
    header = next(line for line in result.stdout.splitlines() if "step" in line and "date" in line)
    assert all(name in header for name in ("pressure", "concede", "walk_away", "willingness"))
    assert "2025-11-24" in result.stdout and "%" in result.stdout
