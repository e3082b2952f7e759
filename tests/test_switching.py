"""Switching lines: the hypotheses as a hidden continuous-time Markov chain beside the states.

`beliefs update --json` against an independent computation that enumerates every path of the
chain of (line, states) over the steps (its generator written here from the scenario's tables,
not from `ModelSpec`), a Monte Carlo simulation of the chain against the matrix exponential,
the PyMC model's log-density against the forward algorithm, NUTS against exact, all-zero rates
against no `[switching]`, scoring on the forecast for `by`, and bad tables refused.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

import numpy as np
import pytest
from helpers import run_beliefs
from scipy.linalg import expm

import beliefs
from beliefs.inference.likelihoods import DAYS_PER_MONTH, likelihood_table
from beliefs.inference.spec import ModelSpec

HYPOTHESES = ("a", "b", "c")
PRIOR = {"a": 0.5, "b": 0.3, "c": 0.2}
LINE_RATES = {"a": {"b": 0.3, "c": 0.1}, "b": {"a": 0.2}, "c": {"a": 0.05, "b": 0.15}}
STATE_PRIOR = {"ready": 0.2, "talks": 0.6}
ON = {"ready": {"a": 0.3, "b": 0.05, "c": 0.1}, "talks": {"a": 0.1, "b": 0.1, "c": 0.0}}
OFF = {"ready": {"a": 0.2, "b": 0.2, "c": 0.2}, "talks": {"a": 0.05, "b": 0.3, "c": 0.5}}
BY = dt.date(2025, 12, 31)


def scenario_text(line_rates=LINE_RATES, states=("ready", "talks"), extra="") -> str:
    lines = ['title = "Lines that switch"', "prior_date = 2025-01-01", "", "[hypotheses]"]
    lines += [f"{h} = {{ prior = {PRIOR[h]} }}" for h in HYPOTHESES]
    for k in states:
        table = lambda rates: "{ " + ", ".join(f"{h} = {v}" for h, v in rates.items()) + " }"  # noqa: E731
        lines += ["", f"[latents.{k}]", 'kind = "state"', f"prior = {STATE_PRIOR[k]}", f"[latents.{k}.switch]",
                  f"on = {table(ON[k])}", f"off = {table(OFF[k])}"]
    lines += ["", "[groups.wave]", "correlation = 0.7"]
    if line_rates is not None:
        lines += ["", "[switching]"] + [f"{h} = {{ " + ", ".join(f"{t} = {v}" for t, v in targets.items()) + " }"
                                         for h, targets in line_rates.items()]
    lines += ["", "[resolution]", f"by = {BY}", "[resolution.criteria]"] + [f'{h} = "{h} on {BY}"' for h in HYPOTHESES]
    return "\n".join(lines) + "\n" + extra


HEADER = "id,summary,reliability,group,p_a,p_b,p_c,p_ready_yes,p_ready_no,p_talks_yes,p_talks_no\n"
FILES = {
    "2025-02-10.csv": HEADER + "r1,strike,1,wave,0.7,0.3,0.4,0.25,0.6,,\nr2,envoy,0.8,,,,,0.6,0.4,0.9,0.3\n",
    "2025-04-01.csv": HEADER + "r3,offer,1,wave,0.6,0.2,0.3,0.8,0.3,,\n",
    "2025-04-20.csv": HEADER + "r4,tariff,0.9,,0.2,0.7,0.5,,,0.4,0.6\n",
    "2025-08-15.csv": HEADER + "r5,summit,1,wave,0.5,0.6,0.1,0.7,0.2,0.8,0.5\n",
}


def rows_of(files=FILES):
    """(date, row values) for the enumeration, read from the files as written above."""
    out = []
    for name, text in sorted(files.items()):
        date = dt.date.fromisoformat(name[:10])
        for line in text.splitlines()[1:]:
            cells = line.split(",")
            number = lambda c: float(c) if c else None  # noqa: E731
            out.append({"date": date, "id": cells[0], "reliability": float(cells[2]), "group": cells[3] or None,
                        "h": [number(c) for c in cells[4:7]], "ready": (number(cells[7]), number(cells[8])),
                        "talks": (number(cells[9]), number(cells[10]))})
    return out


def generator(line_rates, states) -> tuple[list, np.ndarray]:
    """The chain's states as (line, holds...) tuples and its generator, written from the tables."""
    space = [(h, *bits[::-1]) for h in HYPOTHESES for bits in itertools.product((False, True), repeat=len(states))]
    q = np.zeros((len(space), len(space)))
    for i, (h, *bits) in enumerate(space):
        for j, (g, *other) in enumerate(space):
            if g != h and other == bits:
                q[i, j] = (line_rates or {}).get(h, {}).get(g, 0.0)
            elif g == h and sum(x != y for x, y in zip(bits, other, strict=True)) == 1:
                k = next(n for n, (x, y) in enumerate(zip(bits, other, strict=True)) if x != y)
                q[i, j] = (OFF if bits[k] else ON)[states[k]][h]
        q[i, i] = -q[i].sum()
    return space, q


def brute_force(line_rates=LINE_RATES, states=("ready", "talks"), files=FILES):
    """P(line on each step's date) and P(line on `by`) after each step, summing over every path."""
    rows = rows_of(files)
    dates = [dt.date(2025, 1, 1), *sorted({r["date"] for r in rows})]
    space, q = generator(line_rates, states)
    prior = np.array([PRIOR[h] * np.prod([STATE_PRIOR[k] if bits[n] else 1 - STATE_PRIOR[k] for n, k in enumerate(states)])
                      for h, *bits in space])
    out = []
    for t in range(len(dates)):
        seen = [r for r in rows if r["date"] <= dates[t]]
        counts = {g: sum(r["group"] == g for r in seen) for g in {r["group"] for r in seen} if g}
        weight = {r["id"]: 1 / (1 + (counts[r["group"]] - 1) * 0.7) if r["group"] else 1.0 for r in seen}

        def emission(s, date, _seen=seen, _weight=weight):
            h, *bits = space[s]
            value = 1.0
            for r in _seen:
                if r["date"] != date:
                    continue
                lik = 1.0
                if r["h"][0] is not None:
                    values = np.array(r["h"])
                    lik *= (r["reliability"] * values + (1 - r["reliability"]) * values.mean())[HYPOTHESES.index(h)]
                for n, k in enumerate(states):
                    yes, no = r[k]
                    if yes is not None:
                        mean = (yes + no) / 2
                        lik *= r["reliability"] * (yes if bits[n] else no) + (1 - r["reliability"]) * mean
                value *= lik ** _weight[r["id"]]
            return value

        emissions = [[emission(i, date) for i in range(len(space))] for date in dates[: t + 1]]
        moves = [None] + [expm(q * (dates[u] - dates[u - 1]).days / DAYS_PER_MONTH) for u in range(1, t + 1)]
        final = np.zeros(len(space))
        for path in itertools.product(range(len(space)), repeat=t + 1):
            p = prior[path[0]] * emissions[0][path[0]]
            for u in range(1, t + 1):
                p *= moves[u][path[u - 1], path[u]] * emissions[u][path[u]]
            final[path[-1]] += p
        final /= final.sum()
        at_by = final @ expm(q * (BY - dates[t]).days / DAYS_PER_MONTH)
        line = lambda v: {h: float(sum(v[i] for i, s in enumerate(space) if s[0] == h)) for h in HYPOTHESES}  # noqa: E731
        out.append((line(final), line(at_by)))
    return out


@pytest.fixture
def switching_workspace(make_workspace):
    return make_workspace(FILES, scenario=scenario_text())


def test_update_json_equals_every_path_enumerated(switching_workspace):
    run = run_beliefs("update", switching_workspace, "--json")
    assert run.returncode == 0, run.stderr
    steps = json.loads(run.stdout)["steps"]
    expected = brute_force()
    assert len(steps) == len(expected) == 5
    for step, (line, at_by) in zip(steps, expected, strict=True):
        for h in HYPOTHESES:
            assert step["hypotheses"][h] == pytest.approx(line[h], abs=1e-6)
            assert step["hypotheses_at_by"][h] == pytest.approx(at_by[h], abs=1e-6)
    assert steps[2]["hypotheses"] != steps[2]["hypotheses_at_by"]


def test_the_generator_matches_a_simulated_chain():
    """The matrix exponential against simulating the jumps (Gillespie), from one joint state."""
    space, q = generator(LINE_RATES, ("ready", "talks"))
    spec = ModelSpec.build(beliefs.inputs.scenario_file.Scenario.model_validate(
        __import__("tomllib").loads(scenario_text())), _empty_table())
    assert np.allclose(spec.joint_generator(), q)  # the same ordering: line-major, state k as bit k
    rng = np.random.default_rng(7)
    months, n, start = 4.0, 200_000, 0
    counts = np.zeros(len(space))
    states = np.full(n, start)
    time = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        rate = -q[states[alive], states[alive]]
        wait = np.where(rate > 0, rng.exponential(1 / np.where(rate > 0, rate, 1)), np.inf)
        time[alive] += wait
        done = alive.copy()
        done[alive] = time[alive] > months
        alive &= ~done
        if not alive.any():
            break
        jumps = q[states[alive]].clip(min=0)
        jumps /= jumps.sum(axis=1, keepdims=True)
        cumulative = jumps.cumsum(axis=1)
        states[alive] = (rng.uniform(size=(alive.sum(), 1)) > cumulative).sum(axis=1)
    counts = np.bincount(states, minlength=len(space)) / n
    assert np.allclose(counts, expm(q * months)[start], atol=4e-3)  # 4 sd of the Monte Carlo error at n = 2e5


def _empty_table():
    from beliefs.inference.likelihoods import LikelihoodTable

    return LikelihoodTable([], np.zeros(0, dtype=int), np.ones((0, 3)), np.ones((0, 2)), np.ones((0, 2)), np.zeros(0, dtype=bool), np.zeros(1))


def test_all_rates_zero_is_no_switching(make_workspace):
    zero = {h: {t: 0.0 for t in HYPOTHESES if t != h} for h in HYPOTHESES}
    with_zero = run_beliefs("update", make_workspace(FILES, scenario=scenario_text(zero), name="zero"), "--json")
    without = run_beliefs("update", make_workspace(FILES, scenario=scenario_text(None), name="none"), "--json")
    assert with_zero.returncode == without.returncode == 0
    assert with_zero.stdout == without.stdout
    assert "hypotheses_at_by" not in with_zero.stdout


@pytest.mark.parametrize("which", ["small", "default"])
def test_pymc_model_agrees_with_the_forward_algorithm(which, request):
    """At every step, on a small workspace and on the shipped default (three switching lines, a
    readiness state, groups, calibration): the PyMC model's log-density and P(line) equal the
    numpy forward algorithm's."""
    import pymc as pm
    import pytensor

    from beliefs.inference.engines.lines import LineChain
    from beliefs.inference.model import CURRENT_STEP, HYPOTHESIS_PROBABILITY, ROW_WEIGHT, build_model

    workspace = beliefs.load_workspace(request.getfixturevalue("switching_workspace")) if which == "small" else request.getfixturevalue("default_workspace")
    assert workspace.scenario.switches
    table = likelihood_table(workspace)
    spec = ModelSpec.build(workspace.scenario, table)
    model = build_model(spec)
    logp = pytensor.function([], [model.logp(), model[HYPOTHESIS_PROBABILITY]])
    chain = LineChain(spec)
    for step in range(len(workspace.steps)):
        pm.set_data({ROW_WEIGHT: table.weights_at(step), CURRENT_STEP: np.array(step, dtype="int64")}, model=model)
        value, probability = logp()
        exact = chain.run(table.weights_at(step), step)
        assert float(value) == pytest.approx(exact.log_evidence, abs=1e-9)
        assert np.allclose(probability, exact.line, atol=1e-10)


@pytest.mark.slow
def test_nuts_agrees_with_exact_beside_a_propensity(make_workspace):
    extra = '\n[latents.w]\nprior = { alpha = 2.0, beta = 5.0 }\nvolatility = 0.2\n'
    files = {name: text.replace("p_talks_no\n", "p_talks_no,p_w_yes,p_w_no\n").replace("\n", ",0.7,0.3\n").replace(
        "p_talks_no,p_w_yes,p_w_no,0.7,0.3\n", "p_talks_no,p_w_yes,p_w_no\n") for name, text in FILES.items()}
    root = make_workspace(files, scenario=scenario_text(extra=extra))
    workspace = beliefs.load_workspace(root)
    exact = beliefs.compute_history(workspace, engine="exact", seed=1)
    nuts = beliefs.compute_history(workspace, engine="nuts", seed=1, draws=300, tune=300, chains=2)
    assert np.allclose(nuts.hypothesis_probability.values, exact.hypothesis_probability.values, atol=1e-9)  # the line is exact in both
    assert np.allclose(nuts.hypothesis_at_by.values, exact.hypothesis_at_by.values, atol=1e-9)
    w_exact = exact.dataset["latent_mean"].sel(latent="w").values
    w_nuts = nuts.dataset["latent_mean"].sel(latent="w").values
    assert np.allclose(w_nuts, w_exact, atol=0.03)


def test_score_uses_the_forecast_for_by(make_workspace):
    resolved = scenario_text().replace(f"by = {BY}", f'by = {BY}\noutcome = "b"\nresolved_on = {BY}')
    root = make_workspace(FILES, scenario=resolved)
    run = run_beliefs("score", root, "--json")
    assert run.returncode == 0, run.stderr
    entry = json.loads(run.stdout)["workspaces"][0]
    expected = brute_force()
    for scored, (_, at_by) in zip(entry["steps"], expected, strict=True):
        assert scored["log_score"] == pytest.approx(-np.log2(at_by["b"]), abs=1e-5)
    assert entry["baselines"]["prior"]["log_score"] == pytest.approx(-np.log2(expected[0][1]["b"]), abs=1e-5)


def test_sensitivity_and_watch_work_on_the_line_at_by(switching_workspace):
    (switching_workspace / "indicators.csv").write_text(HEADER + "i1,ceasefire,1,,0.8,0.2,0.3,0.9,0.1,,\n", encoding="utf-8")
    run = run_beliefs("sensitivity", switching_workspace, "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    final = brute_force()[-1][1]
    assert report["final"]["hypotheses"] == pytest.approx(final, abs=1e-6)
    assert any(entry["parameter"] == "switching.a.b" for entry in report["dynamics"])
    watched = run_beliefs("watch", switching_workspace, "--json")
    assert watched.returncode == 0, watched.stderr
    entry = json.loads(watched.stdout)["indicators"][0]
    seen = brute_force(files={**FILES, "2025-08-15.csv": FILES["2025-08-15.csv"] + "i1,ceasefire,1,,0.8,0.2,0.3,0.9,0.1,,\n"})[-1]
    assert entry["if_observed"]["hypotheses"] == pytest.approx(seen[0], abs=1e-6)
    assert entry["if_observed"]["hypotheses_at_by"] == pytest.approx(seen[1], abs=1e-6)


@pytest.mark.parametrize(("table", "message"), [
    ("a = { d = 0.1 }", "'d' is not a hypothesis"),
    ("d = { a = 0.1 }", "'d', which is not a hypothesis"),
    ("a = { b = -0.1 }", "switching.a.b = -0.1 is not valid: expected a monthly rate >= 0"),
    ('a = { b = "often" }', 'switching.a.b = "often" is not valid'),
    ("a = { a = 0.1 }", "a rate from a line to itself"),
])
def test_bad_switching_tables_are_refused_with_a_line(make_workspace, table, message):
    text = scenario_text(None) + "\n[switching]\n" + table + "\n"
    root = make_workspace(FILES, scenario=text)
    run = run_beliefs("check", root)
    assert run.returncode == 2
    assert message in run.stderr
    line = text.splitlines().index(table) + 1
    assert f"scenario.toml:{line}:" in run.stderr


def test_a_drift_per_line_is_refused_with_switching(make_workspace):
    extra = '\n[latents.w]\nprior = { alpha = 2.0, beta = 5.0 }\ndrift = { a = 0.1 }\n'
    run = run_beliefs("check", make_workspace(FILES, scenario=scenario_text(extra=extra)))
    assert run.returncode == 2
    assert "latents.w.drift depends on the line" in run.stderr


@pytest.mark.slow
def test_notebook_01_shows_how_long_each_line_is_held(switching_workspace, monkeypatch):
    import nbformat
    from nbclient import NotebookClient
    from test_notebooks import NOTEBOOKS

    monkeypatch.setenv("BELIEFS_WORKSPACE", str(switching_workspace))
    notebook = nbformat.read(NOTEBOOKS / "01-priors.ipynb", as_version=4)
    NotebookClient(notebook, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    cell = next(c for c in notebook.cells if c.get("id") == "01-04-lines-code")
    text = "".join(out.get("text", "") for out in cell.outputs)
    assert "a: held 2.5 months on average; then to b 75%, c 25%" in text  # 1 / (0.3 + 0.1) months
    assert any("image/png" in out.get("data", {}) for out in cell.outputs)


def test_terminal_tables_show_the_line_now_and_on_by(switching_workspace):
    update = run_beliefs("update", switching_workspace)
    assert update.returncode == 0, update.stderr
    assert "at by" in update.stdout and f"forecast of the line held on {BY}" in " ".join(update.stdout.split())
    what_if = run_beliefs("what-if", switching_workspace, "--p", "a=0.9", "--p", "b=0.2", "--p", "c=0.3")
    assert what_if.returncode == 0, what_if.stderr
    assert f"a on {BY}" in what_if.stdout


@pytest.mark.slow
def test_report_shows_both_answers_and_leads_with_by(switching_workspace):
    run = run_beliefs("report", switching_workspace)
    assert run.returncode == 0, run.stderr
    html = (switching_workspace / "reports" / "index.html").read_text(encoding="utf-8")
    assert f"Line held {BY}" in html and 'id="switching-note"' in html
    expected = brute_force()[-1][1]
    leader = max(expected, key=expected.get)
    answer = html[html.index('<table class="answer">'):html.index("</table>", html.index('<table class="answer">'))]
    leading_row = answer[: answer.index('class="leading"')].rsplit("<tr", 1)[1]
    assert f"({leader})" in leading_row
    markdown = (switching_workspace / "reports" / "report.md").read_text(encoding="utf-8")
    assert f"Line held {BY}" in markdown
