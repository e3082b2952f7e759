"""Further analysts' judgments: `judgments/NAME.csv` parsed and validated against the evidence.

The likelihood columns of `evidence/*.csv` are the author's judgments (analyst `author`); each
further analyst NAME writes `judgments/NAME.csv`, with an `id` column and any of the evidence's
likelihood columns (`p_H...`, `p_X_yes`, `p_X_no`), one row per evidence id judged. A blank part
(all of a row's hypothesis cells, or a latent's pair) is no judgment on it. Every problem is
located at file, line and column, as in evidence files.

Decisions, beyond what the README states:
- a judgment file whose analyst has no `[analysts.NAME]` table is a warning (the table is
  optional: weight 1 and the name as label are assumed, but a near miss of a declared name is
  likelier a typo);
- an `[analysts.NAME]` table without `judgments/NAME.csv` is an error (its weight would apply to
  nothing, silently); `[analysts.author]` needs no file, and `judgments/author.csv` is an error
  (the author's judgments are the evidence files);
- a row that judges nothing, an id no evidence row has, an id judged twice, a part partly
  filled, a latent's yes without its no (or the reverse), all-zero parts and bad numbers are
  errors, as they are in evidence files; files that are not `.csv` and hidden files are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from beliefs.errors import Problem, did_you_mean, quoted
from beliefs.inputs.csv_text import read_csv_text, read_records
from beliefs.inputs.evidence import EvidenceRow, parse_probability
from beliefs.inputs.scenario import NAME_PATTERN, Scenario
from beliefs.inputs.scenario_file import SCENARIO_FILE, locate_key

JUDGMENTS_DIR = "judgments"
AUTHOR = "author"


@dataclass(frozen=True)
class Judgment:
    """One analyst's likelihoods for one evidence row: the parts they judged."""

    row_id: str
    hypotheses: dict[str, float] | None = None
    latents: dict[str, tuple[float, float]] = field(default_factory=dict)
    path: Path | None = None
    line: int | None = None


def judgment_columns(scenario: Scenario) -> list[str]:
    """The columns a judgment file may have, in canonical order."""
    columns = ["id", *(f"p_{h}" for h in scenario.hypothesis_names)]
    for name in scenario.latent_names:
        columns += [f"p_{name}_yes", f"p_{name}_no"]
    return columns


def load_judgments(root: Path, scenario: Scenario, rows: list[EvidenceRow]) -> tuple[dict[str, dict[str, Judgment]], list[Problem], list[Problem]]:
    """Each further analyst's judgments by row id, with the problems (errors) and warnings found.

    A workspace without `judgments/` and without `[analysts]` tables has none (an empty dict).
    """
    folder = root / JUDGMENTS_DIR
    judgments: dict[str, dict[str, Judgment]] = {}
    problems: list[Problem] = []
    warnings: list[Problem] = []
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and not p.name.startswith((".", "~$"))) if folder.is_dir() else []
    declared = [name for name in scenario.analysts if name != AUTHOR]
    ids = {row.id for row in rows}
    for path in files:
        name = path.stem
        if name == AUTHOR:
            problems.append(Problem(path, f"the author's judgments are the evidence files' p_ columns; rename {path.name} after another analyst"))
            continue
        if not re.fullmatch(NAME_PATTERN, name):
            problems.append(Problem(path, f"{quoted(name)} is not a valid analyst name; name the file with letters, digits and _, e.g. alice.csv"))
            continue
        if name not in scenario.analysts:
            warnings.append(Problem(path, f"analyst {quoted(name)} has no [analysts.{name}] table in {SCENARIO_FILE}{did_you_mean(name, declared)}; "
                                          "weight 1 is assumed (add the table to set a label and a weight)"))
        parsed, file_problems = _parse(path, scenario, ids)
        judgments[name] = parsed
        problems += file_problems
    for name in declared:
        if name not in judgments and not any(p.stem == name for p in files):
            line, column = locate_key(root / SCENARIO_FILE, ["analysts", name])
            stems = [p.stem for p in files]
            problems.append(Problem(root / SCENARIO_FILE, f"[analysts.{name}] has no {JUDGMENTS_DIR}/{name}.csv{did_you_mean(name, stems)}; "
                                                          f"write that file (e.g. with `beliefs add --analyst {name}`) or remove the table",
                                    line, column))
    return judgments, problems, warnings


def _parse(path: Path, scenario: Scenario, ids: set[str]) -> tuple[dict[str, Judgment], list[Problem]]:
    """The judgments of one file by row id, and its problems."""
    problems: list[Problem] = []
    text, problem = read_csv_text(path)
    if problem:
        return {}, [problem]
    records, syntax = read_records(text)
    if syntax:
        return {}, [Problem(path, syntax.message, syntax.line, syntax.column)]
    if not records:
        return {}, [Problem(path, "file has only blank cells; a judgment file needs a header line (id,p_...) and rows")]
    header = records[0]
    columns = [c.strip() for c in header.cells]
    allowed = judgment_columns(scenario)
    for index, name in enumerate(columns, start=1):
        if columns.index(name) != index - 1:
            problems.append(Problem(path, f"column {quoted(name)} appears twice in the header; keep one", header.line, index))
        elif name not in allowed:
            problems.append(Problem(path, f"unknown column {quoted(name)}{did_you_mean(name, allowed)}; a judgment file has id and the "
                                          f"evidence's p_ columns ({', '.join(allowed[1:5])}{', ...' if len(allowed) > 5 else ''})", header.line, index))
    if "id" not in columns:
        problems.append(Problem(path, "header lacks the required column 'id'; each row names the evidence row it judges", header.line, 1))
    hypothesis_columns = [f"p_{h}" for h in scenario.hypothesis_names]
    present = [c for c in hypothesis_columns if c in columns]
    if present and len(present) != len(hypothesis_columns):
        missing = ", ".join(c for c in hypothesis_columns if c not in columns)
        problems.append(Problem(path, f"header lacks {missing}; give a p_ column for every hypothesis or for none", header.line, 1))
    for latent in scenario.latent_names:
        pair = [f"p_{latent}_yes", f"p_{latent}_no"]
        if (pair[0] in columns) != (pair[1] in columns):
            has, lacks = pair if pair[0] in columns else pair[::-1]
            problems.append(Problem(path, f"header has {has} but lacks {lacks}; a latent's columns come in pairs", header.line, 1))
    if problems:
        return {}, problems
    judged: dict[str, Judgment] = {}
    for record in records[1:]:
        if len(record.cells) != len(columns):
            problems.append(Problem(path, f"row has {len(record.cells)} cells but the header has {len(columns)}; add the missing cells (they may be "
                                          "empty: ,,) or quote cells that contain commas", record.line, min(len(record.cells), len(columns)) + 1))
            continue
        judgment, row_problems = _parse_row(path, record.line, dict(zip(columns, record.cells, strict=True)), columns, scenario, ids)
        problems += row_problems
        if judgment is None:
            continue
        if judgment.row_id in judged:
            problems.append(Problem(path, f"id {quoted(judgment.row_id)} is judged twice (first at line {judged[judgment.row_id].line}); "
                                          "keep one row per evidence id", record.line, 1))
            continue
        judged[judgment.row_id] = judgment
    return judged, problems


def _parse_row(path: Path, line: int, cells: dict[str, str], columns: list[str], scenario: Scenario, ids: set[str]):
    problems: list[Problem] = []
    column = {name: index for index, name in enumerate(columns, start=1)}
    row_id = cells["id"].strip()
    if not row_id:
        problems.append(Problem(path, "id is blank; every row names the evidence row it judges", line, column["id"]))
    elif row_id not in ids:
        problems.append(Problem(path, f"id {quoted(row_id)} is no evidence row's id{did_you_mean(row_id, sorted(ids))}; judge rows of evidence/*.csv",
                                line, column["id"]))

    def part(names: list[str]) -> dict[str, float] | None:
        present = [n for n in names if n in cells]
        filled = [n for n in present if cells[n].strip()]
        if not filled:
            return None
        if len(filled) != len(names):
            blank = next(n for n in names if n not in filled)
            problems.append(Problem(path, f"{blank} is blank while {filled[0]} is filled; fill all of {', '.join(names[:4])}"
                                          f"{', ...' if len(names) > 4 else ''} or none (blank: no judgment on it)", line, column.get(blank, 1)))
            return None
        values = {}
        for n in names:
            try:
                values[n] = parse_probability(cells[n])
            except ValueError as error:
                problems.append(Problem(path, f"{n}: {error}", line, column[n]))
        if len(values) != len(names):
            return None
        if not any(values.values()):
            problems.append(Problem(path, f"{', '.join(names[:4])} are all 0: an observation impossible in every case; give one a positive "
                                          "probability", line, column[names[0]]))
            return None
        return values

    hypotheses = part([f"p_{h}" for h in scenario.hypothesis_names])
    latents = {}
    for name in scenario.latent_names:
        pair = part([f"p_{name}_yes", f"p_{name}_no"])
        if pair is not None:
            latents[name] = (pair[f"p_{name}_yes"], pair[f"p_{name}_no"])
    if hypotheses is None and not latents and not problems:
        first = next((column[c] for c in columns if c.startswith("p_")), 1)
        problems.append(Problem(path, "row judges nothing: fill the p_ cells of the hypotheses or of a latent's pair, or delete the row", line, first))
    if problems:
        return None, problems
    hyp = {name.removeprefix("p_"): value for name, value in hypotheses.items()} if hypotheses else None
    return Judgment(row_id, hyp, latents, path, line), problems
