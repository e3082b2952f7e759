"""The workspace format, the contract with users (issue 2): what a valid workspace may look
like, and what `beliefs` makes of it.

- `scenario.toml`: title, prior_date, two or more hypotheses (priors normalised), zero or
  more latents with a Beta prior; labels optional.
- `evidence/YYYY-MM-DD.csv` or `evidence/YYYY-MM-DD-some-words.csv`; all files of one date
  form one step; steps in date order after the prior date.
- Columns: id and summary required; source, reliability (default 1) and rationale
  optional; p_<hypothesis> for every hypothesis or none; p_<latent>_yes/_no in pairs.
  Columns in any order; a row bears on the hypotheses, on latents, or on both.
- `beliefs init DIR` makes a valid, empty workspace and never overwrites a scenario.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import HEADER
from helpers import run_beliefs

import beliefs
from beliefs.inputs.evidence import header_for
from beliefs.inputs.file_names import date_of_file

ROW = "r1,Talks stall,Reuters,0.9,why,0.5,0.4,0.3,0.2,0.1\n"




# -- file names and steps --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, date",
    [
        ("2025-02-01.csv", dt.date(2025, 2, 1)),
        ("2025-02-01-sumy-strike.csv", dt.date(2025, 2, 1)),
        ("2025-12-31-a.csv", dt.date(2025, 12, 31)),
        ("2024-02-29-leap-day.csv", dt.date(2024, 2, 29)),
        ("2025-02-01-talks_in riyadh.csv", dt.date(2025, 2, 1)),
    ],
)
def test_file_name_forms(name, date):
    assert date_of_file(Path(name)) == date


def test_both_file_name_forms_are_read(make_workspace):
    root = make_workspace({"2025-02-01.csv": ROW, "2025-03-01-second-round-of-talks.csv": ROW.replace("r1", "r2")})
    ws = beliefs.load_workspace(root)
    assert [(row.id, row.date) for row in ws.rows] == [("r1", dt.date(2025, 2, 1)), ("r2", dt.date(2025, 3, 1))]
    assert [step.date for step in ws.steps] == [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)]


def test_files_of_one_date_form_one_step_whatever_their_headers(make_workspace):
    root = make_workspace(
        {
            "2025-02-01.csv": ROW,
            "2025-02-01-more.csv": "id,p_c,p_b,p_a,summary\nr2,0.1,0.2,0.3,Second\n",  # other columns, other order
            "2025-02-01-latent-only.csv": "id,p_w_no,summary,p_w_yes\nr3,0.4,Third,0.8\n",
            "2025-03-01.csv": ROW.replace("r1", "r4"),
        }
    )
    ws = beliefs.load_workspace(root)
    assert len(ws.steps) == 3
    assert sorted(ws.steps[1].evidence_ids) == ["r1", "r2", "r3"]
    assert ws.steps[2].evidence_ids == ["r4"]
    second = next(row for row in ws.rows if row.id == "r2")
    assert second.hypotheses == {"a": 0.3, "b": 0.2, "c": 0.1}  # read by name, not by position


def test_steps_follow_dates_not_file_names(make_workspace):
    root = make_workspace({"2025-03-01-a.csv": ROW, "2025-02-15-zzz.csv": ROW.replace("r1", "r2"), "2025-02-15-aaa.csv": ROW.replace("r1", "r3")})
    ws = beliefs.load_workspace(root)
    assert [step.date for step in ws.steps] == [dt.date(2025, 1, 1), dt.date(2025, 2, 15), dt.date(2025, 3, 1)]
    assert ws.steps[1].evidence_ids == ["r3", "r2"]  # within a step: by file name, then line
    assert ws.steps[2].evidence_ids == ["r1"]
    assert [ws.step_of(row) for row in ws.rows] == [1, 1, 2]


def test_other_files_in_evidence_are_ignored(make_workspace):
    root = make_workspace({"2025-02-01.csv": ROW})
    for name in ("README.md", ".gitkeep", "notes.txt", ".~lock.2025-02-01.csv#", "~$2025-02-01.csv"):
        (root / "evidence" / name).write_text("not evidence, ignored\n")
    assert [row.id for row in beliefs.load_workspace(root).rows] == ["r1"]


def test_a_workspace_without_evidence_has_only_the_prior_step(make_workspace):
    root = make_workspace({})
    (root / "evidence").rmdir()
    ws = beliefs.load_workspace(root)
    assert ws.rows == () and len(ws.steps) == 1 and ws.steps[0].date == dt.date(2025, 1, 1)


# -- columns ---------------------------------------------------------------------------------------


def test_optional_columns_and_their_defaults(make_workspace):
    root = make_workspace(
        {
            "2025-02-01.csv": "id,summary,p_a,p_b,p_c\nbare,Only what is required,0.5,0.4,0.3\n",
            "2025-02-02.csv": "blank,Blank optional cells,,,,0.5,0.4,0.3,,\nfull,All filled,https://example.org/x,0.25,Because,0.5,0.4,0.3,,\n",
        }
    )
    rows = {row.id: row for row in beliefs.load_workspace(root).rows}
    for name in ("bare", "blank"):
        assert (rows[name].source, rows[name].reliability, rows[name].rationale) == ("", 1.0, "")
    assert (rows["full"].source, rows["full"].reliability, rows["full"].rationale) == ("https://example.org/x", 0.25, "Because")


def test_a_row_may_bear_on_hypotheses_on_a_latent_or_on_both(make_workspace):
    root = make_workspace({"2025-02-01.csv": "hyp,Hypotheses only,,,,0.5,0.4,0.3,,\nlat,Latent only,,,,,,,0.7,0.2\nboth,Both,,,,0.1,0.2,0.3,0.4,0.5\n"})
    rows = {row.id: row for row in beliefs.load_workspace(root).rows}
    assert (rows["hyp"].hypotheses, rows["hyp"].latents) == ({"a": 0.5, "b": 0.4, "c": 0.3}, {})
    assert (rows["lat"].hypotheses, rows["lat"].latents) == (None, {"w": (0.7, 0.2)})
    assert (rows["both"].hypotheses, rows["both"].latents) == ({"a": 0.1, "b": 0.2, "c": 0.3}, {"w": (0.4, 0.5)})


def test_cells_with_commas_quotes_line_breaks_and_spaces(make_workspace):
    body = HEADER + 'r1,"Talks, then a ""pause""\nand a call", Reuters , 0.8 ,"Two\nlines", 0.5 ,0.4,1,0,1e-3\n'
    row = beliefs.load_workspace(make_workspace({"2025-02-01.csv": body})).rows[0]
    assert row.summary == 'Talks, then a "pause"\nand a call'
    assert (row.source, row.reliability, row.rationale) == ("Reuters", 0.8, "Two\nlines")
    assert row.hypotheses == {"a": 0.5, "b": 0.4, "c": 1.0}
    assert row.latents == {"w": (0.0, 0.001)}


def test_probabilities_at_the_ends_of_zero_to_one_are_valid(make_workspace):
    root = make_workspace({"2025-02-01.csv": "r1,x,,0,,0,0,1,,\nr2,y,,1,,0,1,1,1,0\n"})
    rows = beliefs.load_workspace(root).rows
    assert rows[0].reliability == 0.0 and rows[0].hypotheses == {"a": 0.0, "b": 0.0, "c": 1.0}
    assert rows[1].latents == {"w": (1.0, 0.0)}


def test_header_for_lists_every_column_in_canonical_order(make_workspace):
    ws = beliefs.load_workspace(make_workspace({}))
    assert header_for(ws.scenario) == HEADER.strip().split(",")


# -- scenario --------------------------------------------------------------------------------------

MANY = """\
# comments are fine anywhere
title = "Six answers, three unknowns"
prior_date = 2025-01-01

[hypotheses]
h1 = { prior = 2 }
h_2 = { prior = 1, label = "Second" }
H3 = { prior = 1 }
_h4 = { prior = 0 }    # a prior of 0 is allowed, as long as not all are 0
h5 = { prior = 0.5 }
h6 = { prior = 0.5 }

[latents.u]
prior = { alpha = 0.5, beta = 0.5 }

[latents.v2]
label = "Second unknown"
prior = { alpha = 1, beta = 1 }

[latents.long_name_latent]
prior = { alpha = 8.0, beta = 3.0 }
"""


def test_any_number_of_hypotheses_and_latents(make_workspace):
    header = header_for(beliefs.Scenario.model_validate(tomllib.loads(MANY)))
    assert header[5:] == ["p_h1", "p_h_2", "p_H3", "p__h4", "p_h5", "p_h6", "p_u_yes", "p_u_no", "p_v2_yes", "p_v2_no",
                          "p_long_name_latent_yes", "p_long_name_latent_no"]
    first = {"id": "r1", "summary": "x", "p_h1": "0.9", "p_h_2": "0.5", "p_H3": "0.5", "p__h4": "0.5", "p_h5": "0.1", "p_h6": "0.2",
             "p_u_yes": "0.8", "p_u_no": "0.3", "p_long_name_latent_yes": "0.6", "p_long_name_latent_no": "0.6"}
    second = {"id": "r2", "summary": "y", "p_v2_yes": "0.9", "p_v2_no": "0.1"}
    body = "\n".join(",".join(row.get(c, "") for c in header) for row in [dict(zip(header, header, strict=True)), first, second]) + "\n"
    ws = beliefs.load_workspace(make_workspace({"2025-02-01.csv": body}, scenario=MANY))
    assert ws.scenario.hypothesis_names == ["h1", "h_2", "H3", "_h4", "h5", "h6"]
    assert ws.scenario.latent_names == ["u", "v2", "long_name_latent"]
    assert ws.scenario.label("h_2") == "Second" and ws.scenario.label("h1") == "h1" and ws.scenario.label("v2") == "Second unknown"
    history = beliefs.compute_history(ws, engine="exact", draws=10, chains=1)
    probabilities = history.hypothesis_probability.values
    assert probabilities.shape == (2, 6) and np.allclose(probabilities.sum(axis=1), 1)
    assert probabilities[:, 3].tolist() == [0.0, 0.0]  # a prior of 0 stays 0
    assert history.dataset["latent_mean"].shape == (2, 3)


def test_priors_are_normalised(make_workspace):
    scenario = 'title = "T"\nprior_date = 2025-01-01\n[hypotheses]\na = { prior = 2 }\nb = { prior = 1 }\nc = { prior = 1 }\n'
    ws = beliefs.load_workspace(make_workspace({}, scenario=scenario))
    assert ws.scenario.prior_probabilities == {"a": 0.5, "b": 0.25, "c": 0.25}
    history = beliefs.compute_history(ws, engine="exact")
    assert history.hypothesis_probability.sel(step=0).values.tolist() == [0.5, 0.25, 0.25]
    assert history.latents == []


# -- beliefs init / check / update ----------------------------------------------------------------------


def test_init_creates_a_valid_empty_workspace(tmp_path):
    created = run_beliefs("init", "new/question", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    root = tmp_path / "new" / "question"
    assert (root / "scenario.toml").is_file() and (root / "evidence").is_dir()
    assert "#" in (root / "scenario.toml").read_text()  # commented for the analyst

    checked = run_beliefs("check", "new/question", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("OK:")

    updated = run_beliefs("update", "new/question", "--json", cwd=tmp_path)
    assert updated.returncode == 0, updated.stderr
    summary = json.loads(updated.stdout)
    assert set(summary) >= {"title", "steps"}
    (step,) = summary["steps"]
    assert step["evidence"] == [] and step["latents"] == {}
    assert abs(sum(step["hypotheses"].values()) - 1) < 1e-9
    ws = beliefs.load_workspace(root)
    assert step["date"] == ws.scenario.prior_date.isoformat()
    assert step["hypotheses"] == pytest.approx(ws.scenario.prior_probabilities)


def test_init_refuses_to_overwrite_a_scenario(tmp_path):
    (tmp_path / "ws").mkdir()
    scenario = tmp_path / "ws" / "scenario.toml"
    scenario.write_text("# my own work\n")
    result = run_beliefs("init", "ws", cwd=tmp_path)
    assert result.returncode == 2
    assert "ws/scenario.toml: already exists" in result.stderr and "Traceback" not in result.stderr
    assert scenario.read_text() == "# my own work\n"
    assert not (tmp_path / "ws" / "evidence").exists()


def test_init_into_a_folder_with_other_files(tmp_path):
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "notes.md").write_text("keep me\n")
    assert run_beliefs("init", "ws", cwd=tmp_path).returncode == 0
    assert (tmp_path / "ws" / "notes.md").read_text() == "keep me\n"
    assert beliefs.load_workspace(tmp_path / "ws").rows == ()


def test_update_json_has_the_documented_shape(make_workspace, tmp_path):
    root = make_workspace({"2025-02-01.csv": ROW, "2025-02-01-more.csv": "r2,Latent only,,,,,,,0.6,0.3\n", "2025-03-01.csv": ROW.replace("r1", "r3")})
    result = run_beliefs("update", str(root), "--json", "--engine", "exact", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["title"] == "A small test question"
    assert [step["date"] for step in summary["steps"]] == ["2025-01-01", "2025-02-01", "2025-03-01"]
    assert [sorted(step["evidence"]) for step in summary["steps"]] == [[], ["r1", "r2"], ["r3"]]
    for step in summary["steps"]:
        assert list(step["hypotheses"]) == ["a", "b", "c"] and abs(sum(step["hypotheses"].values()) - 1) < 1e-5  # rounded to 6 decimals
        assert list(step["latents"]) == ["w"] and set(step["latents"]["w"]) >= {"mean", "q05", "q95"}
        latent = step["latents"]["w"]
        assert 0 < latent["q05"] < latent["mean"] < latent["q95"] < 1
    assert summary["steps"][0]["hypotheses"] == {"a": 0.5, "b": 0.3, "c": 0.2}
