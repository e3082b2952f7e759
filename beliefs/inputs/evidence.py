"""The analyst's dated observations: `evidence/*.csv` parsed and validated into rows.

Each row says how likely the observation would be under each hypothesis and under each
latent disposition. Parsing never stops at the first problem: the analyst gets every
problem of every file at once, each with its file, line and column: the line on which the
record starts and the CSV column (1 for the first cell, as a spreadsheet counts them); the
message names the column too.

Decisions about the format, beyond what the README states:
- all files of one date form one step, whatever words follow the date and whatever their
  headers (each file has its own header; a file may leave out optional columns);
- a file name whose date is not written `YYYY-MM-DD` (e.g. `2025-5-1.csv`) or is not a real
  date (e.g. `2025-02-30.csv`) is an error, as is a name that differs from another only in
  letter case (the two would be one file on macOS and Windows);
- a byte-order mark and Windows or old Mac line endings are accepted; UTF-16, other
  encodings, semicolon- or tab-separated exports are errors;
- hidden files and names starting with `~$` are ignored, as are files that are not `.csv`,
  except a dated spreadsheet export (`2025-05-01.xlsx`), which is an error: its rows would be
  silently lost; so are `.csv` files in subfolders;
- evidence that rules out every hypothesis (each has probability 0 in some fully reliable
  row, or a prior of 0) is an error: there is no posterior to compute.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from beliefs.errors import Problem, did_you_mean, printable, quoted
from beliefs.inputs.cells import parse_number, parse_probability
from beliefs.inputs.clock import today
from beliefs.inputs.consistency import contradiction, duplicate_ids
from beliefs.inputs.csv_text import Record, read_csv_text, read_records
from beliefs.inputs.file_names import DATED, NAME_FORMS, date_of_file, file_name_problem
from beliefs.inputs.kinds import kind_problem
from beliefs.inputs.scenario import Scenario
from beliefs.inputs.scenario_file import SCENARIO_FILE

EVIDENCE_DIR = "evidence"
BASE_COLUMNS = ("id", "summary", "source", "reliability", "rationale", "group", "kind")
REQUIRED_COLUMNS = ("id", "summary")
SPREADSHEET_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".ods", ".numbers", ".tsv", ".txt")
GROUP_NAME = r"[A-Za-z_][A-Za-z0-9_]*"


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
    group: str | None = None
    kind: str = ""  # one of KINDS, or "" for unclassified
    path: Path | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        """file:line of the row (or its id when it was never written to a file)."""
        return f"{self.path}:{self.line}" if self.path else self.id

    @property
    def counted_hypotheses(self) -> dict[str, float] | None:
        """The hypotheses' likelihoods as they count: r L + (1 - r) mean(L), a report that is noise
        with probability 1 - r (the rule `inference.likelihoods.with_reliability` applies to arrays)."""
        return None if self.hypotheses is None else _with_reliability(self.hypotheses, self.reliability)

    def counted_latent(self, name: str) -> tuple[float, float] | None:
        """A latent's (yes, no) likelihoods as they count, reliability applied; None when the row does not bear on it."""
        if name not in self.latents:
            return None
        yes, no = self.latents[name]
        counted = _with_reliability({"yes": yes, "no": no}, self.reliability)
        return counted["yes"], counted["no"]


def _with_reliability(values: dict[str, float], reliability: float) -> dict[str, float]:
    mean = sum(values.values()) / len(values)
    return {key: reliability * value + (1.0 - reliability) * mean for key, value in values.items()}


def header_for(scenario: Scenario, kind: bool = False) -> list[str]:
    """The full column list of an evidence file for this scenario, in canonical order (`group`
    only when the scenario declares groups, `kind` only when asked for)."""
    columns = [c for c in BASE_COLUMNS if (c != "group" or scenario.groups) and (c != "kind" or kind)]
    columns += [f"p_{name}" for name in scenario.hypothesis_names]
    for name in scenario.latent_names:
        columns += [f"p_{name}_yes", f"p_{name}_no"]
    return columns


def load_evidence(directory: Path, scenario: Scenario) -> tuple[list[EvidenceRow], list[Problem]]:
    """Every row of every dated file in `directory`, with every problem found in them.

    A missing folder means no evidence yet (step 0 only). Rows come sorted by date, file and line.
    """
    rows: list[EvidenceRow] = []
    problems: list[Problem] = []
    if not directory.exists() and not directory.is_symlink():
        return rows, problems
    if not directory.is_dir():
        return rows, [Problem(directory, f"is not a folder; {EVIDENCE_DIR}/ must be a folder of dated CSV files ({NAME_FORMS})")]
    try:
        entries = sorted(directory.iterdir())
    except OSError as error:
        return rows, [Problem(directory, f"cannot be read ({error.strerror or error})")]
    folded: dict[str, str] = {}
    refused: list[EvidenceRow] = []
    for path in entries:
        name = path.name
        if name.startswith((".", "~$")):
            continue
        if path.is_dir():
            if path.suffix.lower() == ".csv" and DATED.match(name):
                problems.append(Problem(path, f"is a folder named like an evidence file, so it is not read; an evidence file is a CSV file "
                                              f"directly in {EVIDENCE_DIR}/: rename the folder, or move what it holds out of it"))
            elif _contains_csv(path):
                problems.append(Problem(path, f"is a subfolder; evidence files in subfolders are not read: move them into {EVIDENCE_DIR}/ itself"))
            continue
        suffix = path.suffix.lower()
        if suffix != ".csv":
            if suffix in SPREADSHEET_SUFFIXES and DATED.match(name):
                problems.append(Problem(path, f"is a {suffix} file, which beliefs does not read; save it as CSV UTF-8 (comma-separated) with a .csv name"))
            continue
        if name.casefold() in folded:
            other = printable(folded[name.casefold()])[:60]
            problems.append(Problem(path, f"name differs from {other} only in letter case; on macOS and Windows they are one file: merge or rename them"))
        folded.setdefault(name.casefold(), name)
        file_rows, file_problems, file_refused = _parse_file(path, scenario)
        rows += file_rows
        refused += file_refused
        problems += file_problems
    rows.sort(key=lambda r: (r.date, str(r.path), r.line or 0))
    problems += duplicate_ids(rows + refused)
    if not problems:
        problems += contradiction(rows, scenario)
    return rows, problems


def _contains_csv(folder: Path) -> bool:
    try:
        return any(p.suffix.lower() == ".csv" for p in folder.rglob("*"))
    except OSError:
        return False


def parse_evidence_file(path: Path, scenario: Scenario) -> tuple[list[EvidenceRow], list[Problem]]:
    """The rows of one evidence file and the problems found in it (never raises for bad content)."""
    rows, problems, _ = _parse_file(path, scenario)
    return rows, problems


def _parse_file(path: Path, scenario: Scenario) -> tuple[list[EvidenceRow], list[Problem], list[EvidenceRow]]:
    """`parse_evidence_file`, and the ids of the rows it refused (with their lines)."""
    naming = file_name_problem(path.name)
    if naming:
        return [], [Problem(path, naming)], []
    date = date_of_file(path)
    assert date is not None  # a name without a problem has a date
    problems = []
    if date <= scenario.prior_date:
        problems.append(
            Problem(path, f"date {date} is on or before the prior date {scenario.prior_date} in {SCENARIO_FILE}; move prior_date earlier, "
                          "or correct the date in the file name")
        )
    elif date > today() and not scenario.allow_future:
        problems.append(Problem(path, f"date {date} is after today ({today()}): news cannot come from the future; correct the date in the file name, "
                                      f"or set allow_future = true in {SCENARIO_FILE} for planning rows"))
    text, problem = read_csv_text(path)
    if problem:
        return [], [*problems, problem], []
    parser = _FileParser(path, date, scenario)
    rows, file_problems = parser.parse(text)
    return rows, problems + file_problems, parser.refused


def parse_rows(path: Path, text: str, date: dt.date, scenario: Scenario) -> tuple[list[EvidenceRow], list[Problem]]:
    """The rows of a CSV text with the columns of an evidence file, dated `date`, and their
    problems, duplicate ids included (for files such as `indicators.csv` that are not dated steps)."""
    rows, problems = _FileParser(path, date, scenario).parse(text)
    return rows, problems + duplicate_ids(rows)


# -- one file ------------------------------------------------------------------------------


def _listing(names: list[str], limit: int = 8) -> str:
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")


class _FileParser:
    """Parses one CSV file, collecting problems instead of stopping at the first."""

    def __init__(self, path: Path, date: dt.date, scenario: Scenario):
        self.path, self.date, self.scenario = path, date, scenario
        self.problems: list[Problem] = []
        self.refused: list[EvidenceRow] = []  # rows with problems, kept for the duplicate-id check

    def problem(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.problems.append(Problem(self.path, message, line, column))

    def parse(self, text: str) -> tuple[list[EvidenceRow], list[Problem]]:
        records, syntax = read_records(text)
        if syntax:
            self.problem(syntax.message, syntax.line, syntax.column)
            return [], self.problems
        if not records:
            self.problem("file has only blank cells; an evidence file needs a header line (id,summary,p_...) and at least one row")
            return [], self.problems
        header = records[0]
        columns = self.check_header(header)
        if columns is None:
            return [], self.problems
        if len(records) == 1:
            self.problem("file has a header but no rows; add a row below it or delete the file", header.line, 1)
            return [], self.problems
        rows = []
        for record in records[1:]:
            if len(record.cells) != len(columns):
                self.ragged(record, len(columns))
                continue
            row = self.parse_row(record, columns)
            if row is not None:
                rows.append(row)
        return rows, self.problems

    def ragged(self, record: Record, expected: int) -> None:
        count = len(record.cells)
        cells = f"row has {count} cells but the header has {expected}"
        if count > expected:
            self.problem(f'{cells}; quote cells that contain commas ("like, this") and write decimals with a point', record.line, expected + 1)
        elif any(";" in cell for cell in record.cells):
            self.problem(f"{cells}; this row seems to use ';' between cells: separate them with commas", record.line, 1)
        else:
            self.problem(f"{cells}; add the missing cells (they may be empty: ,,)", record.line, count + 1)

    def check_header(self, header: Record) -> list[str] | None:
        columns = [c.strip() for c in header.cells]
        line = header.line
        for separator, name in ((";", "semicolons"), ("\t", "tabs")):
            if separator in columns[0]:
                self.problem(f"header is separated by {name}; save the file as comma-separated CSV (in a spreadsheet: CSV UTF-8)", line, 1)
                return None
        full = [*header_for(self.scenario, kind=True), *(["group"] if not self.scenario.groups else [])]
        p_columns = [c for c in full if c.startswith("p_")]
        ok = True
        for index, name in enumerate(columns):
            at = (line, index + 1)
            if not name:
                self.problem(f"column {index + 1} of the header has no name; name it (id, summary, p_...) or delete the column", *at)
                ok = False
            elif columns.index(name) != index:
                self.problem(f"column {quoted(name)} appears twice in the header; keep one", *at)
                ok = False
            elif name not in full:
                if name.startswith("p_"):
                    valid = _listing(p_columns)
                    self.problem(f"column {quoted(name)} names no hypothesis or latent of {SCENARIO_FILE}{did_you_mean(name, p_columns)} (valid: {valid})", *at)
                else:
                    self.problem(f"unknown column {quoted(name)}{did_you_mean(name, full)}; columns are {', '.join(BASE_COLUMNS)} and p_ columns", *at)
                ok = False
        for name in REQUIRED_COLUMNS:
            if name not in columns:
                self.problem(f"header lacks the required column {name!r}; every file needs id and summary columns", line, 1)
                ok = False
        hypothesis_columns = [f"p_{h}" for h in self.scenario.hypothesis_names]
        present = [c for c in hypothesis_columns if c in columns]
        if present and len(present) != len(hypothesis_columns):
            missing = ", ".join(c for c in hypothesis_columns if c not in columns)
            self.problem(f"header lacks {missing}; give a p_ column for every hypothesis ({_listing(hypothesis_columns)}) or for none", line, 1)
            ok = False
        for latent in self.scenario.latent_names:
            pair = [f"p_{latent}_yes", f"p_{latent}_no"]
            if (pair[0] in columns) != (pair[1] in columns):
                has, lacks = pair if pair[0] in columns else pair[::-1]
                self.problem(f"header has {has} but lacks {lacks}; a latent's columns come in pairs", line, 1)
                ok = False
        return columns if ok else None

    def parse_row(self, record: Record, columns: list[str]) -> EvidenceRow | None:
        before = len(self.problems)
        cells = dict(zip(columns, record.cells, strict=True))
        where = {name: (record.line, index) for index, name in enumerate(columns, start=1)}

        def required(name: str) -> str:
            value = cells.get(name, "").strip()
            if not value:
                self.problem(f"{name} is blank; every row needs {'an' if name[0] in 'aeiou' else 'a'} {name}", *where[name])
            return value

        def probability(name: str) -> float | None:
            try:
                return parse_probability(cells[name])
            except ValueError as error:
                self.problem(f"{name}: {error}", *where[name])
                return None

        row_id, summary = required("id"), required("summary")
        reliability: float | None = 1.0
        if cells.get("reliability", "").strip():
            try:
                reliability = parse_number(cells["reliability"], "the reliability")
                if not 0.0 <= reliability <= 1.0:
                    raise ValueError(f"{quoted(cells['reliability'].strip())} is outside [0, 1]; 1 is fully reliable, 0 is noise, e.g. 0.8")
            except ValueError as error:
                self.problem(f"reliability: {error}", *where["reliability"])
        group = self.parse_group(cells.get("group", "").strip(), where.get("group"))
        if wrong_kind := kind_problem(kind := cells.get("kind", "").strip()):
            self.problem(wrong_kind, *where["kind"])
        hypotheses = self.parse_block(record, cells, where, [f"p_{h}" for h in self.scenario.hypothesis_names], probability)
        latents = {}
        for latent in self.scenario.latent_names:
            pair = self.parse_block(record, cells, where, [f"p_{latent}_yes", f"p_{latent}_no"], probability)
            if pair is not None:
                latents[latent] = (pair[f"p_{latent}_yes"], pair[f"p_{latent}_no"])
        if hypotheses is None and not latents and len(self.problems) == before:
            first_p = next((where[c] for c in columns if c.startswith("p_")), (record.line, 1))
            if any(c.startswith("p_") for c in columns):
                self.problem("row bears on nothing: fill the p_ cells of every hypothesis, of a latent's pair, or both", *first_p)
            else:
                self.problem("row bears on nothing: the file has no p_ columns; add p_ columns for the hypotheses or a latent", *first_p)
        if len(self.problems) > before:
            if row_id:  # refused, but its id still counts: a duplicate is one more problem to report now
                self.refused.append(EvidenceRow(id=row_id, date=self.date, summary="", path=self.path, line=record.line))
            return None
        return EvidenceRow(
            id=row_id,
            date=self.date,
            summary=summary,
            source=cells.get("source", "").strip(),
            reliability=float(reliability if reliability is not None else 1.0),
            rationale=cells.get("rationale", "").strip(),
            hypotheses={name.removeprefix("p_"): value for name, value in hypotheses.items()} if hypotheses else None,
            latents=latents,
            group=group,
            kind=kind,
            path=self.path,
            line=record.line,
        )

    def parse_group(self, name: str, at: tuple[int, int] | None) -> str | None:
        """The row's group, which `scenario.toml` must declare; None for a blank cell."""
        if not name:
            return None
        declared = list(self.scenario.groups)
        if not re.fullmatch(GROUP_NAME, name):
            self.problem(f"group {quoted(name)} is not a valid name; use letters, digits and _, starting with a letter", *at)
        elif name not in declared:
            self.problem(f"group {quoted(name)} is not declared in {SCENARIO_FILE}{did_you_mean(name, declared)}; "
                         f"declare it there as [groups.{name}] with a label (and a correlation), or leave the cell blank", *at)
        return name

    def parse_block(self, record, cells, where, names, probability) -> dict[str, float] | None:
        """The values of a block of p_ cells that are filled all or none; None when empty."""
        present = [n for n in names if n in cells]
        filled = [n for n in present if cells[n].strip()]
        if not filled:
            return None
        if len(filled) != len(names):
            blank = next(n for n in names if n not in filled)
            at = where.get(blank, (record.line, 1))
            self.problem(f"{blank} is blank while {filled[0]} is filled; fill all of {_listing(names, 4)} or none", *at)
            return None
        values = {n: probability(n) for n in names}
        if any(v is None for v in values.values()):
            return None
        if not any(values.values()):
            self.problem(
                f"{_listing(names, 4)} are all 0: an observation impossible in every case; give at least one a positive probability",
                *where[names[0]],
            )
            return None
        return values
