"""Adding evidence safely, and previewing what a row would do before it is written.

`add_evidence` appends one row to the dated file of its day: it validates the row with the
very parser that `beliefs check` runs (on the would-be files, so the messages are the same),
never changes a byte already in the file, and writes atomically under the workspace's lock
(the one `beliefs update` holds) so concurrent adds never lose a row. `preview_workspace`
gives the workspace as it would be with rows added, writing nothing (what
`beliefs.inference.what_if` computes from).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from beliefs.atomic import atomic_path, remove_leftovers, workspace_lock
from beliefs.errors import Problem, WorkspaceError, quoted
from beliefs.inputs.clock import today
from beliefs.inputs.evidence import EVIDENCE_DIR, EvidenceRow, header_for, load_evidence
from beliefs.inputs.file_names import date_of_file
from beliefs.inputs.workspace import Workspace, load_workspace

log = logging.getLogger("beliefs")

Cell = float | str | None


@dataclass(frozen=True)
class NewRow:
    """One observation as an analyst states it, before it is validated and written.

    Probabilities may be numbers or the text the analyst typed ("0.3"); text is written as
    given, so a mistake gets the same message as in a hand-edited file.
    """

    id: str
    summary: str
    source: str = ""
    reliability: Cell = None
    rationale: str = ""
    hypotheses: Mapping[str, Cell] | None = None
    latents: Mapping[str, tuple[Cell, Cell]] | None = None
    group: str = ""
    kind: str = ""


@dataclass(frozen=True)
class _Plan:
    """What adding rows would do: the target file, its bytes before and after, the new rows."""

    target: Path
    old_bytes: bytes
    new_bytes: bytes
    rows: tuple[EvidenceRow, ...]


def add_evidence(
    root: str | Path,
    *,
    date: str | dt.date,
    id: str,
    summary: str,
    source: str = "",
    reliability: Cell = None,
    rationale: str = "",
    hypotheses: Mapping[str, Cell] | None = None,
    latents: Mapping[str, tuple[Cell, Cell]] | None = None,
    group: str = "",
    file_words: str | None = None,
    on_wait: Callable[[], None] | None = None,
    kind: str = "",
) -> Path:
    """Append one row to `evidence/<date>.csv` of the workspace at `root`; return that file.

    The file is created with the full header when it is the first row of that date. Raises
    `WorkspaceError` with every problem (and writes nothing) when the row or the workspace
    is not valid. While another process holds the workspace's lock, it waits, and first
    calls `on_wait` (default: log a warning).

    Parameters
    ----------
    root : path
        The workspace folder.
    date : str or datetime.date
        The row's date (YYYY-MM-DD); it must come after the prior date.
    id, summary, source, reliability, rationale
        The row's cells; probabilities may be numbers or text ("0.3", "30%").
    hypotheses : mapping, optional
        P(observation | hypothesis) for every hypothesis, or None for a row on latents only.
    latents : mapping, optional
        (P(observation | high), P(observation | low)) by latent name.
    group : str, optional
        The group (declared in `scenario.toml`) of rows reporting the same development.
    file_words : str, optional
        Words for a new file's name (`<date>-<words>.csv`).
    kind : str, optional
        The kind of evidence (statement, action, proposal, report, absence); blank is unclassified.

    Returns
    -------
    pathlib.Path
        The file the row was appended to.

    Examples
    --------
    >>> beliefs.add_evidence(".", date="2025-12-01", id="talks-resume", summary="Talks resume.",
    ...                      hypotheses={"pressure": 0.3, "concede": 0.6, "walk_away": 0.1})  # doctest: +SKIP
    """
    row = NewRow(id, summary, source, reliability, rationale, hypotheses, latents, group, kind)
    root = Path(root)
    if not root.is_dir():
        load_workspace(root)  # raises the usual "workspace folder not found"
    with workspace_lock(root, on_wait or _log_wait):
        remove_leftovers(root / EVIDENCE_DIR)  # of an add killed mid-write
        workspace = load_workspace(root)
        plan = _plan(workspace, [row], date, file_words)
        _atomic_write(plan.target, plan.new_bytes)
    return plan.target


def preview_workspace(
    workspace: Workspace,
    rows: NewRow | Mapping | Iterable[NewRow | Mapping],
    *,
    date: str | dt.date | None = None,
    file_words: str | None = None,
) -> Workspace:
    """The workspace as it would be with `rows` added at `date`; nothing is written.

    Rows are validated exactly as `add_evidence` validates them.

    Parameters
    ----------
    workspace : Workspace
    rows : NewRow, mapping, or iterable of them
        The hypothetical rows (a mapping has `NewRow`'s fields).
    date : str or datetime.date, optional
        Default: the day after the last step, or the last step's day when that is today.
    file_words : str, optional
        As for `add_evidence`.

    Returns
    -------
    Workspace
        A copy with the rows added; the files on disk are untouched.
    """
    if date is None:  # the day after the last step, but not after today (unless planning)
        last = workspace.steps[-1].date
        date = last + dt.timedelta(days=1) if workspace.scenario.allow_future or last < today() else last
    plan = _plan(workspace, _as_rows(rows), date, file_words)
    combined = sorted([*workspace.rows, *plan.rows], key=lambda r: (r.date, str(r.path), r.line or 0))
    return dataclasses.replace(workspace, rows=tuple(combined))


# -- planning: the would-be file, validated by the evidence parser --------------------------


def _as_rows(rows) -> list[NewRow]:
    if isinstance(rows, NewRow | Mapping):
        rows = [rows]
    return [row if isinstance(row, NewRow) else NewRow(**row) for row in rows]


def _parse_date(date: str | dt.date, where: Path) -> dt.date:
    if isinstance(date, dt.datetime):
        return date.date()
    if isinstance(date, dt.date):
        return date
    try:
        return dt.date.fromisoformat(str(date).strip())
    except ValueError:
        raise WorkspaceError([Problem(where, f"date {date!r} is not a real date; write YYYY-MM-DD, e.g. 2025-12-01")]) from None


MAX_FILE_WORDS = 100  # file names stay well under the 255 bytes file systems allow


def _target_file(workspace: Workspace, date: dt.date, file_words: str | None) -> Path:
    """The file a row of `date` goes to: the one file of that date, or a new `<date>.csv`."""
    folder = workspace.root / EVIDENCE_DIR
    if file_words is not None:
        words = file_words.strip()
        if not words or words.startswith(".") or any(c in words for c in "/\\") or not words.isprintable():
            message = f"file words {quoted(file_words)} cannot be part of a file name; use a few words with dashes, e.g. ceasefire-accepted"
            raise WorkspaceError([Problem(folder, message)])
        if len(words) > MAX_FILE_WORDS:
            message = (f"file words {quoted(file_words)} are {len(words)} characters, too long for a file name; use a few words with dashes "
                       f"(at most {MAX_FILE_WORDS} characters), e.g. ceasefire-accepted")
            raise WorkspaceError([Problem(folder, message)])
        return folder / f"{date.isoformat()}-{words}.csv"
    existing = sorted(p for p in folder.glob(f"{date.isoformat()}*.csv") if date_of_file(p) == date) if folder.is_dir() else []
    if len(existing) > 1:
        names = ", ".join(p.name for p in existing)
        message = f"several evidence files are dated {date}: {names}; say which one with file words (--file-words): the part of its name after the date"
        raise WorkspaceError([Problem(folder, message)])
    return existing[0] if existing else folder / f"{date.isoformat()}.csv"


def _plan(workspace: Workspace, rows: list[NewRow], date: str | dt.date, file_words: str | None) -> _Plan:
    if not rows:
        raise ValueError("no rows given")
    date = _parse_date(date, workspace.root / EVIDENCE_DIR)
    target = _target_file(workspace, date, file_words)
    old_bytes = target.read_bytes() if target.exists() else b""
    header, header_line = _header_of(old_bytes, workspace, kind=any(row.kind for row in rows))
    eol = "\r\n" if b"\r\n" in old_bytes else "\n"
    prefix = old_bytes
    if prefix and not prefix.endswith(b"\n"):
        prefix += eol.encode()
    if not old_bytes:
        prefix = _csv_line(header, eol).encode("utf-8")
    first_line = prefix.count(b"\n") + 1
    problems: list[Problem] = []
    lines = []
    unwritable = False
    for offset, row in enumerate(rows):
        cells, row_problems = _cells(row, workspace, target, first_line + offset)
        problems += row_problems
        missing = [column for column, value in cells.items() if value and column not in header]
        if missing:
            unwritable = True
            problems.append(
                Problem(
                    target,
                    f"the file has no column(s) {', '.join(missing)} that this row fills; adding a row never rewrites a header, "
                    "so add the column(s) to the file by hand, or put the row in a new file of that date with file words",
                    header_line,
                )
            )
        lines.append(_csv_line([cells.get(column, "") for column in header], eol))
    if unwritable:  # the parser would only see part of the row: its messages would mislead
        raise WorkspaceError(problems)
    new_bytes = prefix + "".join(lines).encode("utf-8")
    new_rows, parse_problems = _validate(workspace, target, new_bytes, first_line)
    problems += parse_problems
    if problems:
        raise WorkspaceError(problems)
    return _Plan(target, old_bytes, new_bytes, tuple(new_rows))


def _header_of(data: bytes, workspace: Workspace, kind: bool = False) -> tuple[list[str], int | None]:
    """The column names of an existing file (and the header's line), or the full header (with
    `kind` when a row has one)."""
    if not data:
        return header_for(workspace.scenario, kind), None
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    for record in reader:
        if any(cell.strip() for cell in record):
            return [cell.strip() for cell in record], reader.line_num
    return header_for(workspace.scenario, kind), None


def _cells(row: NewRow, workspace: Workspace, target: Path, line: int) -> tuple[dict[str, str], list[Problem]]:
    """The row's cells by column name; a problem for each name the scenario lacks."""
    scenario = workspace.scenario
    problems = []
    cells = {"id": _text(row.id), "summary": _text(row.summary), "source": _text(row.source), "reliability": _number(row.reliability)}
    cells["rationale"] = _text(row.rationale)
    if row.group:
        cells["group"] = _text(row.group)
    if row.kind:
        cells["kind"] = _text(row.kind)
    for name, value in (row.hypotheses or {}).items():
        if name not in scenario.hypotheses:
            problems.append(Problem(target, f"unknown hypothesis {name!r}; the scenario's hypotheses are {', '.join(scenario.hypothesis_names)}", line))
        else:
            cells[f"p_{name}"] = _number(value)
    for name, pair in (row.latents or {}).items():
        if name not in scenario.latents:
            known = ", ".join(scenario.latent_names) or "none"
            problems.append(Problem(target, f"unknown latent {name!r}; the scenario's latents are {known}", line))
        elif not _is_pair(pair):
            problems.append(Problem(target, f"latent {name!r} needs two probabilities (p_{name}_yes, p_{name}_no), e.g. (0.6, 0.3)", line))
        else:
            yes, no = pair
            cells[f"p_{name}_yes"], cells[f"p_{name}_no"] = _number(yes), _number(no)
    return cells, problems


def _is_pair(value) -> bool:
    return isinstance(value, tuple | list) and len(value) == 2


def _text(value) -> str:
    return "" if value is None else str(value)


def _number(value: Cell) -> str:
    """A probability cell as written: floats in their shortest exact form, text as given."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _csv_line(cells: list[str], eol: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=eol).writerow(cells)
    return buffer.getvalue()


def _validate(workspace: Workspace, target: Path, content: bytes, first_line: int) -> tuple[list[EvidenceRow], list[Problem]]:
    """Parse the would-be evidence folder with `load_evidence`: the new rows, every problem.

    The folder is rebuilt in a scratch directory (links to the workspace's files, plus the
    would-be target file) so the problems are exactly those `beliefs check` would report
    after the write; their paths are mapped back to the workspace.
    """
    real = {row.path.name: row.path for row in workspace.rows if row.path is not None}
    real[target.name] = target
    with tempfile.TemporaryDirectory(prefix="beliefs-add-") as scratch:
        folder = Path(scratch)
        for name, path in real.items():
            if name != target.name:
                _link_or_copy(path, folder / name)
        (folder / target.name).write_bytes(content)
        rows, problems = load_evidence(folder, workspace.scenario)
    back = {str(folder / name): path for name, path in real.items()}

    def unmap(row: EvidenceRow) -> EvidenceRow:
        return dataclasses.replace(row, path=back.get(str(row.path), row.path))

    def unmap_problem(problem: Problem) -> Problem:
        message = problem.message
        for scratch_path, path in back.items():
            message = message.replace(scratch_path, str(path))  # e.g. "already used at <file>:3"
        return dataclasses.replace(problem, path=back.get(str(problem.path), problem.path), message=message)

    new_rows = [unmap(row) for row in rows if row.path == folder / target.name and (row.line or 0) >= first_line]
    return new_rows, [unmap_problem(problem) for problem in problems]


def _link_or_copy(source: Path, link: Path) -> None:
    try:
        link.symlink_to(source.resolve())
    except OSError:
        link.write_bytes(source.read_bytes())


# -- writing: atomic, under the workspace lock ---------------------------------------------


def _log_wait() -> None:
    log.warning("waiting for another beliefs process that holds this workspace's lock ...")


def _atomic_write(target: Path, data: bytes) -> None:
    """Replace `target` with `data` all at once (readers see the old file or the new one),
    keeping the file's permissions; a symbolic link is written through (the file it points to
    is replaced, the link stays)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():
        target = target.resolve()
    mode = target.stat().st_mode & 0o7777 if target.exists() else _default_file_mode()
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)
        os.chmod(temporary, mode)


def _default_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
