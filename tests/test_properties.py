"""Properties of the numbers: the same evidence gives the same posterior, however it is laid
out in files, and nothing that carries no information moves it.

Hypothesis generates small workspaces (2-4 hypotheses, 0-2 latents, fixed or moving over
time, 1-3 dated steps of 1-3 rows each) and writes them to real files; the exact engine computes every step. Hypothesis
probabilities and latent means and 5%/95% quantiles must agree to 1e-9. At the end, the
command line gives byte-identical `beliefs update --json` output for the same workspace,
engine and seed.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import beliefs

PRIOR_DATE = dt.date(2025, 1, 1)
TOLERANCE = 1e-9
COMPARED = ("hypothesis_probability", "latent_mean", "latent_q05", "latent_q95")
PROPERTY = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BELIEFS = Path(sys.executable).with_name("beliefs")
# PyTensor raises the recursion limit while compiling; Hypothesis notices and says so.
pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

# -- a workspace as data ---------------------------------------------------------------------------


@dataclass
class Row:
    id: str
    hypotheses: list[float] | None  # one per hypothesis, or None
    latents: dict[int, tuple[float, float]]  # latent index -> (p_yes, p_no)
    reliability: float | None = None  # None: the cell is left blank (reliability 1)

    def cells(self, spec: Spec) -> dict[str, str]:
        out = {"id": self.id, "summary": f"observation {self.id}", "source": "test", "rationale": "generated"}
        out["reliability"] = "" if self.reliability is None else repr(self.reliability)
        for i, name in enumerate(spec.hypotheses):
            out[f"p_{name}"] = "" if self.hypotheses is None else repr(self.hypotheses[i])
        for j, name in enumerate(spec.latents):
            yes, no = self.latents.get(j, (None, None))
            out[f"p_{name}_yes"] = "" if yes is None else repr(yes)
            out[f"p_{name}_no"] = "" if no is None else repr(no)
        return out


@dataclass
class Spec:
    priors: list[float]
    betas: list[tuple[float, float]]
    steps: list[list[Row]]  # rows of each dated step, in file order
    dates: list[dt.date] = field(default_factory=list)
    volatility: float = 0.0  # of every latent: > 0 makes them move over time
    drift: dict[int, float] = field(default_factory=dict)  # hypothesis index -> monthly drift of every latent

    @property
    def hypotheses(self) -> list[str]:
        return [f"h{i}" for i in range(len(self.priors))]

    @property
    def latents(self) -> list[str]:
        return [f"l{j}" for j in range(len(self.betas))]

    def columns(self) -> list[str]:
        columns = ["id", "summary", "source", "reliability", "rationale", *(f"p_{h}" for h in self.hypotheses)]
        for name in self.latents:
            columns += [f"p_{name}_yes", f"p_{name}_no"]
        return columns

    def scenario_text(self) -> str:
        lines = ['title = "Generated"', f"prior_date = {PRIOR_DATE.isoformat()}", "", "[hypotheses]"]
        lines += [f"{name} = {{ prior = {prior!r} }}" for name, prior in zip(self.hypotheses, self.priors, strict=True)]
        for name, (alpha, beta) in zip(self.latents, self.betas, strict=True):
            lines += ["", f"[latents.{name}]", f"prior = {{ alpha = {alpha!r}, beta = {beta!r} }}"]
            if self.volatility:
                lines.append(f"volatility = {self.volatility!r}")
            if self.drift:
                lines.append("drift = { " + ", ".join(f"{self.hypotheses[i]} = {value!r}" for i, value in self.drift.items()) + " }")
        return "\n".join(lines) + "\n"


def csv_text(spec: Spec, rows: list[Row], columns: list[str] | None = None) -> str:
    import csv
    import io

    columns = columns or spec.columns()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = row.cells(spec)
        writer.writerow([cells[c] for c in columns])
    return buffer.getvalue()


def write(spec: Spec, root: Path, files: dict[str, str] | None = None) -> Path:
    """Write the workspace: by default one file per step; `files` overrides the evidence files."""
    if root.exists():
        shutil.rmtree(root)
    (root / "evidence").mkdir(parents=True)
    (root / "scenario.toml").write_text(spec.scenario_text())
    if files is None:
        files = {f"{date.isoformat()}.csv": csv_text(spec, rows) for date, rows in zip(spec.dates, spec.steps, strict=True)}
    for name, text in files.items():
        (root / "evidence" / name).write_text(text)
    return root


def history(spec: Spec, root: Path, files: dict[str, str] | None = None):
    workspace = beliefs.load_workspace(write(spec, root, files))
    return beliefs.compute_history(workspace, engine="exact", draws=10, chains=1)


def assert_same(first, second, steps: int | None = None, tolerance: float = TOLERANCE) -> None:
    """The two histories agree on every compared number of their first `steps` steps."""
    for name in COMPARED:
        a = first.dataset[name].values[:steps]
        b = second.dataset[name].values[:steps]
        assert a.shape == b.shape, name
        assert np.all(np.isfinite(a)), (name, a)
        np.testing.assert_allclose(a, b, rtol=0, atol=tolerance, err_msg=name)


# -- strategies ------------------------------------------------------------------------------------

PROBABILITY = st.floats(0.01, 1.0).map(lambda x: round(x, 3))
# Latent cells are drawn above 0 so that no generated row is impossible under every value of the
# latent; a 0 in one of them is covered by test_zero_latent_likelihood_in_a_later_step below.
LATENT_PROBABILITY = PROBABILITY
RELIABILITY = st.one_of(st.none(), st.floats(0.0, 1.0).map(lambda x: round(x, 2)))


@st.composite
def rows(draw, n_hypotheses: int, n_latents: int, row_id: str) -> Row:
    on_latents = [j for j in range(n_latents) if draw(st.booleans())]
    on_hypotheses = draw(st.booleans()) or not on_latents
    hypotheses = draw(st.lists(PROBABILITY, min_size=n_hypotheses, max_size=n_hypotheses)) if on_hypotheses else None
    latents = {j: (draw(LATENT_PROBABILITY), draw(LATENT_PROBABILITY)) for j in on_latents}
    return Row(row_id, hypotheses, latents, draw(RELIABILITY))


@st.composite
def specs(draw, min_steps: int = 1, max_steps: int = 3, min_rows: int = 1) -> Spec:
    n_hypotheses = draw(st.integers(2, 4))
    n_latents = draw(st.integers(0, 2))
    priors = draw(st.lists(st.floats(0.05, 1.0).map(lambda x: round(x, 3)), min_size=n_hypotheses, max_size=n_hypotheses))
    betas = [(draw(st.floats(0.7, 8.0).map(lambda x: round(x, 2))), draw(st.floats(0.7, 8.0).map(lambda x: round(x, 2)))) for _ in range(n_latents)]
    n_steps = draw(st.integers(min_steps, max_steps))
    offsets = sorted(draw(st.sets(st.integers(1, 300), min_size=n_steps, max_size=n_steps)))
    steps = []
    for s in range(n_steps):
        count = draw(st.integers(min_rows, 3))
        steps.append([draw(rows(n_hypotheses, n_latents, f"s{s}r{i}")) for i in range(count)])
    dates = [PRIOR_DATE + dt.timedelta(days=d) for d in offsets]
    volatility = draw(st.sampled_from([0.0, 0.0, 0.3])) if n_latents else 0.0  # a third of them move over time
    drift = draw(st.sampled_from([{}, {}, {0: 0.4, 1: -0.3}])) if n_latents else {}
    return Spec(priors, betas, steps, dates, volatility, drift)


@pytest.fixture
def scratch():
    with tempfile.TemporaryDirectory(prefix="beliefs-properties-") as folder:
        yield Path(folder)


# -- the properties --------------------------------------------------------------------------------


@PROPERTY
@given(specs(), st.randoms(use_true_random=False))
def test_order_of_rows_and_columns_within_a_step_does_not_matter(spec, random):
    with tempfile.TemporaryDirectory() as folder:
        base = history(spec, Path(folder) / "a")
        shuffled = replace(spec, steps=[random.sample(step, len(step)) for step in spec.steps])
        columns = random.sample(spec.columns(), len(spec.columns()))
        files = {f"{date.isoformat()}.csv": csv_text(shuffled, step, columns) for date, step in zip(shuffled.dates, shuffled.steps, strict=True)}
        assert_same(base, history(shuffled, Path(folder) / "b", files))


@pytest.mark.slow
@PROPERTY
@given(specs(min_rows=2), st.data())
def test_splitting_a_step_across_files_of_its_date_does_not_matter(spec, data):
    with tempfile.TemporaryDirectory() as folder:
        base = history(spec, Path(folder) / "a")
        files = {}
        for date, step in zip(spec.dates, spec.steps, strict=True):
            cut = data.draw(st.integers(1, len(step) - 1))
            lean = [c for c in spec.columns() if c not in ("source", "rationale")]  # optional columns may be left out
            files[f"{date.isoformat()}.csv"] = csv_text(spec, step[:cut])
            files[f"{date.isoformat()}-{data.draw(st.sampled_from(['more', 'later-reports', 'b']))}.csv"] = csv_text(spec, step[cut:], lean)
        split = history(spec, Path(folder) / "b", files)
        assert_same(base, split)
        assert [sorted(split.evidence_ids(t)) for t in range(split.n_steps)] == [sorted(base.evidence_ids(t)) for t in range(base.n_steps)]


@st.composite
def uninformative_rows(draw, spec: Spec) -> Row:
    """A row that carries no information: reliability 0, or equal likelihoods in every block."""
    n_hypotheses, n_latents = len(spec.priors), len(spec.betas)
    if draw(st.booleans()):
        row = draw(rows(n_hypotheses, n_latents, "noise"))
        return replace(row, reliability=0.0)
    on_latents = [j for j in range(n_latents) if draw(st.booleans())]
    value = draw(PROBABILITY)
    hypotheses = [value] * n_hypotheses if draw(st.booleans()) or not on_latents else None
    latents = {}
    for j in on_latents:
        same = draw(LATENT_PROBABILITY)
        latents[j] = (same, same)
    return Row("noise", hypotheses, latents, draw(RELIABILITY))


@pytest.mark.slow
@PROPERTY
@given(specs(), st.data())
def test_a_row_that_carries_no_information_changes_nothing(spec, data):
    with tempfile.TemporaryDirectory() as folder:
        base = history(spec, Path(folder) / "a")
        step = data.draw(st.integers(0, len(spec.steps) - 1))
        noise = data.draw(uninformative_rows(spec))
        steps = [list(rows_) for rows_ in spec.steps]
        steps[step].insert(data.draw(st.integers(0, len(steps[step]))), noise)
        assert_same(base, history(replace(spec, steps=steps), Path(folder) / "b"))


@PROPERTY
@given(specs(), st.data())
def test_scaling_a_rows_hypothesis_likelihoods_changes_nothing(spec, data):
    candidates = [(s, i) for s, step in enumerate(spec.steps) for i, row in enumerate(step) if row.hypotheses is not None]
    if not candidates:  # make the first row bear on the hypotheses
        first = replace(spec.steps[0][0], hypotheses=data.draw(st.lists(PROBABILITY, min_size=len(spec.priors), max_size=len(spec.priors))))
        spec = replace(spec, steps=[[first, *spec.steps[0][1:]], *spec.steps[1:]])
        candidates = [(0, 0)]
    s, i = data.draw(st.sampled_from(candidates))
    row = spec.steps[s][i]
    factor = data.draw(st.floats(0.05, 1.0 / max(row.hypotheses)))
    scaled = replace(row, hypotheses=[min(p * factor, 1.0) for p in row.hypotheses])
    steps = [list(rows_) for rows_ in spec.steps]
    steps[s][i] = scaled
    with tempfile.TemporaryDirectory() as folder:
        assert_same(history(spec, Path(folder) / "a"), history(replace(spec, steps=steps), Path(folder) / "b"))


@pytest.mark.slow
@PROPERTY
@given(specs(min_steps=2), st.data())
def test_later_steps_never_change_an_earlier_steps_posterior(spec, data):
    keep = data.draw(st.integers(1, len(spec.steps) - 1))
    with tempfile.TemporaryDirectory() as folder:
        full = history(spec, Path(folder) / "a")
        early = history(replace(spec, steps=spec.steps[:keep], dates=spec.dates[:keep]), Path(folder) / "b")
        assert early.n_steps == keep + 1
        assert_same(full, early, steps=keep + 1)


def test_zero_latent_likelihood_in_a_later_step(scratch):
    spec = Spec([0.5, 0.5], [(2.0, 5.0)], [[Row("r1", [0.5, 0.4], {0: (0.3, 0.6)})], [Row("r2", [0.5, 0.4], {0: (0.0, 0.5)})]],
                [dt.date(2025, 2, 1), dt.date(2025, 3, 1)])
    result = history(spec, scratch / "ws")
    assert np.all(np.isfinite(result.dataset["latent_mean"].values))


def test_moving_latent_earlier_steps_do_not_depend_on_later_dates(scratch):
    spec = Spec([1.0, 1.0, 1.0], [(1.0, 2.0)], [[Row("s0r0", None, {0: (1.0, 1.0)})], [Row("s1r0", [1.0, 1.0, 1.0], {})]],
                [dt.date(2025, 1, 2), dt.date(2025, 1, 3)], volatility=0.3)
    full = history(spec, scratch / "a")
    early = history(replace(spec, steps=spec.steps[:1], dates=spec.dates[:1]), scratch / "b")
    assert_same(full, early, steps=2)


@pytest.mark.parametrize("alpha, beta", [(1.0, 0.75), (0.5, 0.5), (0.7, 3.0)])
@pytest.mark.parametrize("volatility, drift", [(0.3, {}), (0.0, {0: 0.4, 1: -0.3})], ids=["volatility", "drift"])
def test_moving_latent_with_prior_mass_near_0_or_1(alpha, beta, volatility, drift, scratch):
    """Found by Hypothesis: a Beta parameter below 1 put the filter's grid end at logit(1) = inf."""
    spec = Spec([1.0, 1.0], [(alpha, beta)], [[Row("r1", [1.0, 1.0], {})], [Row("r2", [0.4, 0.6], {0: (0.7, 0.2)})]],
                [dt.date(2025, 1, 2), dt.date(2025, 3, 1)], volatility=volatility, drift=drift)
    result = history(spec, scratch / "ws")
    for name in COMPARED:
        assert np.all(np.isfinite(result.dataset[name].values)), name
    assert result.dataset["latent_q05"].values[0, 0] < result.dataset["latent_q95"].values[0, 0]


# -- the same files, engine and seed give the same bytes ------------------------------------------------


def update_json(root: Path, *args: str) -> bytes:
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run([str(BELIEFS), "update", str(root), "--json", *args], capture_output=True, timeout=900, env=env)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


DETERMINISM = Spec(
    [0.3, 0.5, 0.2],
    [(2.0, 5.0), (1.5, 1.5)],
    [
        [Row("a1", [0.7, 0.4, 0.2], {0: (0.6, 0.3)}, 0.9), Row("a2", None, {1: (0.2, 0.7)})],
        [Row("b1", [0.1, 0.5, 0.5], {}, None)],
        [Row("c1", [0.6, 0.6, 0.1], {0: (0.8, 0.4), 1: (0.5, 0.3)}, 0.5)],
    ],
    [dt.date(2025, 2, 1), dt.date(2025, 3, 15), dt.date(2025, 4, 2)],
)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--engine", "exact", "--seed", "7"], id="exact"),
        pytest.param(["--engine", "nuts", "--draws", "200", "--seed", "7"], id="nuts", marks=pytest.mark.slow),
    ],
)
def test_same_workspace_engine_and_seed_give_byte_identical_json(args, scratch):
    """Two fresh copies (no shared cache) and a re-run from the cache print the very same bytes."""
    first = update_json(write(DETERMINISM, scratch / "one"), *args)
    second = update_json(write(DETERMINISM, scratch / "two"), *args)
    again = update_json(scratch / "one", *args)
    assert first == second == again
    assert first.count(b'"date"') >= 4


# NUTS compiles through numba, whose on-disk cache every process shares; numba updates a function's
# index of signatures by an unlocked read-modify-write. Three processes here save three signatures
# of one function at once, in the order a loaded machine can produce (all read the empty index,
# one writes its code last): numba alone then hands a later process another signature's code,
# which runs without an error. `lock_numba_cache` (installed by the NUTS engine) must prevent it.
RACING_CHILD = """
import pathlib, sys, time
from numba.core.caching import IndexDataCacheFile
from beliefs.inference.engines.numba_cache import lock_numba_cache

kind, folder, racing = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3] == "race"
lock_numba_cache()
if racing:
    save, save_index, save_data = IndexDataCacheFile.save, IndexDataCacheFile._save_index, IndexDataCacheFile._save_data

    def save_together(self, key, data):  # every process has compiled; all save at once
        (folder / f"compiled-{kind}").touch()
        deadline = time.time() + 120
        while len(list(folder.glob("compiled-*"))) < 3 and time.time() < deadline:
            time.sleep(0.05)
        save(self, key, data)

    def late_index(self, overloads):
        time.sleep(0 if kind == "int64" else 1.0)
        save_index(self, overloads)

    def late_data(self, name, data):
        time.sleep(3.0 if kind == "int64" else 0)
        save_data(self, name, data)

    IndexDataCacheFile.save, IndexDataCacheFile._save_index, IndexDataCacheFile._save_data = save_together, late_index, late_data
import numpy as np
from twice import twice_plus_one

value = {"int64": np.int64(3), "float64": np.float64(3.5), "complex128": np.complex128(1 + 2j)}[kind]
print(repr(twice_plus_one(value)))
"""


@pytest.mark.slow
def test_processes_compiling_at_once_never_cross_wire_numbas_shared_cache(tmp_path):
    (tmp_path / "twice.py").write_text("import numba\n\n\n@numba.njit(cache=True)\ndef twice_plus_one(x):\n    return x * 2 + 1\n")
    (tmp_path / "child.py").write_text(RACING_CHILD)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(tmp_path)}
    kinds = {"int64": "7", "float64": "8.0", "complex128": "(3+4j)"}

    def run(kind: str, mode: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, str(tmp_path / "child.py"), kind, str(tmp_path), mode], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    racing = {kind: run(kind, "race") for kind in kinds}
    assert {kind: process.communicate(timeout=600)[0].strip() for kind, process in racing.items()} == kinds
    assert len(list((tmp_path / "cache").rglob("*.nbc"))) == len(kinds)  # one file of code per signature
    later = {kind: run(kind, "load") for kind in kinds}  # each signature loaded from the cache by a new process
    assert {kind: process.communicate(timeout=600)[0].strip() for kind, process in later.items()} == kinds


@pytest.mark.slow
def test_default_workspace_gives_byte_identical_json(default_copy, tmp_path):
    shutil.copytree(default_copy, tmp_path / "other")
    first = update_json(default_copy, "--engine", "exact")
    assert first == update_json(tmp_path / "other", "--engine", "exact")


INCREMENTAL = Spec(
    [0.5, 0.5],
    [(2.0, 5.0)],
    [[Row("r1", [0.6, 0.4], {0: (0.7, 0.3)})], [Row("r2", [0.5, 0.4], {0: (0.6, 0.4)})], [Row("r3", [0.3, 0.4], {0: (0.2, 0.6)})]],
    [dt.date(2025, 2, 1), dt.date(2025, 3, 1), dt.date(2025, 6, 1)],
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "engine, volatility",
    [
        pytest.param("exact", 0.0, id="exact-fixed"),
        pytest.param("exact", 0.3, id="exact-moving"),
        pytest.param("nuts", 0.0, id="nuts-fixed"),
        pytest.param("nuts", 0.3, id="nuts-moving"),
    ],
)
def test_a_run_that_reuses_cached_steps_prints_what_a_fresh_run_prints(engine, volatility, scratch):
    """Update, add a later file, update again (earlier steps come from the cache): the same bytes as
    a fresh run on the final files."""
    spec = replace(INCREMENTAL, volatility=volatility)
    args = ["--engine", engine, "--draws", "200", "--seed", "3"]
    early = replace(spec, steps=spec.steps[:2], dates=spec.dates[:2])
    incremental = write(early, scratch / "incremental")
    update_json(incremental, *args)
    (incremental / "evidence" / f"{spec.dates[2].isoformat()}.csv").write_text(csv_text(spec, spec.steps[2]))
    assert update_json(incremental, *args) == update_json(write(spec, scratch / "fresh"), *args)
