"""The analyst's dated observations: `evidence/*.csv` parsed and validated into rows.

Each row says how likely the observation would be under each hypothesis and under each
latent disposition. Parsing never stops at the first problem: the analyst gets every
problem of every file at once, each with its file, line and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from beliefs.errors import Problem
from beliefs.scenario import Scenario

EVIDENCE_DIR = "evidence"
FILE_NAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})(?:-(?P<words>[^/\\]+))?\.csv$")
BASE_COLUMNS = ("id", "summary", "source", "reliability", "rationale")
REQUIRED_COLUMNS = ("id", "summary")


@dataclass(frozen=True)
class EvidenceRow:
    """One observation: what was seen and how likely it was under each hypothesis."""

    id: str
    date: dt.date
    summary: str
    source: str = ""
    reliability: float = 1.0
    rationale: str = ""
    hypotheses: dict[str, float] | None = None
    latents: dict[str, tuple[float, float]] = field(default_factory=dict)
    path: Path | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.path else self.id


def header_for(scenario: Scenario) -> list[str]:
    """The full column list of an evidence file for this scenario, in canonical order."""
    columns = list(BASE_COLUMNS)
    columns += [f"p_{name}" for name in scenario.hypothesis_names]
    for name in scenario.latent_names:
        columns += [f"p_{name}_yes", f"p_{name}_no"]
    return columns


def date_of_file(path: Path) -> dt.date | None:
    """The step date encoded in an evidence file's name, or None when the name is not valid."""
    match = FILE_NAME.match(path.name)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match["date"])
    except ValueError:
        return None


def parse_probability(text: str) -> float:
    """A probability cell as a float in [0, 1]; ValueError with a readable reason otherwise."""
    value = _parse_number(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{text.strip()!r} is outside [0, 1]; probabilities run from 0 to 1, e.g. 0.35")
    return value


def _parse_number(text: str) -> float:
    stripped = text.strip()
    try:
        value = float(stripped)
    except ValueError:
        hint = " (write 0.5, not 50%)" if stripped.endswith("%") else ""
        raise ValueError(f"{stripped!r} is not a number{hint}; write a decimal such as 0.35") from None
    if not math.isfinite(value):
        raise ValueError(f"{stripped!r} is not a finite number; write a decimal such as 0.35")
    return value


def load_evidence(directory: Path, scenario: Scenario) -> tuple[list[EvidenceRow], list[Problem]]:
    """Every row of every dated file in `directory`, with every problem found in them."""
    rows: list[EvidenceRow] = []
    problems: list[Problem] = []
    if not directory.is_dir():
        return rows, problems
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() != ".csv":
            continue
        file_rows, file_problems = parse_evidence_file(path, scenario)
        rows += file_rows
        problems += file_problems
    seen: dict[str, EvidenceRow] = {}
    for row in rows:
        if row.id in seen:
            first = seen[row.id]
            problems.append(
                Problem(row.path, f"duplicate id {row.id!r}, already used at {first.where}; ids must be unique across the workspace", row.line, 1)
            )
        else:
            seen[row.id] = row
    rows.sort(key=lambda r: (r.date, str(r.path), r.line or 0))
    return rows, problems


def parse_evidence_file(path: Path, scenario: Scenario) -> tuple[list[EvidenceRow], list[Problem]]:
    """The rows of one evidence file and the problems found in it."""
    date = date_of_file(path)
    if date is None:
        return [], [Problem(path, "file name must be YYYY-MM-DD.csv or YYYY-MM-DD-some-words.csv with a real date, e.g. 2025-04-14-sumy-strike.csv")]
    if date <= scenario.prior_date:
        return [], [Problem(path, f"date {date} is on or before the prior date {scenario.prior_date}; evidence must come after the priors it updates")]
    text, problem = _read_text(path)
    if problem:
        return [], [problem]
    return _FileParser(path, date, scenario).parse(text)


def _read_text(path: Path) -> tuple[str, Problem | None]:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "", Problem(path, "file is UTF-16; save it as UTF-8 (CSV UTF-8 in spreadsheet programs)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return "", Problem(path, "not valid UTF-8 text; save the file as UTF-8 (CSV UTF-8 in spreadsheet programs)", line, column)
    if not text.strip():
        return "", Problem(path, "file is empty; an evidence file needs a header line (id,summary,...) and at least one row")
    return text, None


class _FileParser:
    """Parses one CSV file, collecting problems instead of stopping at the first."""

    def __init__(self, path: Path, date: dt.date, scenario: Scenario):
        self.path, self.date, self.scenario = path, date, scenario
        self.problems: list[Problem] = []

    def problem(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.problems.append(Problem(self.path, message, line, column))

    def parse(self, text: str) -> tuple[list[EvidenceRow], list[Problem]]:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        records: list[tuple[int, list[str]]] = []
        try:
            while True:
                start = reader.line_num + 1
                try:
                    record = next(reader)
                except StopIteration:
                    break
                if record and any(cell.strip() for cell in record):
                    records.append((start, record))
        except csv.Error as error:
            self.problem(f"malformed CSV: {error} (an unbalanced quote?); quote cells with commas as \"like, this\"", reader.line_num)
            return [], self.problems
        if not records:
            self.problem("file has no header line; start with id,summary,...")
            return [], self.problems
        header_line, header = records[0]
        columns = self.check_header(header_line, [c.strip() for c in header])
        if columns is None:
            return [], self.problems
        if len(records) == 1:
            self.problem("file has a header but no rows; add a row or delete the file", header_line)
            return [], self.problems
        rows = []
        for line, record in records[1:]:
            if len(record) != len(header):
                self.problem(
                    f"row has {len(record)} cells but the header has {len(header)}; "
                    "every row needs one cell per column (quote cells that contain commas)",
                    line,
                )
                continue
            row = self.parse_row(line, dict(zip(columns, record, strict=True)), {name: i + 1 for i, name in enumerate(columns)})
            if row is not None:
                rows.append(row)
        return rows, self.problems

    def check_header(self, line: int, columns: list[str]) -> list[str] | None:
        if len(columns) == 1 and ";" in columns[0]:
            self.problem("header is separated by semicolons; save the file as comma-separated CSV", line, 1)
            return None
        if len(columns) == 1 and "\t" in columns[0]:
            self.problem("header is separated by tabs; save the file as comma-separated CSV", line, 1)
            return None
        known = set(header_for(self.scenario))
        ok = True
        for index, name in enumerate(columns, start=1):
            if columns.index(name) != index - 1:
                self.problem(f"column {name!r} appears twice", line, index)
                ok = False
            elif name not in known:
                if name.startswith("p_"):
                    valid = ", ".join(c for c in header_for(self.scenario) if c.startswith("p_"))
                    self.problem(f"column {name!r} names no hypothesis or latent of the scenario; valid p_ columns are {valid}", line, index)
                else:
                    self.problem(f"unknown column {name!r}; valid columns are {', '.join(BASE_COLUMNS)} and the p_ columns", line, index)
                ok = False
        for name in REQUIRED_COLUMNS:
            if name not in columns:
                self.problem(f"missing required column {name!r}", line)
                ok = False
        hypothesis_columns = [f"p_{h}" for h in self.scenario.hypothesis_names]
        present = [c for c in hypothesis_columns if c in columns]
        if present and len(present) != len(hypothesis_columns):
            missing = ", ".join(c for c in hypothesis_columns if c not in columns)
            self.problem(f"missing column(s) {missing}; give a p_ column for every hypothesis or for none", line)
            ok = False
        for latent in self.scenario.latent_names:
            pair = [f"p_{latent}_yes", f"p_{latent}_no"]
            if (pair[0] in columns) != (pair[1] in columns):
                missing = pair[1] if pair[0] in columns else pair[0]
                self.problem(f"missing column {missing}; latent columns come in pairs ({pair[0]}, {pair[1]})", line)
                ok = False
        return columns if ok else None

    def parse_row(self, line: int, cells: dict[str, str], position: dict[str, int]) -> EvidenceRow | None:
        before = len(self.problems)

        def required(name: str) -> str:
            value = cells.get(name, "").strip()
            if not value:
                self.problem(f"{name} is blank; every row needs a {name}", line, position[name])
            return value

        def probability(name: str) -> float | None:
            try:
                return parse_probability(cells[name])
            except ValueError as error:
                self.problem(f"{name}: {error}", line, position[name])
                return None

        row_id, summary = required("id"), required("summary")
        reliability = 1.0
        if cells.get("reliability", "").strip():
            reliability = probability("reliability")
        hypotheses = self.parse_block(line, cells, position, [f"p_{h}" for h in self.scenario.hypothesis_names], probability)
        latents = {}
        for latent in self.scenario.latent_names:
            pair = self.parse_block(line, cells, position, [f"p_{latent}_yes", f"p_{latent}_no"], probability)
            if pair is not None:
                latents[latent] = (pair[f"p_{latent}_yes"], pair[f"p_{latent}_no"])
        if hypotheses is None and not latents and len(self.problems) == before:
            self.problem("row bears on nothing: fill the p_ cells of the hypotheses, of a latent, or both", line)
        if len(self.problems) > before:
            return None
        return EvidenceRow(
            id=row_id,
            date=self.date,
            summary=summary,
            source=cells.get("source", "").strip(),
            reliability=reliability,
            rationale=cells.get("rationale", "").strip(),
            hypotheses={name.removeprefix("p_"): value for name, value in hypotheses.items()} if hypotheses else None,
            latents=latents,
            path=self.path,
            line=line,
        )

    def parse_block(self, line, cells, position, names, probability) -> dict[str, float] | None:
        """The values of a block of p_ cells that are filled all or none; None when empty."""
        present = [n for n in names if n in cells]
        filled = [n for n in present if cells[n].strip()]
        if not filled:
            return None
        if len(filled) != len(names):
            blank = next(n for n in names if n not in filled)
            self.problem(f"{blank} is blank while {filled[0]} is filled; fill all of {', '.join(names)} or none", line, position[blank])
            return None
        values = {n: probability(n) for n in names}
        if any(v is None for v in values.values()):
            return None
        if not any(values.values()):
            self.problem(
                f"{', '.join(names)} are all zero: an observation impossible under every case; give at least one a positive probability",
                line,
                position[names[0]],
            )
            return None
        return values
