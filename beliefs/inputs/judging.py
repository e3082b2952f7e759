"""One analyst's judgment of one evidence row appended to `judgments/NAME.csv`, as `add_evidence`
appends a row: validated by the very loader `beliefs check` runs (on the would-be files, so the
messages are the same), never changing a byte already written, atomically, under the workspace's
lock."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from beliefs.atomic import workspace_lock
from beliefs.errors import Problem, WorkspaceError
from beliefs.inputs.authoring import Cell, NewRow, _atomic_write, _cells, _csv_line, _header_of, _link_or_copy, _log_wait
from beliefs.inputs.judgments import AUTHOR, JUDGMENTS_DIR, judgment_columns
from beliefs.inputs.scenario_file import SCENARIO_FILE, load_scenario
from beliefs.inputs.workspace import Workspace, load_workspace


def add_judgment(
    root: str | Path,
    *,
    analyst: str,
    id: str,
    hypotheses: Mapping[str, Cell] | None = None,
    latents: Mapping[str, tuple[Cell, Cell]] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Path:
    """Append analyst `analyst`'s judgment of evidence row `id` to `judgments/<analyst>.csv`.

    As `add_evidence`: validated by the very loader `beliefs check` runs (on the would-be files),
    append-only (a new file gets the full header), atomic, under the workspace's lock; raises
    `WorkspaceError` with every problem and writes nothing when the judgment or the workspace is
    not valid.

    Parameters
    ----------
    root : path
        The workspace folder.
    analyst : str
        The analyst's name (the file's name); not `author`, whose judgments are the evidence.
    id : str
        The evidence row judged.
    hypotheses, latents
        As for `add_evidence`; leave out a part to give no judgment on it.

    Returns
    -------
    pathlib.Path
        The judgment file.
    """
    root = Path(root)
    if not root.is_dir():
        load_workspace(root)  # raises the usual "workspace folder not found"
    target = root / JUDGMENTS_DIR / f"{analyst}.csv"
    if analyst == AUTHOR or not analyst or any(c in analyst for c in "/\\") or analyst.startswith("."):
        why = "the author's judgments are the evidence files: use `beliefs add` without --analyst" if analyst == AUTHOR else \
            "an analyst's name is the file's name: letters, digits and _, e.g. alice"
        raise WorkspaceError([Problem(Path("--analyst"), f"{analyst!r}: {why}")])
    with workspace_lock(root, on_wait or _log_wait):
        try:
            workspace = load_workspace(root)
        except WorkspaceError as error:  # a declared analyst's first judgment: the file it lacks is the one written now
            if target.exists() or not all(p.message.startswith(f"[analysts.{analyst}] has no ") for p in error.problems):
                raise
            workspace = Workspace(root, load_scenario(root / SCENARIO_FILE), ())
        old_bytes = target.read_bytes() if target.exists() else b""
        header, header_line = (_header_of(old_bytes, workspace)) if old_bytes else (judgment_columns(workspace.scenario), None)
        cells, problems = _cells(NewRow(id=id, summary="", hypotheses=hypotheses, latents=latents), workspace, target, None)
        cells = {k: v for k, v in cells.items() if k == "id" or k.startswith("p_")}
        missing = [column for column, value in cells.items() if value and column not in header]
        if missing:
            problems.append(Problem(target, f"the file has no column(s) {', '.join(missing)} that this judgment fills; adding never rewrites a "
                                            "header, so add the column(s) to the file by hand", header_line))
        if problems:
            raise WorkspaceError(problems)
        eol = "\r\n" if b"\r\n" in old_bytes else "\n"
        prefix = old_bytes + (eol.encode() if old_bytes and not old_bytes.endswith(b"\n") else b"")
        if not old_bytes:
            prefix = _csv_line(header, eol).encode("utf-8")
        new_bytes = prefix + _csv_line([cells.get(column, "") for column in header], eol).encode("utf-8")
        problems = _validate_judgments(workspace, target, new_bytes)
        if problems:
            raise WorkspaceError(problems)
        _atomic_write(target, new_bytes)
    return target


def _validate_judgments(workspace: Workspace, target: Path, content: bytes) -> list[Problem]:
    """The problems `beliefs check` would report with `target` holding `content`: the workspace is
    loaded from a scratch folder of links with the would-be file, paths mapped back."""
    root = workspace.root
    with tempfile.TemporaryDirectory(prefix="beliefs-judge-") as scratch:
        folder = Path(scratch)
        for entry in root.iterdir():
            if entry.name not in (target.parent.name, ".beliefs"):
                _link_or_copy(entry, folder / entry.name)
        (folder / target.parent.name).mkdir()
        if target.parent.is_dir():
            for entry in target.parent.iterdir():
                _link_or_copy(entry, folder / target.parent.name / entry.name)
        (folder / target.parent.name / target.name).unlink(missing_ok=True)
        (folder / target.parent.name / target.name).write_bytes(content)
        try:
            load_workspace(folder)
        except WorkspaceError as error:
            return [dataclasses.replace(p, path=Path(str(p.path).replace(str(folder), str(root))) if p.path else p.path,
                                        message=p.message.replace(str(folder), str(root))) for p in error.problems]
    return []
