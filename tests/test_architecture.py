"""The package's shape: ARCHITECTURE.md names every module, modules stay small, and data flows
one way between the stages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "beliefs"
STAGES = ["inputs", "inference", "results", "outputs"]
# What each stage may import besides itself: inference writes the results it produces; results
# and outputs may name the inputs' types (a history carries its Scenario; a report is written
# beside its workspace), but no reader imports the inference that made the history.
ALLOWED = {"inputs": set(), "inference": {"inputs", "results"}, "results": {"inputs"}, "outputs": {"inputs", "results"}}
MAX_LINES = 400


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_architecture_names_every_module_and_nothing_else():
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = {line.split("`")[1] for line in text.splitlines() if line.startswith("| `beliefs/") and line.split("`")[1].endswith(".py")}
    present = {str(path.relative_to(REPO)) for path in modules()}
    assert not present - named, f"add these modules to ARCHITECTURE.md: {sorted(present - named)}"
    assert not named - present, f"ARCHITECTURE.md names modules that do not exist: {sorted(named - present)}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_about_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES + 20


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "beliefs" and parts[1] in STAGES else None


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_imports_only_what_its_place_in_the_flow_allows(stage):
    forbidden = set(STAGES) - ALLOWED[stage] - {stage}
    offending = []
    for path in sorted((PACKAGE / stage).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and _stage(node.module) in forbidden:
                offending.append(f"{path.relative_to(REPO)}: {node.module}")
    assert not offending, offending
