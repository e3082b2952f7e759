"""Every notebook runs top to bottom with a real kernel, on a copy of the default workspace,
and the committed notebooks carry no outputs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from helpers import tree_digest
from nbclient import NotebookClient

import beliefs

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXPECTED = ["01-priors.ipynb", "02-evidence.ipynb", "03-updating.ipynb", "04-publishing.ipynb"]
CELL_TIMEOUT = 600  # seconds; the slowest cell (the report's figures) takes about a minute




@pytest.fixture(scope="session")
def python3_kernel() -> str:
    """The `python3` kernel of this virtualenv, registered in it if it is missing."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if "python3" not in specs or not Path(specs["python3"]).is_relative_to(sys.prefix):
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix"], check=True, capture_output=True)
    return "python3"


def test_the_four_notebooks_are_there():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_notebook_has_no_outputs(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: strip the outputs before committing"
    first_code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert 'WORKSPACE = Path("..", os.environ.get("BELIEFS_WORKSPACE", "."))' in first_code.source
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("name", EXPECTED)
def test_no_notebook_uses_an_output_widget(name):
    """An ipywidgets Output widget makes a headless client (nbclient, as in these tests and in CI)
    send the captured output back to the kernel on the shell channel while the cell runs; under
    load that send can swallow the wake-up for the cell's reply, and the run then sits idle until
    the cell timeout (measured on notebook 02 with both cores busy: 3 runs in 5 took the whole
    120 s timeout, against 10 s with Image widgets; jupyter/nbclient#312). Widgets that show
    figures take PNG bytes instead."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    sources = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "widgets.Output(" not in sources and "ipywidgets.Output(" not in sources


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_top_to_bottom_on_a_copy_of_the_default_workspace(name, default_copy, python3_kernel, monkeypatch):
    monkeypatch.setenv("BELIEFS_WORKSPACE", str(default_copy))
    evidence_before = tree_digest(default_copy / "evidence")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(notebook, kernel_name=python3_kernel, timeout=CELL_TIMEOUT, allow_errors=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError on the first cell that fails
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert any("image/png" in out.get("data", {}) for out in outputs), "every notebook shows at least one figure"
    assert tree_digest(default_copy / "evidence") == evidence_before, "a notebook wrote into the workspace's evidence"
    assert not (default_copy / "judgments").exists(), "a notebook wrote judgments into the workspace (notebook 03 uses a temporary copy)"
    if name == "04-publishing.ipynb":
        assert (default_copy / "reports" / "index.html").is_file()


@pytest.mark.slow
def test_notebook_02_builds_its_examples_from_another_workspace_named_relative_to_the_repository(tmp_path, python3_kernel, monkeypatch):
    """On an example workspace, given as a path relative to the repository root (where `make lab`
    starts JupyterLab), notebook 02 runs and its example rows use that workspace's own hypotheses."""
    source = NOTEBOOKS.parent / "examples" / "02-trump-putin-meeting"
    copy = tmp_path / "meeting"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(".beliefs", "reports"))
    monkeypatch.setenv("BELIEFS_WORKSPACE", os.path.relpath(copy, NOTEBOOKS.parent))
    notebook = nbformat.read(NOTEBOOKS / "02-evidence.ipynb", as_version=4)
    client = NotebookClient(notebook, kernel_name=python3_kernel, timeout=CELL_TIMEOUT, allow_errors=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    text = "\n".join(out.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs)
    hypotheses = beliefs.load_workspace(copy).scenario.hypothesis_names
    assert "example-row" in text and f"p_{hypotheses[0]}" in text
    assert "example-new-sanctions-threat" not in text and "pressure" not in text  # the default question's row and hypothesis
    assert "preview dated" in text
