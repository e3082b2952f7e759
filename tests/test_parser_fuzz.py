"""Property-based tests: whatever bytes or text the analyst's files hold, the parsers either
accept them or report clean problems (file, line, column, a short message); they never raise
anything else.

Inputs: arbitrary bytes and text, and near-valid files made by mutating a valid one (cells
dropped or duplicated, quotes and separators inserted, numbers replaced by random text,
line endings and a byte-order mark changed), for evidence files and for scenario.toml.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import tomllib
from pathlib import Path

from conftest import HEADER, SCENARIO
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import beliefs
from beliefs.errors import Problem, WorkspaceError
from beliefs.inputs.csv_text import read_records, scan_cells
from beliefs.inputs.evidence import parse_evidence_file, parse_probability
from beliefs.inputs.file_names import date_of_file, file_name_problem
from beliefs.inputs.scenario_file import load_scenario

SCENARIO_OBJECT = tomllib.loads(SCENARIO)
# BELIEFS_FUZZ_EXAMPLES=5000 for a long hunt; 300 keeps the suite fast
FUZZ = settings(max_examples=int(os.environ.get("BELIEFS_FUZZ_EXAMPLES", "300")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX_MESSAGE = 200  # a line or two of a terminal

VALID_ROWS = [
    ["r1", "Talks stall", "Reuters", "0.9", "why", "0.5", "0.4", "0.3", "0.2", "0.1"],
    ["r2", "A strike, then a call", "", "", "", "0.2", "0.4", "0.6", "", ""],
    ["r3", 'He said "no"', "AP", "1", "", "", "", "", "0.7", "0.3"],
]


def scenario():
    return beliefs.Scenario.model_validate(SCENARIO_OBJECT)


def check_problems(problems: list[Problem], text_lines: int | None = None) -> None:
    """Clean problems: a Problem each, a short one-line message, a sensible location."""
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.message and "\n" not in problem.message and "\r" not in problem.message
        assert len(problem.message) <= MAX_MESSAGE, problem.message
        assert "Traceback" not in problem.message
        if problem.line is not None:
            assert problem.line >= 1
            if text_lines is not None:
                assert problem.line <= text_lines + 1, (problem, text_lines)
        if problem.column is not None:
            assert problem.line is not None and problem.column >= 1
        str(problem)


def line_count(data: bytes) -> int:
    text = data.decode("utf-8", errors="replace")
    return len(io.StringIO(text, newline="").readlines()) or 1


def parse_bytes(data: bytes, name: str = "2025-02-01.csv"):
    """parse_evidence_file on a real file holding `data`; also load_workspace around it."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "evidence").mkdir()
        (root / "scenario.toml").write_text(SCENARIO)
        path = root / "evidence" / name
        path.write_bytes(data)
        rows, problems = parse_evidence_file(path, scenario())
        check_problems(problems, line_count(data))
        for row in rows:
            assert row.id and row.summary
            assert 0 <= row.reliability <= 1
            assert row.hypotheses is not None or row.latents
            for value in (row.hypotheses or {}).values():
                assert 0 <= value <= 1
            for yes, no in row.latents.values():
                assert 0 <= yes <= 1 and 0 <= no <= 1 and yes + no > 0
        try:
            workspace = beliefs.load_workspace(root)
        except WorkspaceError as error:
            assert error.problems
            check_problems(error.problems)
            if not problems:  # then only problems across rows: duplicate ids, or contradictory evidence
                assert all("duplicate id" in p.message or "every hypothesis has probability 0" in p.message for p in error.problems)
        else:
            assert not problems
            assert [r.id for r in workspace.rows] == [r.id for r in rows]
        return rows, problems


def as_csv(records: list[list[str]], eol: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=eol).writerows(records)
    return buffer.getvalue()


# -- arbitrary input --------------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=400))
@example(b"\xff\xfe" + "id,summary".encode("utf-16-le"))
@example(b'id,summary,p_a,p_b,p_c\nr1,"x')
@example(b"\x00")
@example(b"id,summary,p_a,p_b,p_c\n" + b"r1," + b"x" * 200 + b",0.1,0.2,0.3\n")
def test_arbitrary_bytes_never_crash_the_parser(data):
    parse_bytes(data)


@FUZZ
@given(st.text(alphabet=st.sampled_from([*'id,summary"p_abcw_yesno0.5\n\r ;\t%-', "\ufeff", "\x00", "é"]), max_size=300))
def test_csv_like_text_never_crashes_the_parser(text):
    parse_bytes(text.encode("utf-8"))


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes_the_parser(text):
    parse_bytes(HEADER.encode() + text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(st.text(max_size=60))
@example("2025-02-30.csv")
@example("２０２５-０２-０１.csv")
@example("2025-02-01-.csv")
def test_any_file_name_is_accepted_with_a_date_or_explained(name):
    problem = file_name_problem(name)
    if problem is None:
        assert date_of_file(Path(name)) is not None
    else:
        assert date_of_file(Path(name)) is None
        assert len(problem) <= MAX_MESSAGE and "\n" not in problem


@FUZZ
@given(st.text(max_size=40))
def test_any_cell_is_a_probability_or_a_clean_value_error(text):
    try:
        value = parse_probability(text)
    except ValueError as error:
        assert len(str(error)) <= MAX_MESSAGE
    else:
        assert 0.0 <= value <= 1.0


# -- near-valid evidence files ----------------------------------------------------------------------

NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-2, 2).map(lambda x: f"{x:.3f}"),
    st.integers(-5, 200).map(lambda n: f"{n}%"),
    st.sampled_from(["0.5.1", "-0.1", "1.2", "nan", "inf", "-inf", "50%", "0,5", "1e-3", "1_0", " 0.3 ", "", "high", "０.５"]),
    st.text(max_size=6),
)


@st.composite
def mutated_files(draw) -> bytes:
    """A valid evidence file, then a few random mutations of its cells, quotes and lines."""
    records = [HEADER.strip().split(",")] + [list(row) for row in draw(st.lists(st.sampled_from(VALID_ROWS), min_size=0, max_size=4))]
    for _ in range(draw(st.integers(0, 4))):
        index = draw(st.integers(0, len(records) - 1))
        record = records[index]
        kind = draw(st.sampled_from(["drop", "duplicate", "number", "text", "swap-rows", "blank"]))
        if kind == "drop" and record:
            del record[draw(st.integers(0, len(record) - 1))]
        elif kind == "duplicate" and record:
            position = draw(st.integers(0, len(record) - 1))
            record.insert(position, record[position])
        elif kind == "number" and record:
            record[draw(st.integers(0, len(record) - 1))] = draw(NUMBER_TEXT)
        elif kind == "text" and record:
            record[draw(st.integers(0, len(record) - 1))] = draw(st.text(max_size=12))
        elif kind == "swap-rows" and len(records) > 1:
            other = draw(st.integers(0, len(records) - 1))
            records[index], records[other] = records[other], records[index]
        elif kind == "blank":
            records.insert(index, [""] * draw(st.integers(0, 3)))
    text = as_csv(records, draw(st.sampled_from(["\n", "\r\n", "\r"])))
    for _ in range(draw(st.integers(0, 3))):  # raw damage: stray quotes, separators, line breaks
        position = draw(st.integers(0, len(text)))
        text = text[:position] + draw(st.sampled_from(['"', '""', ",", ";", "\n", "\r", "\t", '"x"y'])) + text[position:]
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    data = text.encode("utf-8")
    return draw(st.sampled_from([data, b"\xef\xbb\xbf" + data, data]))


@FUZZ
@given(mutated_files())
def test_near_valid_files_are_parsed_or_reported(data):
    parse_bytes(data)


@settings(max_examples=60, deadline=None)
@given(mutated_files(), st.sampled_from(["2025-02-01.csv", "2025-02-01-more-talks.csv", "2024-12-31.csv", "2025-2-1.csv"]))
def test_near_valid_files_under_any_name(data, name):
    parse_bytes(data, name)


def test_unmutated_file_is_valid():
    rows, problems = parse_bytes(as_csv([HEADER.strip().split(","), *VALID_ROWS]).encode())
    assert not problems and [r.id for r in rows] == ["r1", "r2", "r3"]


@FUZZ
@given(st.text(alphabet=st.sampled_from(list('ab,"\n\r ')), max_size=40))
def test_cell_scanner_agrees_with_the_csv_module(text):
    """`_scan` (which locates syntax errors) counts the cells of a record as the csv module does."""
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        records = None
    if records is not None:
        lines = io.StringIO(text, newline="").readlines()
        # each line that the csv module reads as a whole record (no quoted line breaks)
        if len(lines) == len(records):
            for line, record in zip(lines, records, strict=True):
                if record:
                    assert scan_cells(line) == (len(record), None)
    _, error = read_records(text)
    assert (error is None) == (records is not None)
    if error is not None:
        assert error.line >= 1 and error.message.startswith("malformed CSV")


# -- scenario.toml ----------------------------------------------------------------------------------


def load_text(data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenario.toml"
        path.write_bytes(data)
        try:
            scenario_ = load_scenario(path)
        except WorkspaceError as error:
            assert error.problems
            check_problems(error.problems, line_count(data))
            return None
        assert len(scenario_.hypotheses) >= 2
        assert abs(sum(scenario_.prior_probabilities.values()) - 1) < 1e-9
        for latent in scenario_.latents.values():
            assert latent.prior.alpha > 0 and latent.prior.beta > 0
        return scenario_


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_scenario(data):
    load_text(data)


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text_as_scenario(text):
    load_text(text.encode("utf-8", errors="surrogatepass"))


TOML_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-3, 10).map(str),
    st.sampled_from(['"0.3"', "true", "2025-04-01", "2025-02-30", "20250401", "{ }", "[1, 2]", '""', '"x"', "{ alpha = 1 }", "-0.0", "1e309"]),
)


@st.composite
def mutated_scenarios(draw) -> bytes:
    """The valid test scenario with values replaced, keys renamed, lines dropped or duplicated."""
    lines = SCENARIO.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["value", "key", "drop", "duplicate", "insert"]))
        line = lines[index]
        if kind == "value" and "=" in line:
            key = line.split("=", 1)[0]
            if "{" in line and draw(st.booleans()):  # a value inside an inline table
                inner = draw(st.sampled_from(["prior", "alpha", "beta"]))
                value = draw(TOML_VALUES)
                line = re.sub(rf"({inner} = )[^,}}]*", lambda match, value=value: match.group(1) + value + " ", line, count=1)
            else:
                line = f"{key}= {draw(TOML_VALUES)}"
        elif kind == "key" and "=" in line:
            new = draw(st.sampled_from(["2nd", "my-hyp", '"my hyp"', "title", "a", "w", "w_yes", "colour", "lable", "_x"]))
            line = new + " =" + line.split("=", 1)[1]
        elif kind == "drop":
            line = ""
        elif kind == "duplicate":
            lines.insert(index, line)
        elif kind == "insert":
            line = line + draw(st.sampled_from(["[", "]", "=", '"', "{", ",", " # x", "\x00", "\t", "\\"]))
        lines[index] = line
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    data = eol.join(lines).encode("utf-8")
    return b"\xef\xbb\xbf" + data if draw(st.booleans()) else data


@FUZZ
@given(mutated_scenarios())
def test_near_valid_scenarios_are_loaded_or_reported(data):
    load_text(data)


@settings(max_examples=50, deadline=None)
@given(mutated_scenarios(), mutated_files())
def test_whole_workspaces_are_loaded_or_reported(scenario_data, evidence):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "evidence").mkdir()
        (root / "scenario.toml").write_bytes(scenario_data)
        (root / "evidence" / "2025-02-01.csv").write_bytes(evidence)
        try:
            beliefs.load_workspace(root)
        except WorkspaceError as error:
            check_problems(error.problems)


def test_valid_scenario_text_is_valid():
    assert load_text(SCENARIO.encode()) is not None
