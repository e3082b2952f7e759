"""The byte layer of an evidence file: bytes to text (encodings refused with a located
reason) and text to CSV records, each with the line it starts on, or the line and column
where the CSV syntax breaks. What the cells mean is `beliefs.inputs.evidence`'s job."""

from __future__ import annotations

import csv
import io
import stat
from dataclasses import dataclass
from pathlib import Path

from beliefs.errors import Problem


def read_csv_text(path: Path) -> tuple[str, Problem | None]:
    """The file as text, or a located problem: not a file, unreadable, UTF-16, not UTF-8, NUL, or empty."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            return "", Problem(path, "is a folder, not a CSV file, so it is not read; rename it, or move what it holds out of it")
        if not stat.S_ISREG(mode):  # a named pipe would wait for a writer forever
            return "", Problem(path, "is not a regular file (a named pipe, socket or device), so it is not read; put a plain CSV file here or remove it")
        data = path.read_bytes()
    except OSError as error:
        return "", Problem(path, f"cannot be read ({error.strerror or error})")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) >= 4 and (data[1:4:2] == b"\x00\x00" or data[0:4:2] == b"\x00\x00")):
        return "", Problem(path, "file is UTF-16 text; save it as UTF-8 (in a spreadsheet: CSV UTF-8, comma-separated)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0  # utf-8-sig counts from after the mark
        line, column = _byte_position(data, error.start + bom)
        return "", Problem(path, "not UTF-8 text (Windows-1252 or Latin-1?); save it as UTF-8 (in a spreadsheet: CSV UTF-8)", line, column)
    if "\x00" in text:
        line, column = _byte_position(data, data.index(b"\x00"))
        return "", Problem(path, "contains a NUL character, so it is not a text file; save it as CSV UTF-8", line, column)
    if not text.strip():
        return "", Problem(path, "file is empty; an evidence file needs a header line (id,summary,p_...) and at least one row")
    return text, None


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """Line and CSV column of a byte offset (lines end at \\n, \\r or \\r\\n)."""
    before = data[:offset].decode("utf-8-sig", errors="replace")
    lines = before.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return len(lines), scan_cells(lines[-1])[0]




@dataclass(frozen=True)
class Record:
    """One non-blank CSV record: its cells and the line it starts on."""

    line: int
    cells: list[str]


@dataclass(frozen=True)
class CsvSyntaxError:
    """Where and why a CSV text stops being valid CSV."""

    line: int
    column: int | None
    message: str


def read_records(text: str) -> tuple[list[Record], CsvSyntaxError | None]:
    """The non-blank records of a CSV text, read by the csv module (strict), or where it breaks."""
    consumed: list[str] = []

    def physical_lines():
        for raw in io.StringIO(text, newline=""):
            consumed.append(raw)
            yield raw

    reader = csv.reader(physical_lines(), strict=True)
    records: list[Record] = []
    line, start = 1, 0
    while True:
        consumed.clear()
        try:
            cells = next(reader)
        except StopIteration:
            return records, None
        except csv.Error as error:
            if "field limit" in str(error):  # the csv module stops mid-cell: read on to tell a huge cell from an unclosed quote
                return records, _too_large(line, text[start:])
            return records, _syntax_error(line, list(consumed), str(error))
        if any(cell.strip() for cell in cells):
            records.append(Record(line, cells))
        line += len(consumed)
        start += sum(map(len, consumed))


def scan_cells(raw: str) -> tuple[int, tuple[str, int] | None]:
    """The number of cells begun in one CSV record, and the first syntax error with its offset.

    Mirrors the csv module's default dialect in strict mode: a cell that starts with a quote
    runs to the next single quote (two quotes stand for one), after which the cell must end.
    """
    cells, state, opened = 1, "start", 0
    for i, c in enumerate(raw):
        if state == "start":
            if c == '"':
                state, opened = "quoted", i
            elif c == ",":
                cells += 1
            elif c in "\r\n":
                return cells, None
            else:
                state = "plain"
        elif state == "plain":
            if c == ",":
                cells += 1
                state = "start"
            elif c in "\r\n":
                return cells, None
        elif state == "quoted":
            if c == '"':
                state = "quote"
        else:  # just after a quote inside a quoted cell: a second quote, or the cell's end
            if c == '"':
                state = "quoted"
            elif c == ",":
                cells += 1
                state = "start"
            elif c in "\r\n":
                return cells, None
            else:
                return cells, ("after quote", i)
    return cells, ("unclosed", opened) if state == "quoted" else None


def _line_of(lines: list[str], first_line: int, offset: int) -> int:
    """The line number of a character offset into the concatenation of `lines`."""
    total = 0
    for index, raw in enumerate(lines):
        total += len(raw)
        if offset < total:
            return first_line + index
    return first_line + max(len(lines) - 1, 0)


def _syntax_error(line: int, lines: list[str], reason: str) -> CsvSyntaxError:
    cells, found = scan_cells("".join(lines))
    if found and found[0] == "unclosed":
        at = _line_of(lines, line, found[1])
        return CsvSyntaxError(at, cells, 'malformed CSV: the quote that opens this cell is never closed; close it, or write a quote inside a cell as ""')
    if found and found[0] == "after quote":
        at = _line_of(lines, line, found[1])
        return CsvSyntaxError(at, cells, 'malformed CSV: text after the closing quote of this cell; quote the whole cell and write quotes inside it as ""')
    return CsvSyntaxError(line, None, f"malformed CSV: {reason}")


def _too_large(line: int, rest: str) -> CsvSyntaxError:
    """A cell past the csv module's size limit: a quote that never closes, or a cell that is simply too large."""
    lines = rest.splitlines(keepends=True)
    _, found = scan_cells(rest)
    if found and found[0] == "unclosed":
        return _syntax_error(line, lines, "unclosed")
    return CsvSyntaxError(line, None, f"a cell of this row is too large (more than {csv.field_size_limit():,} characters); "
                                       "keep a cell to a sentence or two and put long text in a document the source column cites")
