"""`scenario.toml` read into a `Scenario`, every problem located at its line and column.

tomllib keeps no positions, so a validation error's dotted key path is found again in the
text (`_locate`); each message says what a valid value looks like (`_HINTS`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ValidationError

from beliefs.errors import Problem, WorkspaceError, did_you_mean, shorten
from beliefs.inputs.scenario import NAME_PATTERN, Analyst, BetaPrior, Calibration, Group, Hypothesis, Latent, Resolution, Scenario

SCENARIO_FILE = "scenario.toml"

_CALIBRATION_HINTS = {
    "alpha": 'a number >= 0, or a table of one per kind of evidence, e.g. alpha = 0.8 or alpha = { statement = 0.6, action = 1.1, "" = 1.0 }',
    "file": 'the path of a file written by `beliefs calibrate --out`, in quotes, relative to the workspace, e.g. file = "calibration.json"',
    "questions": "a whole number >= 0: how many resolved questions back alpha, e.g. questions = 7",
    "statement_ratio_bound": "a number > 1: the largest likelihood ratio a statement row may have before `beliefs check` asks, e.g. 1.5",
}
_HINTS = {
    "title": 'a non-empty string in quotes, e.g. title = "Will the talks resume?"',
    "prior_date": "a TOML date without quotes, e.g. prior_date = 2025-04-01",
    "prior": "a number >= 0, e.g. prior = 0.3",
    "alpha": "a number > 0, e.g. alpha = 2.0",
    "beta": "a number > 0, e.g. beta = 14.0",
    "label": 'a string in quotes, e.g. label = "Step up pressure"',
    "volatility": "a number >= 0, the sd of the monthly change of logit(w), e.g. volatility = 0.3",
    "drift": "a table of numbers by hypothesis, e.g. drift = { pressure = 0.1 }",
    "hypotheses": "a table of at least two hypotheses: a [hypotheses] line, then e.g. pressure = { prior = 0.2 }",
    "latents": "a table of latents, e.g. [latents.willingness] then prior = { alpha = 2.0, beta = 14.0 }",
    "groups": 'a table of groups, e.g. [groups.plan_28] then label = "The 28-point plan"',
    "resolution": 'a table: [resolution] then by = 2025-12-31 and a [resolution.criteria] table with a criterion per hypothesis',
    "by": "a TOML date without quotes, the day the question is judged, e.g. by = 2025-12-31",
    "resolved_on": "a TOML date without quotes, the day the outcome became known, e.g. resolved_on = 2026-01-05",
    "outcome": ('the name of the hypothesis that came true, in quotes, e.g. outcome = "pressure", or for a close call a table of '
                "probabilities summing to 1, e.g. outcome = { pressure = 0.55, concede = 0.45 }"),
    "why": 'a string in quotes: what made the resolution a close call, e.g. why = "..."',
    "source": 'a string in quotes: where the outcome is read, e.g. source = "https://..."',
    "criteria": 'a table of one criterion per hypothesis: [resolution.criteria] then e.g. pressure = "..."',
    "kind": 'either "propensity" (a probability with a Beta prior) or "state" (a condition that holds or not), e.g. kind = "state"',
    "on": "a rate per month >= 0, or a table of one per hypothesis, e.g. on = 0.05 or on = { pressure = 0.08, concede = 0.01 }",
    "off": "a rate per month >= 0, or a table of one per hypothesis, e.g. off = 0.1",
    "switch": "a table of monthly rates: [latents.NAME.switch] then on = 0.05 and off = 0.1",
    "calibration": "a table: [calibration] then alpha = 0.8 (or a table by kind of evidence) or file = \"calibration.json\"",
    "switching": "a table of monthly rates by line: [switching] then e.g. pressure = { concede = 0.05, walk_away = 0.02 }",
    "allow_future": "true or false, without quotes: whether rows dated after today are accepted as planning rows, e.g. allow_future = true",
    "analysts": 'a table of analysts, e.g. [analysts.alice] then label = "Alice" and weight = 2',
    "weight": "a number > 0, the analyst's weight in the pool (default 1), e.g. weight = 2",
    "correlation": "a number from 0 (independent reports) to 1 (one development reported again), e.g. correlation = 0.8",
}


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : pathlib.Path
        The `scenario.toml` to read.

    Returns
    -------
    Scenario

    Raises
    ------
    WorkspaceError
        Listing every problem, each at its line and column with a valid example.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        folder = path.parent.resolve()
        message = f"file not found in {folder}; give the folder that holds it, or create one with `beliefs init`"
        raise WorkspaceError([Problem(path, message)]) from None
    except OSError as error:
        raise WorkspaceError([Problem(path, f"cannot be read ({error.strerror or error})")]) from None
    except UnicodeDecodeError as error:
        raise WorkspaceError([Problem(path, f"not UTF-8 text ({error.reason}); save the file as UTF-8")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise WorkspaceError([_syntax_problem(path, text, error)]) from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        errors = error.errors()
        in_table = {tuple(e["loc"][:i]) for e in errors for i, k in enumerate(e["loc"])  # a Beta prior's or a rate table's entries
                    if (k == "BetaPrior" or str(k).startswith("dict[")) and len(e["loc"]) > i + 1}
        problems = {}
        for e in errors:  # a value of a union type fails once per member: report it once
            member = next((i for i, k in enumerate(e["loc"]) if k in ("float", "constrained-float")), None)
            if member is not None and tuple(e["loc"][:member]) in in_table:
                continue  # a table with a bad entry: the entry's problem says it all
            problem = _validation_problem(path, text, e)
            problems.setdefault((problem.line, problem.column) if problem.line is not None else len(problems), problem)
        raise WorkspaceError(list(problems.values())) from None


_TOML_POSITION = re.compile(r"\s*\((?:at line (?P<line>\d+), column (?P<column>\d+)|at end of document)\)\s*$")


def _syntax_problem(path: Path, text: str, error: tomllib.TOMLDecodeError) -> Problem:
    """Tomllib's message with its line and column, and a hint for the common mistakes."""
    message = str(getattr(error, "msg", None) or error)
    line, column = getattr(error, "lineno", None), getattr(error, "colno", None)
    position = _TOML_POSITION.search(message)
    if position:
        message = message[: position.start()]
        if position["line"]:
            line, column = int(position["line"]), int(position["column"])
        else:
            line, column = text.rstrip("\n").count("\n") + 1, None
    lines = _lines(text)
    source = lines[line - 1] if line and line <= len(lines) else ""
    if message == "Cannot overwrite a value" and "=" in source:
        key = shorten(source.split("=", 1)[0].strip())
        column = len(source) - len(source.lstrip()) + 1
        message = f"key {key} is set twice (or clashes with a table of that name); keep one"
    elif message.startswith("Cannot declare") and message.endswith("twice"):
        table = ".".join(re.findall(r"'([^']*)'", message))
        message = f"table [{table}] is declared twice; merge the two into one"
    elif message.startswith("Duplicate inline table key"):
        key = message.removeprefix("Duplicate inline table key").strip().strip("'")
        found = source.rfind(key, 0, (column or len(source) + 1) - 1)
        column = found + 1 if found >= 0 else column
        message = f"{shorten(message, 80)}; keep one"
    elif message == "Invalid value":
        message = 'invalid value; write a number (0.3), a string in quotes ("..."), a date (2025-04-01) or a table ({ ... })'
    elif message == "Invalid date or datetime":
        message = "invalid date; write a real date without quotes, e.g. prior_date = 2025-04-01"
    elif message == "Illegal character '\\n'":
        message = "a string is not closed on this line; end it with a quote"
    elif message.startswith("Expected '=' after a key"):
        message += "; a name may hold only letters, digits, _ and -"
    return Problem(path, f"TOML syntax error: {shorten(message, 140)}", line, column)


def _validation_problem(path: Path, text: str, error: dict) -> Problem:
    """One pydantic error as a message in the analyst's terms: the key, the value, what is valid."""
    loc = [str(k) for k in error["loc"]]
    keys = [k for i, k in enumerate(loc) if k != "[key]" and not k.startswith("function-") and not _union_member(loc, i)]
    kind = error["type"]
    if kind == "scenario":
        keys = error["ctx"]["where"].split(".")
        message = error["ctx"]["message"]
    elif kind == "extra_forbidden":
        allowed = _allowed_keys(keys[:-1])
        message = f"unknown key {shorten('.'.join(keys))}{did_you_mean(keys[-1], allowed)}; valid keys here are {', '.join(allowed)}"
    elif kind == "missing":
        message = _missing(keys)
    elif "[key]" in loc:
        message = _bad_name(keys[-1], keys[0])
    else:
        hint = _hint(keys)
        value = _as_toml(error.get("input"))
        where = shorten(".".join(keys))
        message = f"{where} = {value} is not valid: expected {hint}" if hint else f"{where}: {error['msg']}"
    located = keys[:-1] if kind == "missing" else keys
    line, column = _locate(text, located) if located else (None, None)
    return Problem(path, message, line, column)


def _union_member(loc: list[str], i: int) -> bool:
    """Whether loc[i] names a member of a union type (a latent's prior, a switching rate), not a key of the file."""
    unions = ("prior", "on", "off", "outcome", "alpha")
    return i > 0 and loc[i - 1] in unions and (loc[i] in ("float", "BetaPrior") or loc[i].startswith(("constrained-", "dict[")))


def _allowed_keys(parent: list[str]) -> list[str]:
    model: type[BaseModel] = Scenario
    if parent[:1] == ["hypotheses"] and len(parent) == 2:
        model = Hypothesis
    elif parent[:1] == ["latents"] and len(parent) == 2:
        model = Latent
    elif parent[:1] == ["groups"] and len(parent) == 2:
        model = Group
    elif parent[:1] == ["analysts"] and len(parent) == 2:
        model = Analyst
    elif parent == ["resolution"]:
        model = Resolution
    elif parent == ["calibration"]:
        model = Calibration
    elif parent[:1] == ["latents"] and len(parent) == 3:
        model = BetaPrior
    return list(model.model_fields)


def _missing(keys: list[str]) -> str:
    where = shorten(".".join(keys))
    if keys == ["hypotheses"]:
        return "missing the [hypotheses] table; add it with at least two hypotheses, e.g. yes = { prior = 0.5 } and no = { prior = 0.5 }"
    if len(keys) == 1:
        return f"missing required key {where}; add {_HINTS[keys[0]].split('e.g. ')[-1]} near the top, before any [table]"
    hint = _hint(keys)
    return f"missing required key {where}; add {hint.split('e.g. ')[-1]}" if hint else f"missing required key {where}"


def _bad_name(name: str, table: str) -> str:
    if name[:1].isdigit():
        return f"{table}: '{shorten(name)}' is not a valid name: it starts with a digit; use letters, digits and _, starting with a letter"
    fixed = re.sub(r"[^A-Za-z0-9_]", "_", name)
    example = f", e.g. {shorten(fixed)}" if re.fullmatch(NAME_PATTERN, fixed) else ""
    return f"{table}: '{shorten(name)}' is not a valid name; use only letters, digits and _, starting with a letter{example}"


def _hint(keys: list[str]) -> str | None:
    """What a valid value at the dotted key path `keys` looks like."""
    if len(keys) == 2 and keys[0] == "hypotheses":
        return f'a table, e.g. {shorten(keys[1])} = {{ prior = 0.3, label = "..." }}'
    if len(keys) == 2 and keys[0] == "latents":
        return f"a table, e.g. [latents.{shorten(keys[1])}] then prior = {{ alpha = 2.0, beta = 2.0 }}"
    if len(keys) == 2 and keys[0] == "groups":
        return f'a table, e.g. [groups.{shorten(keys[1])}] then label = "..." and correlation = 0.8'
    if len(keys) == 2 and keys[0] == "analysts":
        return f'a table, e.g. [analysts.{shorten(keys[1])}] then label = "..." and weight = 2'
    if len(keys) == 3 and keys[0] == "latents" and keys[2] == "prior":
        return "a Beta prior, e.g. prior = { alpha = 2.0, beta = 14.0 }"
    if len(keys) == 3 and keys[:2] == ["resolution", "outcome"]:
        return f"a probability from 0 to 1, e.g. {shorten(keys[2])} = 0.45"
    if keys[:1] == ["switching"] and len(keys) == 3:
        return f"a monthly rate >= 0 of moving from {shorten(keys[1])} to {shorten(keys[2])}, e.g. {shorten(keys[2])} = 0.05"
    if keys[:1] == ["switching"] and len(keys) == 2:
        return f"a table of monthly rates to the other lines, e.g. {shorten(keys[1])} = {{ other_line = 0.05 }}"
    if keys[:1] == ["calibration"] and len(keys) > 1:
        return _CALIBRATION_HINTS.get(keys[1], _CALIBRATION_HINTS["alpha"])
    if len(keys) == 4 and keys[2] == "drift":
        return f"a number, e.g. {shorten(keys[3])} = 0.1"
    if len(keys) == 5 and keys[2] == "switch":
        return f"a rate per month >= 0, e.g. {shorten(keys[4])} = 0.05"
    return _HINTS.get(keys[-1]) if keys else None


def _as_toml(value) -> str:
    """A parsed TOML value written back the way the analyst typed it (shortened)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 40 else text[:36] + '..."'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return repr(value)


def _code(line: str) -> str:
    """A TOML line without its comment and with the text of string values blanked out."""
    out, quote, after_equals = [], None, False
    for c in line:
        if quote:
            if c == quote:
                quote = None
                out.append(c)
            else:
                out.append(" " if after_equals else c)
            continue
        if c == "#":
            break
        if c in "\"'":
            quote = c
        elif not c.isspace():
            after_equals = c == "="
        out.append(c)
    return "".join(out)


def _lines(text: str) -> list[str]:
    """The text's lines as TOML counts them: only \n (or \r\n) ends a line, unlike str.splitlines,
    which also breaks at form feeds and other separators that TOML keeps inside a line."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def locate_key(path: Path, keys: list[str]) -> tuple[int | None, int | None]:
    """Line and column of the dotted key path `keys` in the scenario file at `path`."""
    try:
        return _locate(path.read_text(encoding="utf-8-sig"), keys)
    except (OSError, UnicodeDecodeError):
        return None, None


@functools.lru_cache(maxsize=4)
def _code_lines(text: str) -> tuple[str, ...]:
    """`_code` of every line, once per text: a workspace's warnings locate many keys in one file."""
    return tuple(_code(line) for line in _lines(text))


def _locate(text: str, keys: list[str]) -> tuple[int | None, int | None]:
    """Best-effort line and column of a dotted key path in TOML text (tomllib keeps none)."""
    lines = _code_lines(text)
    start, found = 0, (None, None)
    for key in keys:
        pattern = re.compile(rf"(^|[\s{{,.\[])([\"']?){re.escape(key)}\2\s*([=\].]|$)")
        for number in range(start, len(lines)):
            match = pattern.search(lines[number])
            if match:
                start = number
                found = (number + 1, match.start() + len(match.group(1)) + 1)
                break
    return found
