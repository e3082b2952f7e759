"""A corpus of bad workspaces, each with the exact messages the analyst gets.

Every case is a small workspace written to real files. Through the API, `load_workspace`
raises `WorkspaceError` whose problems read exactly as expected (paths relative to the
workspace `ws`). A representative subset also goes through the real command line
(`beliefs check` and `beliefs update --json`): exit status 2, one line per problem naming
file:line:column, a count at the end, no traceback, and not one byte written into the
workspace.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import HEADER, SCENARIO
from helpers import run_beliefs, tree_digest

import beliefs
from beliefs.errors import WorkspaceError

ROW = "r1,ok,,,,0.5,0.4,0.3,0.2,0.1\n"
ROW2 = "r2,fine,,,,0.2,0.4,0.6,,\n"
MISSING = object()  # as the scenario: no scenario.toml at all


def toml(body: str) -> str:
    return 'title = "Test"\nprior_date = 2025-01-01\n' + body


TWO = "[hypotheses]\na = { prior = 1 }\nb = { prior = 1 }\n"


@dataclass
class Case:
    id: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    expected: list[str] = field(default_factory=list)
    scenario: object = SCENARIO
    cli: bool = False  # also run through the command line
    root: str = "ws"  # the folder given to load_workspace, relative to the test's tmp_path


CASES = [
    # -- malformed CSV -----------------------------------------------------------------------------
    Case(
        "unbalanced-quote",
        {"2025-02-01.csv": 'r1,"Talks stall,,,,0.5,0.4,0.3,0.2,0.1\n' + ROW2},
        ['ws/evidence/2025-02-01.csv:2:2: malformed CSV: the quote that opens this cell is never closed; close it, or write a quote inside a cell as ""'],
        cli=True,
    ),
    Case(
        "text-after-closing-quote",
        {"2025-02-01.csv": ROW + 'r2,"the" deal,,,,0.5,0.4,0.3,,\n'},
        ['ws/evidence/2025-02-01.csv:3:2: malformed CSV: text after the closing quote of this cell; quote the whole cell and write quotes inside it as ""'],
    ),
    Case(
        "ragged-row-short",
        {"2025-02-01.csv": ROW + "r2,short row,,,,0.5,0.4,0.3\n"},
        ["ws/evidence/2025-02-01.csv:3:9: row has 8 cells but the header has 10; add the missing cells (they may be empty: ,,)"],
        cli=True,
    ),
    Case(
        "ragged-row-unquoted-comma",
        {"2025-02-01.csv": "r1,Talks stall, again,,,,0.5,0.4,0.3,0.2,0.1\n"},
        [
            "ws/evidence/2025-02-01.csv:2:11: row has 11 cells but the header has 10; "
            'quote cells that contain commas ("like, this") and write decimals with a point'
        ],
    ),
    Case(
        "semicolon-export",
        {"2025-02-01.csv": "id;summary;p_a;p_b;p_c\nr1;Talks;0,5;0,4;0,1\n"},
        ["ws/evidence/2025-02-01.csv:1:1: header is separated by semicolons; save the file as comma-separated CSV (in a spreadsheet: CSV UTF-8)"],
        cli=True,
    ),
    Case(
        "semicolon-header-with-a-comma-inside",
        {"2025-02-01.csv": "id;summary,p_a;p_b;p_c\nr1;Talks;0.5;0.4;0.1\n"},
        ["ws/evidence/2025-02-01.csv:1:1: header is separated by semicolons; save the file as comma-separated CSV (in a spreadsheet: CSV UTF-8)"],
    ),
    Case(
        "semicolon-row-under-a-comma-header",
        {"2025-02-01.csv": ROW + "r2;Talks, again;;;;0.5;0.4;0.3;0.2;0.1\n"},
        ["ws/evidence/2025-02-01.csv:3:1: row has 2 cells but the header has 10; this row seems to use ';' between cells: separate them with commas"],
        cli=True,
    ),
    Case(
        "tab-export",
        {"2025-02-01.csv": "id\tsummary\tp_a\tp_b\tp_c\nr1\tTalks\t0.5\t0.4\t0.1\n"},
        ["ws/evidence/2025-02-01.csv:1:1: header is separated by tabs; save the file as comma-separated CSV (in a spreadsheet: CSV UTF-8)"],
    ),
    Case(
        "utf16-with-bom",
        {"2025-02-01.csv": (HEADER + ROW).encode("utf-16")},
        ["ws/evidence/2025-02-01.csv: file is UTF-16 text; save it as UTF-8 (in a spreadsheet: CSV UTF-8, comma-separated)"],
        cli=True,
    ),
    Case(
        "utf16-without-bom",
        {"2025-02-01.csv": (HEADER + ROW).encode("utf-16-le")},
        ["ws/evidence/2025-02-01.csv: file is UTF-16 text; save it as UTF-8 (in a spreadsheet: CSV UTF-8, comma-separated)"],
    ),
    Case(
        "latin-1",
        {"2025-02-01.csv": (HEADER + "r1,Caf\u00e9 talks,,,,0.5,0.4,0.3,,\n").encode("latin-1")},
        ["ws/evidence/2025-02-01.csv:2:2: not UTF-8 text (Windows-1252 or Latin-1?); save it as UTF-8 (in a spreadsheet: CSV UTF-8)"],
    ),
    Case(
        "nul-byte",
        {"2025-02-01.csv": (HEADER + "r1,x\x00y,,,,0.5,0.4,0.3,,\n").encode()},
        ["ws/evidence/2025-02-01.csv:2:2: contains a NUL character, so it is not a text file; save it as CSV UTF-8"],
    ),
    Case(
        "header-only",
        {"2025-02-01.csv": HEADER},
        ["ws/evidence/2025-02-01.csv:1:1: file has a header but no rows; add a row below it or delete the file"],
        cli=True,
    ),
    Case(
        "empty-file",
        {"2025-02-01.csv": b""},
        ["ws/evidence/2025-02-01.csv: file is empty; an evidence file needs a header line (id,summary,p_...) and at least one row"],
        cli=True,
    ),
    Case(
        "blank-cells-only",
        {"2025-02-01.csv": b",,,\n\n,,\n"},
        ["ws/evidence/2025-02-01.csv: file has only blank cells; an evidence file needs a header line (id,summary,p_...) and at least one row"],
    ),
    # -- the header ------------------------------------------------------------------------------------
    Case(
        "unknown-hypothesis-column",
        {"2025-02-01.csv": "id,summary,p_a,p_b,p_c,p_d\nr1,Talks,0.1,0.2,0.3,0.4\n"},
        ["ws/evidence/2025-02-01.csv:1:6: column 'p_d' names no hypothesis or latent of scenario.toml (valid: p_a, p_b, p_c, p_w_yes, p_w_no)"],
        cli=True,
    ),
    Case(
        "misspelt-columns",
        {"2025-02-01.csv": "id,sumary,P_a,p_b,p_c\nr1,Talks,0.1,0.2,0.3\n"},
        [
            "ws/evidence/2025-02-01.csv:1:2: unknown column 'sumary' (did you mean 'summary'?); "
            "columns are id, summary, source, reliability, rationale, group, kind and p_ columns",
            "ws/evidence/2025-02-01.csv:1:3: unknown column 'P_a' (did you mean 'p_a'? names are case-sensitive); "
            "columns are id, summary, source, reliability, rationale, group, kind and p_ columns",
            "ws/evidence/2025-02-01.csv:1:1: header lacks the required column 'summary'; every file needs id and summary columns",
            "ws/evidence/2025-02-01.csv:1:1: header lacks p_a; give a p_ column for every hypothesis (p_a, p_b, p_c) or for none",
        ],
    ),
    Case(
        "unnamed-and-duplicate-column",
        {"2025-02-01.csv": "id,summary,p_a,p_b,p_c,,p_a\nr1,Talks,0.1,0.2,0.3,,0.1\n"},
        [
            "ws/evidence/2025-02-01.csv:1:6: column 6 of the header has no name; name it (id, summary, p_...) or delete the column",
            "ws/evidence/2025-02-01.csv:1:7: column 'p_a' appears twice in the header; keep one",
        ],
    ),
    Case(
        "missing-hypothesis-column",
        {"2025-02-01.csv": "id,summary,p_a,p_b\nr1,Talks,0.1,0.2\n"},
        ["ws/evidence/2025-02-01.csv:1:1: header lacks p_c; give a p_ column for every hypothesis (p_a, p_b, p_c) or for none"],
        cli=True,
    ),
    Case(
        "missing-id-column",
        {"2025-02-01.csv": b"summary,p_a,p_b,p_c\nTalks,0.1,0.2,0.3\n"},
        ["ws/evidence/2025-02-01.csv:1:1: header lacks the required column 'id'; every file needs id and summary columns"],
    ),
    Case(
        "half-latent-pair-in-header",
        {"2025-02-01.csv": "id,summary,p_w_yes\nr1,Talks,0.3\n"},
        ["ws/evidence/2025-02-01.csv:1:1: header has p_w_yes but lacks p_w_no; a latent's columns come in pairs"],
    ),
    # -- cells ---------------------------------------------------------------------------------------
    Case(
        "half-latent-pair-in-cells",
        {"2025-02-01.csv": "r1,Talks,,,,,,,0.3,\n"},
        ["ws/evidence/2025-02-01.csv:2:10: p_w_no is blank while p_w_yes is filled; fill all of p_w_yes, p_w_no or none"],
        cli=True,
    ),
    Case(
        "blank-hypothesis-cell",
        {"2025-02-01.csv": "r1,Talks,,,,0.5,,0.3,,\n"},
        ["ws/evidence/2025-02-01.csv:2:7: p_b is blank while p_a is filled; fill all of p_a, p_b, p_c or none"],
    ),
    Case(
        "blank-required-cells",
        {"2025-02-01.csv": " ,,,,,0.5,0.4,0.3,,\n"},
        [
            "ws/evidence/2025-02-01.csv:2:1: id is blank; every row needs an id",
            "ws/evidence/2025-02-01.csv:2:2: summary is blank; every row needs a summary",
        ],
    ),
    Case(
        "probability-not-a-number",
        {"2025-02-01.csv": "r1,Talks,,,,0.5.1,likely,0.3,,\n"},
        [
            "ws/evidence/2025-02-01.csv:2:6: p_a: '0.5.1' is not a number; write a probability as a decimal between 0 and 1, e.g. 0.35",
            "ws/evidence/2025-02-01.csv:2:7: p_b: 'likely' is not a number; write a probability as a decimal between 0 and 1, e.g. 0.35",
        ],
        cli=True,
    ),
    Case(
        "probability-out-of-range",
        {"2025-02-01.csv": "r1,Talks,,,,-0.1,1.2,0.3,,\n"},
        [
            "ws/evidence/2025-02-01.csv:2:6: p_a: '-0.1' is outside [0, 1]; a probability runs from 0 to 1, e.g. 0.35",
            "ws/evidence/2025-02-01.csv:2:7: p_b: '1.2' is outside [0, 1]; a probability runs from 0 to 1, e.g. 0.35",
        ],
    ),
    Case(
        "probability-nan-inf",
        {"2025-02-01.csv": "r1,Talks,,,,nan,inf,0.3,,\n"},
        [
            "ws/evidence/2025-02-01.csv:2:6: p_a: 'nan' is not a finite number; write a probability as a decimal between 0 and 1, e.g. 0.35",
            "ws/evidence/2025-02-01.csv:2:7: p_b: 'inf' is not a finite number; write a probability as a decimal between 0 and 1, e.g. 0.35",
        ],
    ),
    Case(
        "probability-percent-and-decimal-comma",
        {"2025-02-01.csv": 'r1,Talks,,,,50%,"0,4",0.3,,\n'},
        [
            "ws/evidence/2025-02-01.csv:2:6: p_a: '50%' is not a number; write a probability as a decimal: 0.5, not 50%",
            "ws/evidence/2025-02-01.csv:2:7: p_b: '0,4' is not a number; write decimals with a point: 0.4",
        ],
    ),
    Case(
        "reliability-wrong",
        {"2025-02-01.csv": "r1,Talks,,1.5,,0.5,0.4,0.3,,\nr2,More,,high,,0.5,0.4,0.3,,\n"},
        [
            "ws/evidence/2025-02-01.csv:2:4: reliability: '1.5' is outside [0, 1]; 1 is fully reliable, 0 is noise, e.g. 0.8",
            "ws/evidence/2025-02-01.csv:3:4: reliability: 'high' is not a number; write the reliability as a decimal between 0 and 1, e.g. 0.35",
        ],
    ),
    Case(
        "row-bears-on-nothing",
        {"2025-02-01.csv": "r1,Talks,https://example.org,0.9,no numbers,,,,,\n"},
        ["ws/evidence/2025-02-01.csv:2:6: row bears on nothing: fill the p_ cells of every hypothesis, of a latent's pair, or both"],
        cli=True,
    ),
    Case(
        "row-bears-on-nothing-no-p-columns",
        {"2025-02-01.csv": "id,summary\nr1,Talks\n"},
        ["ws/evidence/2025-02-01.csv:2:1: row bears on nothing: the file has no p_ columns; add p_ columns for the hypotheses or a latent"],
    ),
    Case(
        "all-zero-likelihoods",
        {"2025-02-01.csv": "r1,Talks,,,,0,0,0.0,0,0\n"},
        [
            "ws/evidence/2025-02-01.csv:2:6: p_a, p_b, p_c are all 0: an observation impossible in every case; give at least one a positive probability",
            "ws/evidence/2025-02-01.csv:2:9: p_w_yes, p_w_no are all 0: an observation impossible in every case; give at least one a positive probability",
        ],
        cli=True,
    ),
    Case(
        "contradictory-rows",
        {"2025-02-01.csv": "r1,Talks,,,,1,0,0,,\n", "2025-03-01.csv": "r2,More talks,,,,0,1,1,,\n"},
        [
            "ws/evidence/2025-03-01.csv:2:1: after this row every hypothesis has probability 0 (b, c: row 'r1'; a: row 'r2'); "
            "contradictory evidence: write e.g. 0.01 instead of 0"
        ],
    ),
    # -- ids --------------------------------------------------------------------------------------
    Case(
        "duplicate-id-in-file",
        {"2025-02-01.csv": ROW + ROW.replace("ok", "again")},
        ["ws/evidence/2025-02-01.csv:3:1: duplicate id 'r1', already used at line 2; ids must be unique across the workspace"],
        cli=True,
    ),
    Case(
        "duplicate-id-across-files",
        {"2025-02-01.csv": ROW, "2025-03-01-more.csv": ROW2 + ROW},
        ["ws/evidence/2025-03-01-more.csv:3:1: duplicate id 'r1', already used at 2025-02-01.csv:2; ids must be unique across the workspace"],
    ),
    # -- file names and dates ------------------------------------------------------------------------
    Case(
        "impossible-date",
        {"2025-02-30.csv": ROW},
        [
            "ws/evidence/2025-02-30.csv: 2025-02-30 in the file name is not a real date (day is out of range for month); "
            "name the file YYYY-MM-DD.csv or YYYY-MM-DD-some-words.csv with a real date"
        ],
        cli=True,
    ),
    Case(
        "month-13",
        {"2025-13-01-talks.csv": ROW},
        [
            "ws/evidence/2025-13-01-talks.csv: 2025-13-01 in the file name is not a real date (month must be in 1..12); "
            "name the file YYYY-MM-DD.csv or YYYY-MM-DD-some-words.csv with a real date"
        ],
    ),
    Case(
        "date-without-leading-zeros",
        {"2025-05-01.csv": ROW, "2025-5-1.csv": ROW2},
        [
            "ws/evidence/2025-5-1.csv: write the date with a 4-digit year and 2-digit month and day: "
            "YYYY-MM-DD.csv or YYYY-MM-DD-some-words.csv, e.g. 2025-05-01.csv"
        ],
    ),
    Case(
        "words-joined-by-underscore",
        {"2025-05-01_talks.csv": ROW},
        [
            "ws/evidence/2025-05-01_talks.csv: after the date, join words with hyphens: "
            "YYYY-MM-DD.csv or YYYY-MM-DD-some-words.csv, e.g. 2025-05-01-sumy-strike.csv"
        ],
    ),
    Case(
        "upper-case-extension",
        {"2025-05-01.CSV": ROW},
        ["ws/evidence/2025-05-01.CSV: the extension must be lower-case .csv: rename the file 2025-05-01.csv"],
    ),
    Case(
        "name-without-date",
        {"talks.csv": ROW},
        ["ws/evidence/talks.csv: file name must start with the step's date: YYYY-MM-DD.csv or YYYY-MM-DD-some-words.csv, e.g. 2025-04-14-sumy-strike.csv"],
    ),
    Case(
        "same-step-names-differ-in-case",
        {"2025-05-01-Talks.csv": ROW, "2025-05-01-talks.csv": ROW2},
        [
            "ws/evidence/2025-05-01-talks.csv: name differs from 2025-05-01-Talks.csv only in letter case; "
            "on macOS and Windows they are one file: merge or rename them"
        ],
    ),
    Case(
        "spreadsheet-not-csv",
        {"2025-05-01.xlsx": b"PK\x03\x04 not really a spreadsheet", "notes.md": "ignored\n"},
        ["ws/evidence/2025-05-01.xlsx: is a .xlsx file, which beliefs does not read; save it as CSV UTF-8 (comma-separated) with a .csv name"],
    ),
    Case(
        "date-on-prior-date",
        {"2025-01-01.csv": ROW},
        ["ws/evidence/2025-01-01.csv: date 2025-01-01 is on or before the prior date 2025-01-01 in scenario.toml; move prior_date earlier, "
            "or correct the date in the file name"],
        cli=True,
    ),
    Case(
        "prior-date-after-the-evidence",
        {"2025-02-01.csv": ROW, "2025-03-01.csv": ROW2},
        [
            "ws/evidence/2025-02-01.csv: date 2025-02-01 is on or before the prior date 2025-06-01 in scenario.toml; move prior_date earlier, "
            "or correct the date in the file name",
            "ws/evidence/2025-03-01.csv: date 2025-03-01 is on or before the prior date 2025-06-01 in scenario.toml; move prior_date earlier, "
            "or correct the date in the file name",
        ],
        scenario=SCENARIO.replace("2025-01-01", "2025-06-01"),
    ),
    # -- scenario.toml ------------------------------------------------------------------------------
    Case(
        "toml-unterminated-string",
        scenario='title = "Test\nprior_date = 2025-01-01\n' + TWO,
        expected=["ws/scenario.toml:1:14: TOML syntax error: a string is not closed on this line; end it with a quote"],
        cli=True,
    ),
    Case(
        "toml-unclosed-inline-table",
        scenario=toml("[hypotheses]\na = { prior = 1\nb = { prior = 1 }\n"),
        expected=["ws/scenario.toml:4:16: TOML syntax error: Unclosed inline table"],
    ),
    Case(
        "toml-duplicate-key",
        scenario=toml("[hypotheses]\na = { prior = 1 }\nb = { prior = 1 }\n  a = { prior = 2 }\n"),
        expected=["ws/scenario.toml:6:3: TOML syntax error: key a is set twice (or clashes with a table of that name); keep one"],
        cli=True,
    ),
    Case(
        "toml-duplicate-table",
        scenario=toml(TWO + "[hypotheses]\nc = { prior = 1 }\n"),
        expected=["ws/scenario.toml:6:12: TOML syntax error: table [hypotheses] is declared twice; merge the two into one"],
    ),
    Case(
        "toml-duplicate-inline-key",
        scenario=toml("[hypotheses]\na = { prior = 1, prior = 2 }\nb = { prior = 1 }\n"),
        expected=["ws/scenario.toml:4:18: TOML syntax error: Duplicate inline table key 'prior'; keep one"],
    ),
    Case(
        "toml-invalid-value",
        scenario=toml("[hypotheses]\na = { prior = high }\nb = { prior = 1 }\n"),
        expected=[
            "ws/scenario.toml:4:15: TOML syntax error: invalid value; "
            'write a number (0.3), a string in quotes ("..."), a date (2025-04-01) or a table ({ ... })'
        ],
    ),
    Case(
        "toml-impossible-prior-date",
        scenario='title = "Test"\nprior_date = 2025-02-30\n' + TWO,
        expected=["ws/scenario.toml:2:14: TOML syntax error: invalid date; write a real date without quotes, e.g. prior_date = 2025-04-01"],
    ),
    Case(
        "toml-name-with-space",
        scenario=toml("[hypotheses]\nmy hyp = { prior = 1 }\nb = { prior = 1 }\n"),
        expected=["ws/scenario.toml:4:4: TOML syntax error: Expected '=' after a key in a key/value pair; a name may hold only letters, digits, _ and -"],
    ),
    Case(
        "toml-invalid-names",
        scenario=toml("[hypotheses]\n2nd = { prior = 1 }\nmy-hyp = { prior = 1 }\n"),
        expected=[
            "ws/scenario.toml:4:1: hypotheses: '2nd' is not a valid name: it starts with a digit; use letters, digits and _, starting with a letter",
            "ws/scenario.toml:5:1: hypotheses: 'my-hyp' is not a valid name; use only letters, digits and _, starting with a letter, e.g. my_hyp",
        ],
        cli=True,
    ),
    Case(
        "toml-hypothesis-and-latent-share-a-name",
        scenario=toml(TWO + "[latents.a]\nprior = { alpha = 1, beta = 1 }\n"),
        expected=["ws/scenario.toml:6:10: 'a' is both a hypothesis and a latent; give them different names"],
    ),
    Case(
        "toml-all-priors-zero",
        scenario=toml("# the [hypotheses] below\n[hypotheses]\na = { prior = 0 }\nb = { prior = 0.0 }\n"),
        expected=["ws/scenario.toml:4:2: every prior is 0; give at least one hypothesis a positive prior (priors are normalised to sum to 1)"],
        cli=True,
    ),
    Case(
        "toml-one-hypothesis",
        scenario=toml("[hypotheses]\nonly = { prior = 1 }\n"),
        expected=["ws/scenario.toml:3:2: a scenario needs at least two hypotheses, found only 'only'; add another, e.g. other = { prior = 0.5 }"],
    ),
    Case(
        "toml-no-hypotheses",
        scenario=toml("[hypotheses]\n"),
        expected=["ws/scenario.toml:3:2: a scenario needs at least two hypotheses, found none; add another, e.g. other = { prior = 0.5 }"],
    ),
    Case(
        "toml-beta-parameters",
        scenario=toml(TWO + "[latents.w]\nprior = { alpha = 0, beta = -1 }\n"),
        expected=[
            "ws/scenario.toml:7:11: latents.w.prior.alpha = 0 is not valid: expected a number > 0, e.g. alpha = 2.0",
            "ws/scenario.toml:7:22: latents.w.prior.beta = -1 is not valid: expected a number > 0, e.g. beta = 14.0",
        ],
        cli=True,
    ),
    Case(
        "toml-latent-without-prior",
        scenario=toml(TWO + '[latents.w]\nlabel = "Willingness"\n'),
        expected=["ws/scenario.toml:6:10: missing required key latents.w.prior; add prior = { alpha = 2.0, beta = 14.0 }"],
    ),
    Case(
        "toml-missing-title-and-prior-date",
        scenario=TWO,
        expected=[
            'ws/scenario.toml: missing required key title; add title = "Will the talks resume?" near the top, before any [table]',
            "ws/scenario.toml: missing required key prior_date; add prior_date = 2025-04-01 near the top, before any [table]",
        ],
        cli=True,
    ),
    Case(
        "toml-empty",
        scenario="",
        expected=[
            'ws/scenario.toml: missing required key title; add title = "Will the talks resume?" near the top, before any [table]',
            "ws/scenario.toml: missing required key prior_date; add prior_date = 2025-04-01 near the top, before any [table]",
            "ws/scenario.toml: missing the [hypotheses] table; add it with at least two hypotheses, e.g. yes = { prior = 0.5 } and no = { prior = 0.5 }",
        ],
    ),
    Case(
        "toml-unknown-keys",
        scenario=toml(
            'colour = "red"\n[hypotheses]\na = { prior = 1, lable = "A" }\nb = { prior = 1 }\n'
            "[latents.w]\nprior = { alpha = 1, beta = 1, gamma = 2 }\n"
        ),
        expected=[
            "ws/scenario.toml:5:18: unknown key hypotheses.a.lable (did you mean 'label'?); valid keys here are prior, label",
            "ws/scenario.toml:8:32: unknown key latents.w.prior.gamma; valid keys here are alpha, beta",
            "ws/scenario.toml:3:1: unknown key colour; valid keys here are title, prior_date, allow_future, hypotheses, latents, groups, resolution, "
            "switching, calibration, analysts",
        ],
    ),
    Case(
        "toml-wrong-types",
        scenario='title = 5\nprior_date = "2025-01-01"\n[hypotheses]\na = { prior = "0.3" }\nb = { prior = true }\nc = 0.5\n',
        expected=[
            'ws/scenario.toml:1:1: title = 5 is not valid: expected a non-empty string in quotes, e.g. title = "Will the talks resume?"',
            'ws/scenario.toml:2:1: prior_date = "2025-01-01" is not valid: expected a TOML date without quotes, e.g. prior_date = 2025-04-01',
            'ws/scenario.toml:4:7: hypotheses.a.prior = "0.3" is not valid: expected a number >= 0, e.g. prior = 0.3',
            "ws/scenario.toml:5:7: hypotheses.b.prior = true is not valid: expected a number >= 0, e.g. prior = 0.3",
            'ws/scenario.toml:6:1: hypotheses.c = 0.5 is not valid: expected a table, e.g. c = { prior = 0.3, label = "..." }',
        ],
    ),
    Case(
        "toml-prior-date-as-number",
        scenario='title = "Test"\nprior_date = 20250101\n' + TWO,
        expected=["ws/scenario.toml:2:1: prior_date = 20250101 is not valid: expected a TOML date without quotes, e.g. prior_date = 2025-04-01"],
    ),
    Case(
        "toml-prior-nan-negative",
        scenario=toml("[hypotheses]\na = { prior = nan }\nb = { prior = -0.2 }\n"),
        expected=[
            "ws/scenario.toml:4:7: hypotheses.a.prior = nan is not valid: expected a number >= 0, e.g. prior = 0.3",
            "ws/scenario.toml:5:7: hypotheses.b.prior = -0.2 is not valid: expected a number >= 0, e.g. prior = 0.3",
        ],
    ),
    Case(
        "toml-not-utf8",
        scenario='title = "Caf\u00e9"\nprior_date = 2025-01-01\n'.encode("latin-1") + TWO.encode(),
        expected=["ws/scenario.toml: not UTF-8 text (invalid continuation byte); save the file as UTF-8"],
    ),
    # -- the workspace as a whole -----------------------------------------------------------------------
    Case(
        "workspace-does-not-exist",
        root="no-such-folder",
        expected=["no-such-folder: workspace folder not found; give the folder that holds scenario.toml (or create one with `beliefs init`)"],
        cli=True,
    ),
    Case(
        "scenario-missing",
        {"2025-02-01.csv": ROW},
        ["ws/scenario.toml: file not found in ws; give the folder that holds it, or create one with `beliefs init`"],
        scenario=MISSING,
        cli=True,
    ),
    Case(
        "evidence-in-a-subfolder",
        {"2025/2025-02-01.csv": ROW},
        ["ws/evidence/2025: is a subfolder; evidence files in subfolders are not read: move them into evidence/ itself"],
    ),
    Case(
        "every-problem-of-every-file-at-once",
        {
            "2025-02-01.csv": "r1,Talks,,,,0.5,1.2,0.3,,\n" + ROW2,
            "2025-02-01-more.csv": "id,summary,p_a,p_b\nr3,x,0.1,0.2\n",
            "2025-02-31.csv": ROW,
            "2025-03-01.csv": ROW2.replace("0.2,", "0.2.2,"),
        },
        [
            "ws/evidence/2025-02-01-more.csv:1:1: header lacks p_c; give a p_ column for every hypothesis (p_a, p_b, p_c) or for none",
            "ws/evidence/2025-02-01.csv:2:7: p_b: '1.2' is outside [0, 1]; a probability runs from 0 to 1, e.g. 0.35",
            "ws/evidence/2025-02-31.csv: 2025-02-31 in the file name is not a real date (day is out of range for month); "
            "name the file YYYY-MM-DD.csv or YYYY-MM-DD-some-words.csv with a real date",
            "ws/evidence/2025-03-01.csv:2:6: p_a: '0.2.2' is not a number; write a probability as a decimal between 0 and 1, e.g. 0.35",
            "ws/evidence/2025-03-01.csv:2:1: duplicate id 'r2', already used at 2025-02-01.csv:3; ids must be unique across the workspace",
        ],
        cli=True,
    ),
]


def write_case(case: Case, base: Path) -> Path:
    """The case's workspace under `base`; returns the folder to load (which may not exist)."""
    if case.root != "ws":
        return base / case.root
    root = base / "ws"
    (root / "evidence").mkdir(parents=True)
    if case.scenario is not MISSING:
        content = case.scenario
        (root / "scenario.toml").write_bytes(content if isinstance(content, bytes) else content.encode())
    for name, body in case.files.items():
        path = root / "evidence" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, str):
            body = (body if body.startswith("id") else HEADER + body).encode()
        path.write_bytes(body)
    return root


def relative(problem: beliefs.Problem, base: Path) -> str:
    return str(problem).replace(f"{base}{os.sep}", "").replace(os.sep, "/")




def test_the_corpus_is_large_and_distinct():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 30
    assert sum(case.cli for case in CASES) >= 12


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_workspace_gets_exact_messages(case: Case, tmp_path):
    root = write_case(case, tmp_path)
    with pytest.raises(WorkspaceError) as raised:
        beliefs.load_workspace(root)
    problems = raised.value.problems
    assert [relative(p, tmp_path) for p in problems] == case.expected
    for problem in problems:
        assert len(problem.message) <= 160, problem.message  # a line or two of a terminal
        assert "\n" not in problem.message
    assert str(raised.value) == "\n".join(str(p) for p in problems)




@pytest.mark.parametrize("case", [c for c in CASES if c.cli], ids=[c.id for c in CASES if c.cli])
@pytest.mark.parametrize("command", [["check"], ["update", "--json"]], ids=["check", "update"])
def test_cli_rejects_bad_workspace_cleanly(case: Case, command: list[str], tmp_path):
    write_case(case, tmp_path)
    before = tree_digest(tmp_path, folders=True)
    result = run_beliefs(command[0], case.root, *command[1:], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""  # in particular, no JSON
    assert "Traceback" not in result.stderr
    lines = result.stderr.replace(f"{tmp_path}{os.sep}", "").splitlines()
    plural = "s" if len(case.expected) != 1 else ""
    assert lines == [f"error {line}" for line in case.expected] + [f"{len(case.expected)} problem{plural}; nothing was computed or written."]
    assert tree_digest(tmp_path, folders=True) == before


def test_markup_like_text_in_a_message_is_printed_as_is(tmp_path):
    """A column named like rich markup must neither crash the CLI nor vanish from the message."""
    case = Case("markup", {"2025-02-01.csv": "id,summary,[/x],[red]y,p_a,p_b,p_c\nr1,Talks,,,0.5,0.4,0.3\n"})
    write_case(case, tmp_path)
    result = run_beliefs("check", "ws", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown column '[/x]'" in result.stderr
    assert "unknown column '[red]y'" in result.stderr
    assert "Traceback" not in result.stderr


# -- accepted, not rejected --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: ("\ufeff" + text).encode(), id="byte-order-mark"),
        pytest.param(lambda text: text.replace("\n", "\r\n").encode(), id="windows-line-endings"),
        pytest.param(lambda text: ("\ufeff" + text.replace("\n", "\r\n")).encode(), id="bom-and-windows-line-endings"),
        pytest.param(lambda text: text.replace("\n", "\r").encode(), id="old-mac-line-endings"),
        pytest.param(lambda text: text.rstrip("\n").encode(), id="no-final-newline"),
    ],
)
def test_bom_and_line_endings_are_accepted(encode, tmp_path):
    body = HEADER + 'r1,"Talks, then\na quoted line break",,0.9,,0.5,0.4,0.3,0.2,0.1\n' + ROW2
    root = write_case(Case("ok", {"2025-02-01.csv": encode(body)}), tmp_path)
    ws = beliefs.load_workspace(root)
    assert [row.id for row in ws.rows] == ["r1", "r2"]
    first = ws.rows[0]
    assert first.summary.replace("\r\n", "\n").replace("\r", "\n") == "Talks, then\na quoted line break"
    assert first.hypotheses == {"a": 0.5, "b": 0.4, "c": 0.3}
    assert first.latents == {"w": (0.2, 0.1)}
    assert first.reliability == 0.9
    assert ws.rows[1].line == 4


def test_bom_and_windows_line_endings_in_scenario_are_accepted(tmp_path):
    scenario = ("\ufeff" + SCENARIO.replace("\n", "\r\n")).encode()
    root = write_case(Case("ok", {"2025-02-01.csv": ROW}, scenario=scenario), tmp_path)
    assert beliefs.load_workspace(root).scenario.hypothesis_names == ["a", "b", "c"]


def test_locations_are_the_record_line_and_the_csv_column(tmp_path):
    """A cell's problem is located at the line its record starts on and its column number, as a
    spreadsheet counts columns; a syntax error at the line of the offending quote."""
    body = HEADER + 'r1,"Two\nlines",,,,0.5,0.4,1.7,,\n'
    root = write_case(Case("ok", {"2025-02-01.csv": body}), tmp_path)
    with pytest.raises(WorkspaceError) as raised:
        beliefs.load_workspace(root)
    (problem,) = raised.value.problems
    assert (problem.line, problem.column) == (2, HEADER.split(",").index("p_c") + 1)
    assert problem.message.startswith("p_c: '1.7'")

    body = HEADER + ROW + 'r2,"Two\nlines",,,"why ""not""\n, well,,0.5,0.4,0.3,,\n'
    (root / "evidence" / "2025-02-01.csv").write_text(body)
    with pytest.raises(WorkspaceError) as raised:
        beliefs.load_workspace(root)
    (problem,) = raised.value.problems
    assert (problem.line, problem.column) == (4, 5)
    assert "never closed" in problem.message


BROKEN = """
import sys
import beliefs.cli as cli

def broken(*args, **kwargs):
    raise RuntimeError("boom\\nsecond line")

cli.load_workspace = broken
sys.argv = ["beliefs", *sys.argv[1:]]
cli.main()
"""


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_unexpected_error_is_one_line_without_debug(debug, tmp_path):
    """An error that is not the analyst's prints one line and exits 1; a traceback only with --debug."""
    args = ["--debug"] if debug else []
    result = subprocess.run([sys.executable, "-c", BROKEN, *args, "check", "ws"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    if debug:
        assert "Traceback" in result.stderr and "boom" in result.stderr
    else:
        assert result.stderr == "error: unexpected RuntimeError: boom (run again as `beliefs --debug ...` for the traceback)\n"
