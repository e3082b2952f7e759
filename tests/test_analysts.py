"""Several analysts: the pooled path against the closed form (weighted geometric means, then the
existing engine on rows holding them), the external-Bayesianity identity, each analyst's own
answer, the disagreement ranking, `add --analyst`, and bad judgment files."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
from helpers import run_beliefs, tree_digest

import beliefs

EVIDENCE = {
    "2025-02-01.csv": """\
        r1,First,,1,,0.6,0.3,0.2,0.7,0.4
        r2,Second,,0.8,,0.2,0.5,0.6,,
        """,
    "2025-03-01.csv": """\
        r3,Third,,1,,,,,0.3,0.6
        r4,Fourth,,0.9,,0.4,0.4,0.7,0.5,0.5
        """,
    "2025-04-01.csv": """\
        r5,Fifth,,1,,0.5,0.2,0.1,,
        """,
}
ANALYSTS = """
[analysts.alice]
label = "Alice"
weight = 1

[analysts.bob]
label = "Bob"
weight = 2

[analysts.carol]
weight = 0.5
"""
JUDGMENTS = {  # each skips some rows and some parts; a blank part is no judgment on it
    "alice": "id,p_a,p_b,p_c,p_w_yes,p_w_no\nr1,0.5,0.4,0.1,,\nr2,0.1,0.6,0.6,0.5,0.5\nr5,0.4,0.3,0.3,,\n",
    "bob": "id,p_a,p_b,p_c,p_w_yes,p_w_no\nr1,0.7,0.2,0.2,0.8,0.2\nr4,0.3,0.5,0.8,,\n",
    "carol": "id,p_w_yes,p_w_no\nr3,0.2,0.7\nr4,0.6,0.4\n",
}
WEIGHTS = {"author": 1.0, "alice": 1.0, "bob": 2.0, "carol": 0.5}


def _author_values() -> dict[str, dict]:
    rows = {}
    for body in EVIDENCE.values():
        for line in textwrap.dedent(body).splitlines():
            cells = line.split(",")
            rows[cells[0]] = {"h": [float(c) for c in cells[5:8]] if cells[5] else None,
                              "w": (float(cells[8]), float(cells[9])) if cells[8] else None}
    return rows


def _judged() -> dict[str, dict[str, dict]]:
    out = {"author": _author_values()}
    for name, text in JUDGMENTS.items():
        lines = text.splitlines()
        header = lines[0].split(",")
        out[name] = {}
        for line in lines[1:]:
            cells = dict(zip(header, line.split(","), strict=True))
            h = [float(cells[f"p_{x}"]) for x in "abc"] if cells.get("p_a") else None
            w = (float(cells["p_w_yes"]), float(cells["p_w_no"])) if cells.get("p_w_yes") else None
            out[name][cells["id"]] = {"h": h, "w": w}
    return out


def _pooled_by_hand() -> dict[str, dict]:
    """The weighted geometric mean of each part over the analysts who judged it, written out."""
    judged = _judged()
    pooled = {}
    for row_id in _author_values():
        entry = {}
        for part in ("h", "w"):
            parts = [(WEIGHTS[name], np.array(rows[row_id][part])) for name, rows in judged.items()
                     if row_id in rows and rows[row_id][part] is not None]
            if len(parts) == 1:
                entry[part] = list(parts[0][1])
            elif parts:
                total = sum(w for w, _ in parts)
                entry[part] = list(np.exp(sum(w * np.log(v) for w, v in parts) / total))
            else:
                entry[part] = None
        pooled[row_id] = entry
    return pooled


def _evidence_with(values: dict[str, dict]) -> dict[str, str]:
    """The evidence files with their likelihood cells replaced by `values` (floats written exactly)."""
    files = {}
    for name, body in EVIDENCE.items():
        lines = []
        for line in textwrap.dedent(body).splitlines():
            cells = line.split(",")
            v = values.get(cells[0])
            if v is None:
                continue
            h = [repr(float(x)) for x in v["h"]] if v["h"] is not None else ["", "", ""]
            w = [repr(float(x)) for x in v["w"]] if v["w"] is not None else ["", ""]
            if v["h"] is None and v["w"] is None:
                continue
            lines.append(",".join([*cells[:5], *h, *w]))
        if lines:
            files[name] = "\n".join(lines) + "\n"
    return files


@pytest.fixture
def panel_workspace(make_workspace):
    from conftest import SCENARIO

    root = make_workspace(EVIDENCE, scenario=SCENARIO + ANALYSTS, name="panel")
    (root / "judgments").mkdir()
    for name, text in JUDGMENTS.items():
        (root / "judgments" / f"{name}.csv").write_text(text, encoding="utf-8")
    return root


def _update(root) -> dict:
    result = run_beliefs("update", root, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_pooled_path_is_the_engine_on_the_geometric_means(panel_workspace, make_workspace):
    from conftest import SCENARIO

    pooled = _update(panel_workspace)
    by_hand = make_workspace(_evidence_with(_pooled_by_hand()), scenario=SCENARIO, name="by_hand")
    expected = _update(by_hand)
    assert len(pooled["steps"]) == len(expected["steps"]) == 4
    for got, want in zip(pooled["steps"], expected["steps"], strict=True):
        assert got["hypotheses"] == pytest.approx(want["hypotheses"], abs=2e-6)
        assert got["latents"]["w"] == pytest.approx(want["latents"]["w"], abs=2e-6)
        assert list(got["analysts"]) == ["author", "alice", "bob", "carol"]
    # a row no further analyst judged (r5 for bob, ...) keeps the author's numbers exactly: the pool
    # of one judge is the judgment as written
    ws = beliefs.load_workspace(panel_workspace)
    assert next(r for r in ws.rows if r.id == "r3").hypotheses is None


def test_each_analysts_own_answer_is_the_engine_on_their_rows(panel_workspace, make_workspace):
    from conftest import SCENARIO

    pooled = _update(panel_workspace)
    judged = _judged()
    for name in ("author", "bob", "carol"):
        own = make_workspace(_evidence_with({k: judged[name].get(k, {"h": None, "w": None}) for k in _author_values()}),
                             scenario=SCENARIO, name=f"own_{name}")
        alone = _update(own)
        assert pooled["steps"][-1]["analysts"][name] == pytest.approx(alone["steps"][-1]["hypotheses"], abs=2e-6), name
        by_date = {s["date"]: s["hypotheses"] for s in alone["steps"]}
        for step in pooled["steps"]:  # on the dates the analyst judged something, the same path
            if step["date"] in by_date:
                assert step["analysts"][name] == pytest.approx(by_date[step["date"]], abs=2e-6)


def test_external_bayesianity(make_workspace):
    """Without latents, with every analyst judging every row: the pooled posterior is proportional
    to the product of the analysts' posteriors raised to w_a / sum w (same prior for all)."""
    scenario = 'title = "t"\nprior_date = 2025-01-01\n[hypotheses]\na = { prior = 0.5 }\nb = { prior = 0.3 }\nc = { prior = 0.2 }\n'
    scenario += "[analysts.author]\nweight = 1.5\n[analysts.x]\nweight = 2\n[analysts.y]\nweight = 0.5\n"
    header = "id,summary,p_a,p_b,p_c\n"
    root = make_workspace({"2025-02-01.csv": header + "r1,One,0.6,0.3,0.2\nr2,Two,0.2,0.5,0.6\n",
                           "2025-03-01.csv": header + "r3,Three,0.4,0.4,0.9\n"}, scenario=scenario, name="eb")
    (root / "judgments").mkdir()
    (root / "judgments" / "x.csv").write_text("id,p_a,p_b,p_c\nr1,0.3,0.3,0.3\nr2,0.5,0.1,0.2\nr3,0.7,0.2,0.4\n")
    (root / "judgments" / "y.csv").write_text("id,p_a,p_b,p_c\nr1,0.9,0.1,0.4\nr2,0.05,0.6,0.6\nr3,0.2,0.2,0.8\n")
    history = beliefs.compute_history(beliefs.load_workspace(root))
    weights = np.array([1.5, 2.0, 0.5])
    own = history.analyst_probability.values  # (step, analyst, hypothesis)
    for step in range(1, history.n_steps):
        product = np.exp((weights[:, None] * np.log(own[step])).sum(axis=0) / weights.sum())
        assert history.hypothesis_probability.values[step] == pytest.approx(product / product.sum(), rel=1e-9)


def test_without_judgments_nothing_changes(make_workspace):
    from conftest import SCENARIO

    root = make_workspace(EVIDENCE, scenario=SCENARIO)
    summary = _update(root)
    assert all("analysts" not in step for step in summary["steps"])
    assert beliefs.load_workspace(root).panel is None


def test_analysts_command_ranks_rows_by_disagreement_times_influence(panel_workspace):
    result = run_beliefs("analysts", panel_workspace, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [a["name"] for a in data["analysts"]] == ["author", "alice", "bob", "carol"]
    assert [a["weight"] for a in data["analysts"]] == [1.0, 1.0, 2.0, 0.5]
    rows = {r["id"]: r for r in data["rows"]}
    # r1: hypotheses judged by author (0.6, 0.3, 0.2), alice (0.5, 0.4, 0.1), bob (0.7, 0.2, 0.2);
    # log2(b/c) is log2 1.5, 2 and 0: a range of 2 bits, wider than log2(a/b)'s (1, 0.32, 1.81) and log2(a/c)'s
    assert rows["r1"]["hypotheses"] == pytest.approx(2.0, abs=1e-6) and rows["r1"]["pair"] == ["b", "c"]
    assert rows["r1"]["latents"]["w"] == pytest.approx(np.log2(4) - np.log2(0.7 / 0.4), abs=1e-6)
    assert rows["r5"]["analysts"] == ["author", "alice"]
    scores = [r["score"] for r in data["rows"]]
    assert scores == sorted(scores, reverse=True)
    assert all(r["score"] == pytest.approx(r["bits"] * r["influence"], abs=1e-5) for r in data["rows"])
    table = run_beliefs("analysts", panel_workspace)
    assert table.returncode == 0 and "r1" in table.stdout and "Bob" in table.stdout


def test_analysts_command_without_judgments_says_so(make_workspace):
    from conftest import SCENARIO

    result = run_beliefs("analysts", make_workspace(EVIDENCE, scenario=SCENARIO), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"analysts": [], "rows": []}


def test_add_analyst_appends_a_judgment(panel_workspace):
    before = (panel_workspace / "judgments" / "bob.csv").read_bytes()
    result = run_beliefs("add", panel_workspace, "--analyst", "bob", "--id", "r5", "--p", "a=0.3", "--p", "b=0.3", "--p", "c=0.3")
    assert result.returncode == 0, result.stderr
    after = (panel_workspace / "judgments" / "bob.csv").read_bytes()
    assert after.startswith(before) and after[len(before):] == b"r5,0.3,0.3,0.3,,\n"
    scenario = panel_workspace / "scenario.toml"
    scenario.write_text(scenario.read_text() + '\n[analysts.dave]\nlabel = "Dave"\n')  # declared before his first judgment
    assert run_beliefs("check", panel_workspace).returncode == 2
    new = run_beliefs("add", panel_workspace, "--analyst", "dave", "--id", "r3", "--latent", "w=0.4,0.6")
    assert new.returncode == 0, new.stderr
    assert (panel_workspace / "judgments" / "dave.csv").read_text() == "id,p_a,p_b,p_c,p_w_yes,p_w_no\nr3,,,,0.4,0.6\n"
    digest = tree_digest(panel_workspace)
    for args, message in [
        (("--analyst", "bob", "--id", "r5", "--p", "a=0.3", "--p", "b=0.3", "--p", "c=0.3"), "judged twice"),
        (("--analyst", "bob", "--id", "nope", "--p", "a=0.3", "--p", "b=0.3", "--p", "c=0.3"), "no evidence row's id"),
        (("--analyst", "bob", "--id", "r2", "--p", "a=2", "--p", "b=0.3", "--p", "c=0.3"), "outside [0, 1]"),
        (("--analyst", "author", "--id", "r2", "--p", "a=0.2", "--p", "b=0.3", "--p", "c=0.3"), "author"),
    ]:
        bad = run_beliefs("add", panel_workspace, *args)
        assert bad.returncode == 2, bad.stdout
        assert message in bad.stderr
    assert tree_digest(panel_workspace) == digest


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("bob", "id,p_a,p_b,p_c\nr1,0.5,0.4,0.1\nr9,0.5,0.4,0.1\n", "bob.csv:3:1: id 'r9' is no evidence row's id"),
    ("bob", "id,p_a,p_b,p_c,p_x\nr1,0.5,0.4,0.1,0.2\n", "bob.csv:1:5: unknown column 'p_x'"),
    ("bob", "id,p_a,p_b,p_c\nr1,0.5,4,0.1\n", "bob.csv:2:3: p_b: '4' is outside [0, 1]"),
    ("bob", "id,p_a,p_b,p_c\nr1,0.5,0.4,0.1\nr1,0.5,0.4,0.2\n", "bob.csv:3:1: id 'r1' is judged twice"),
    ("bob", "id,p_w_yes\nr1,0.5\n", "bob.csv:1:1: header has p_w_yes but lacks p_w_no"),
    ("bob", "id,p_w_yes,p_w_no\nr1,0.5,\n", "bob.csv:2:3: p_w_no is blank while p_w_yes is filled"),
    ("bob", "id,p_a,p_b,p_c\nr1,,,\n", "bob.csv:2:2: row judges nothing"),
    ("bob", "id,p_a,p_b,p_c\nr1,0,0,0\n", "bob.csv:2:2: p_a, p_b, p_c are all 0"),
    ("bob", "id,p_a,p_b\nr1,0.5,0.4\n", "bob.csv:1:1: header lacks p_c"),
    ("author", "id,p_a,p_b,p_c\nr1,0.5,0.4,0.1\n", "author.csv: the author's judgments are the evidence files"),
    ("bad-name", "id,p_a,p_b,p_c\nr1,0.5,0.4,0.1\n", "'bad-name' is not a valid analyst name"),
])
def test_bad_judgment_files(make_workspace, name, text, expected):
    from conftest import SCENARIO

    root = make_workspace(EVIDENCE, scenario=SCENARIO + "\n[analysts.bob]\nweight = 2\n")
    (root / "judgments").mkdir()
    (root / "judgments" / f"{name}.csv").write_text(text, encoding="utf-8")
    if name != "bob":
        (root / "judgments" / "bob.csv").write_text("id,p_a,p_b,p_c\nr1,0.5,0.4,0.1\n", encoding="utf-8")
    result = run_beliefs("check", root)
    assert result.returncode == 2
    assert expected in result.stderr.replace("\n", " ").replace(str(root / "judgments") + "/", ""), result.stderr


def test_a_table_without_a_file_is_an_error_and_a_file_without_a_table_a_warning(make_workspace):
    from conftest import SCENARIO

    root = make_workspace(EVIDENCE, scenario=SCENARIO + "\n[analysts.bobby]\nweight = 2\n")
    (root / "judgments").mkdir()
    (root / "judgments" / "bob.csv").write_text("id,p_a,p_b,p_c\nr1,0.5,0.4,0.1\n", encoding="utf-8")
    result = run_beliefs("check", root)
    assert result.returncode == 2
    assert "scenario.toml:13:11: [analysts.bobby] has no judgments/bobby.csv" in result.stderr.replace("\n", " ")
    assert "'bob'" in result.stderr  # the near miss named
    (root / "scenario.toml").write_text(SCENARIO + "\n[analysts.author]\nweight = 3\n", encoding="utf-8")  # the author needs no file
    result = run_beliefs("check", root)
    assert result.returncode == 0, result.stderr
    assert "warning" in result.stderr and "analyst 'bob' has no [analysts.bob] table" in result.stderr.replace("\n", " ")


def test_pooled_zeros_that_rule_out_every_case_are_refused(make_workspace):
    from conftest import SCENARIO

    root = make_workspace({"2025-02-01.csv": "r1,One,,1,,0,0.5,0.5,,\n"}, scenario=SCENARIO + "\n[analysts.bob]\n")
    (root / "judgments").mkdir()
    (root / "judgments" / "bob.csv").write_text("id,p_a,p_b,p_c\nr1,0.5,0,0\n", encoding="utf-8")
    result = run_beliefs("check", root)
    assert result.returncode == 2
    assert "bob.csv:2:1: row 'r1': pooled with the other analysts, the hypotheses likelihoods are all 0" in result.stderr.replace("\n", " ")


def test_analyst_likelihoods_for_calibration(panel_workspace):
    """What `calibrate --by analyst` needs: each analyst's weight and likelihoods per row judged."""
    table = beliefs.analyst_likelihoods(beliefs.load_workspace(panel_workspace))
    assert table["bob"]["weight"] == 2.0 and table["carol"]["label"] == "carol"
    assert table["bob"]["rows"]["r1"] == {"hypotheses": {"a": 0.7, "b": 0.2, "c": 0.2}, "latents": {"w": (0.8, 0.2)}}
    assert table["author"]["rows"]["r3"] == {"hypotheses": None, "latents": {"w": (0.3, 0.6)}}
    assert set(table["carol"]["rows"]) == {"r3", "r4"}


def test_score_scores_each_analysts_own_path(tmp_path, repo_root):
    """`beliefs score` gives each analyst's own path its scores; the author's equal the scores of
    the workspace without further analysts (the author's rows alone)."""
    import shutil

    example = repo_root / "examples" / "01-russia-30-day-ceasefire"
    plain, panel = tmp_path / "plain", tmp_path / "panel"
    for folder in (plain, panel):
        shutil.copytree(example, folder)
    (panel / "judgments").mkdir()
    (panel / "judgments" / "dora.csv").write_text("id,p_full,p_partial,p_none\nputin-easter-truce,0.1,0.3,0.3\n", encoding="utf-8")
    (panel / "scenario.toml").write_text((panel / "scenario.toml").read_text() + '\n[analysts.dora]\nlabel = "Dora (illustrative)"\n')
    both = run_beliefs("score", plain, panel, "--json")
    assert both.returncode == 0, both.stderr
    alone, pooled = json.loads(both.stdout)["workspaces"]
    assert "analysts" not in alone
    assert list(pooled["analysts"]) == ["author", "dora"]
    assert pooled["analysts"]["author"]["time_weighted"] == alone["time_weighted"]
    assert pooled["analysts"]["dora"]["label"] == "Dora (illustrative)"
    # dora judged one row only, closer to even: her own path stays nearer the prior than the author's
    assert pooled["analysts"]["dora"]["time_weighted"] != alone["time_weighted"]
    assert pooled["time_weighted"] != alone["time_weighted"]


def test_cache_reuses_and_a_new_judgment_invalidates(panel_workspace):
    first = run_beliefs("update", panel_workspace, "--json")
    again = run_beliefs("update", panel_workspace, "--json")
    assert first.returncode == again.returncode == 0
    assert again.stdout == first.stdout and "note" not in again.stderr
    with (panel_workspace / "judgments" / "carol.csv").open("a") as file:
        file.write("r1,0.5,0.5\n")  # carol's view of r1's latent
    result = run_beliefs("update", panel_workspace, "--json")
    assert "computed 4 of 4 steps" in result.stderr  # r1 is in the first dated step
    assert json.loads(result.stdout)["steps"][1]["latents"] != json.loads(first.stdout)["steps"][1]["latents"]


def test_report_draws_the_analysts_paths_and_their_band(panel_workspace, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from beliefs.inference.sensitivity import sensitivity

    ws = beliefs.load_workspace(panel_workspace)
    history = beliefs.compute_history(ws)
    folder = beliefs.write_report(beliefs.Analysis.of(ws, history, robustness=sensitivity(ws, draws=50)), tmp_path / "reports")
    html = (folder / "index.html").read_text()
    assert "The analysts' own answers" in html and "Bob (weight 2)" in html
    assert (folder / "figures" / "analysts.png").stat().st_size > 10_000
    final = history.analyst_probability.isel(step=-1).sel(hypothesis="a").values
    assert f"{100 * final.min():.0f}%" in html or f"{100 * final.min():.1f}%" in html  # the band's low end, as words show it
    assert "The analysts' own answers" in (folder / "report.md").read_text()
    assert "analysts" in json.loads((folder / "summary.json").read_text())["steps"][-1]


def test_a_report_without_analysts_has_no_such_section(make_workspace, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from conftest import SCENARIO

    from beliefs.inference.sensitivity import sensitivity

    ws = beliefs.load_workspace(make_workspace(EVIDENCE, scenario=SCENARIO))
    folder = beliefs.write_report(beliefs.Analysis.of(ws, beliefs.compute_history(ws), robustness=sensitivity(ws, draws=50)), tmp_path / "reports")
    assert "analysts' own" not in (folder / "index.html").read_text()
    assert not (folder / "figures" / "analysts.png").exists()


def test_with_a_switching_line_each_analyst_is_scored_on_their_forecast_for_by(make_workspace):
    """As the pooled path: the author's own path scores exactly as the workspace without analysts."""
    from test_switching import BY, FILES, scenario_text

    resolved = scenario_text().replace(f"by = {BY}", f'by = {BY}\noutcome = "b"\nresolved_on = {BY}')
    plain = make_workspace(FILES, scenario=resolved, name="plain")
    panel = make_workspace(FILES, scenario=resolved, name="panel")
    (panel / "judgments").mkdir()
    (panel / "judgments" / "eve.csv").write_text("id,p_a,p_b,p_c\nr1,0.3,0.6,0.4\n", encoding="utf-8")
    run = run_beliefs("score", plain, panel, "--json")
    assert run.returncode == 0, run.stderr
    alone, pooled = json.loads(run.stdout)["workspaces"]
    assert pooled["analysts"]["author"]["time_weighted"] == alone["time_weighted"]
    assert pooled["analysts"]["eve"]["time_weighted"] != alone["time_weighted"]


@pytest.mark.parametrize(("table", "expected"), [
    ("[analysts.bob]\nweight = 0\n", "scenario.toml:14:1: analysts.bob.weight = 0 is not valid: expected a number > 0"),
    ("[analysts.bob]\nwieght = 2\n", "unknown key analysts.bob.wieght (did you mean 'weight'?); valid keys here are label, weight"),
    ('[analysts.bob]\nweight = "2"\n', "a number > 0, the analyst's weight in the pool"),
])
def test_bad_analyst_tables_are_located(make_workspace, table, expected):
    from conftest import SCENARIO

    root = make_workspace(EVIDENCE, scenario=SCENARIO + "\n" + table)
    result = run_beliefs("check", root)
    assert result.returncode == 2
    assert expected in result.stderr.replace("\n", " "), result.stderr
