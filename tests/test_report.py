"""The report folder: its numbers against the posterior history, escaping, link rules, atomic writing."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from helpers import run_beliefs, tree_digest
from typer.testing import CliRunner

import beliefs
from beliefs.cli import app
from beliefs.outputs.report import write_report
from beliefs.outputs.report.folder import MARKER
from beliefs.outputs.report.markup import md_escape, safe_url
from beliefs.outputs.wording import estimative_word, percent

SCENARIO_WITHOUT_LATENTS = """\
title = "No latents"
prior_date = 2025-01-01

[hypotheses]
a = { prior = 0.5 }
b = { prior = 0.3 }
c = { prior = 0.2 }
"""


class Page(HTMLParser):
    """The parts of index.html the tests look at: images, links, probability cells, visible text."""

    def __init__(self, text: str):
        super().__init__()
        self.images: list[dict] = []
        self.links: list[str] = []
        self.probs: list[dict] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self._prob: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "img":
            self.images.append(attrs)
        if tag == "a":
            self.links.append(attrs.get("href", ""))
        if "prob" in (attrs.get("class") or "").split():
            self._prob = dict(attrs, text="")

    def handle_endtag(self, tag):
        if self._prob is not None and tag in ("td", "span"):
            self.probs.append(self._prob)
            self._prob = None

    def handle_data(self, data):
        self.text.append(data)
        if self._prob is not None:
            self._prob["text"] += data


def test_report_folder_has_every_part(default_report, default_history_exact):
    for name in ("index.html", "report.md", "summary.json", "history.nc", MARKER, "figures/timeline.png", "figures/timeline.svg",
                 "figures/influence.png", "figures/latents.png", "figures/step-01.png"):
        assert (default_report / name).is_file(), name
    pngs = sorted(p.stem for p in (default_report / "figures").glob("*.png"))
    svgs = sorted(p.stem for p in (default_report / "figures").glob("*.svg"))
    assert pngs == svgs
    steps = default_history_exact.n_steps - 1
    assert len(pngs) == 3 + steps  # timeline, latents, influence; per step: hypotheses (a state has no ArviZ density to draw)


def test_summary_json_is_the_update_json(default_report, default_history_exact):
    assert (default_report / "summary.json").read_text(encoding="utf-8") == default_history_exact.to_json()


def test_history_nc_is_the_history(default_report, default_history_exact):
    saved = beliefs.PosteriorHistory.from_netcdf(default_report / "history.nc")
    assert np.array_equal(saved.hypothesis_probability.values, default_history_exact.hypothesis_probability.values)
    assert np.array_equal(saved.dataset["latent_draws"].values, default_history_exact.dataset["latent_draws"].values)


@pytest.mark.parametrize("engine", ["exact", "nuts"])
def test_history_nc_is_arviz_inference_data_and_reads_back_whole(engine, small_setup, tmp_path):
    """ArviZ opens the report's history.nc as InferenceData: a posterior with chain and draw first
    (one variable per latent, the step after them), sample_stats (the sampler's statistics of
    each draw, chain and draw first, `diverging` boolean) and the convergence checks only from
    NUTS, the rows in observed_data, the stamps on every group; az.summary, plot_dist and
    plot_trace_dist work on it as it is, and `from_netcdf` gives back the very history written."""
    import arviz as az
    import xarray as xr

    ws, _, out = small_setup
    history = beliefs.compute_history(ws, engine=engine, seed=0, draws=200, tune=200, chains=2, horizon_days=30)
    write_report(beliefs.Analysis.of(ws, history), out)
    tree = az.from_netcdf(out / "history.nc")
    assert isinstance(tree, xr.DataTree)
    assert {"posterior", "step_probabilities", "observed_data", "constant_data", "forecast"} <= set(tree.children)
    assert ("sample_stats" in tree.children) == ("convergence" in tree.children) == (engine == "nuts")
    posterior = tree["posterior"]
    assert list(posterior["w"].dims) == ["chain", "draw", "step"] and list(posterior["draw_hypothesis"].dims)[:2] == ["chain", "draw"]
    np.testing.assert_array_equal(posterior["w"].values, history.latent_draws.sel(latent="w").transpose("chain", "draw", "step").values)
    for name in tree.children:
        attrs = tree[name].attrs
        assert attrs["created_at"] and attrs["inference_library"] == ("nutpie" if engine == "nuts" else "beliefs")
        assert attrs["inference_library_version"]
    summary = az.summary(tree)
    assert "w[2]" in summary.index and summary.loc["w[2]", "mean"] == pytest.approx(float(history.latent_mean.sel(step=2, latent="w")), abs=0.02)
    az.plot_dist(tree, var_names=["w"])
    az.plot_trace_dist(tree, var_names=["w"])
    if engine == "nuts":
        _sample_stats_are_arviz_sample_stats(tree, history)
    import matplotlib.pyplot as plt

    plt.close("all")
    xr.testing.assert_identical(beliefs.PosteriorHistory.from_netcdf(out / "history.nc").dataset, history.dataset)


def _sample_stats_are_arviz_sample_stats(tree, history):
    """NUTS's statistics of each draw as ArviZ's schema has them, and ArviZ's own checks read them:
    `az.diagnose` counts the divergences, `az.bfmi` reads the energy (per step and chain),
    `az.plot_energy` draws one step's, and `az.plot_trace_dist` marks divergent draws."""
    import arviz as az
    import xarray as xr

    stats = tree["sample_stats"].to_dataset()
    assert {"diverging", "energy", "lp", "step_size", "tree_depth", "n_steps", "acceptance_rate"} <= set(stats.data_vars)
    for name in stats.data_vars:
        assert list(stats[name].dims) == ["chain", "draw", "step"]
    assert stats["diverging"].dtype == bool and stats["reached_max_treedepth"].dtype == bool
    assert stats.sizes == {"chain": 2, "draw": 200, "step": history.n_steps}
    assert np.all(stats["n_steps"] >= 1) and np.all(stats["step_size"] > 0) and np.all(np.isfinite(stats["lp"]))
    np.testing.assert_array_equal(stats["lp"].values, history.sample_stats()["lp"].values)
    assert "rhat" not in stats and set(tree["convergence"].to_dataset().data_vars) == {"rhat", "ess_bulk", "ess_tail", "divergences",
                                                                                          "converged", "attempts"}
    diagnosed = az.diagnose(tree, return_diagnostics=True, show_diagnostics=False)[1]
    assert diagnosed["divergent"]["n_divergent"] == int(stats["diverging"].sum()) == int(history.divergences.sum())
    bfmi = az.bfmi(tree)["energy"]
    assert set(bfmi.dims) == {"step", "chain"} and np.all(np.isfinite(bfmi.values)) and np.all(bfmi.values > 0)
    az.plot_energy(tree.isel(step=-1))
    marked = stats.copy()  # a divergent draw in the same layout: ArviZ marks it on its step's trace
    diverging = marked["diverging"].values.copy()
    diverging[0, 5, -1] = True
    marked["diverging"] = marked["diverging"].copy(data=diverging)
    tree = tree.copy()
    tree["sample_stats"] = xr.DataTree(marked)
    assert az.diagnose(tree, return_diagnostics=True, show_diagnostics=False)[1]["divergent"]["n_divergent"] == int(diverging.sum())
    az.plot_trace_dist(tree, var_names=["w"])


def test_html_numbers_match_the_history(default_report, default_history_exact):
    page = Page((default_report / "index.html").read_text(encoding="utf-8"))
    probs = default_history_exact.hypothesis_probability
    assert len(page.probs) == len(default_history_exact.hypotheses) * default_history_exact.n_steps  # answer + every step after 0
    for cell in page.probs:
        value = float(probs.sel(step=int(cell["data-step"]), hypothesis=cell["data-hypothesis"]))
        assert float(cell["data-value"]) == pytest.approx(value, abs=1e-6)
        assert cell["text"].strip() == percent(value)
    text = " ".join(page.text)
    last = default_history_exact.n_steps - 1
    for h in default_history_exact.hypotheses:
        p = float(probs.sel(step=last, hypothesis=h))
        assert estimative_word(p) in text
    ready = float(default_history_exact.dataset["latent_mean"].sel(step=last, latent="willingness"))
    assert percent(ready) in text  # a state latent: the probability that it holds
    assert "ICD 203" in text and "roughly even chance 45–55%" in text


def test_answer_comes_first_in_the_scenario_order_with_the_leader_marked(default_report, default_history_exact):
    html = (default_report / "index.html").read_text(encoding="utf-8")
    assert html.index('id="answer"') < html.index('id="latest"') < html.index('id="path"') < html.index('id="steps"')
    page = Page(html)
    last = default_history_exact.n_steps - 1
    answer = [c for c in page.probs if int(c["data-step"]) == last][: len(default_history_exact.hypotheses)]
    assert [c["data-hypothesis"] for c in answer] == default_history_exact.hypotheses  # as in every other table and figure
    answer_html = html[html.index('id="answer"'):html.index('id="latest"')]
    leader = str(default_history_exact.hypothesis_probability.sel(step=last).idxmax().values)
    assert answer_html.count('class="leading"') == 1
    marked = answer_html[answer_html.index('class="top"'):]
    assert f'data-hypothesis="{leader}"' in marked[:marked.index("</tr>")]


def test_markdown_has_the_same_numbers_and_figures(default_report, default_history_exact):
    md = (default_report / "report.md").read_text(encoding="utf-8")
    last = default_history_exact.n_steps - 1
    for h in default_history_exact.hypotheses:
        p = float(default_history_exact.hypothesis_probability.sel(step=last, hypothesis=h))
        assert f"**{percent(p)}** | {estimative_word(p)}" in md
    html_images = {img["src"] for img in Page((default_report / "index.html").read_text(encoding="utf-8")).images}
    md_images = {line.split("](", 1)[1].rstrip(")") for line in md.splitlines() if line.startswith("![")}
    assert md_images == html_images


def test_every_image_has_alt_text_and_exists(default_report):
    page = Page((default_report / "index.html").read_text(encoding="utf-8"))
    assert page.images
    for img in page.images:
        assert len(img.get("alt", "")) > 20, img
        assert (default_report / img["src"]).is_file()


def test_footer_names_versions_engine_seed_and_time(default_report, default_history_exact):
    text = " ".join(Page((default_report / "index.html").read_text(encoding="utf-8")).text)
    for package in ("beliefs", "pymc", "arviz", "xarray"):
        assert f"{package} " in text
    assert f"seed {default_history_exact.dataset.attrs['seed']}" in text
    settings = ", ".join(f"{k} {v}" for k, v in sorted(default_history_exact.settings.items()))
    assert f"Engine exact ({settings}), seed {default_history_exact.seed}" in text and "UTC" in text
    assert "computed exactly by the exact engine: with no continuous unknown" in text  # the default's only latent is a state
    assert "is a state" in text and "forward algorithm" in text
    assert "one PyMC model of" not in text  # no claim that the filter sampled the PyMC model
    commit = subprocess.run(["git", "-C", str(Path(__file__).parents[1]), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    if commit:
        assert commit in text


# -- escaping and links ------------------------------------------------------------------------
HOSTILE = {
    "2025-02-01.csv": """\
        xss-summary,<script>window.__xss = 1</script> and <b>bold</b>,javascript:alert(1),0.9,"<img src=x onerror=""window.__xss=2"">",0.6,0.3,0.1,,
        good-link,A plain report,https://example.org/news?id=1&x=(2),1.0,Trusted,0.5,0.3,0.2,,
        http-link,Another,http://example.com/a,1.0,,0.4,0.4,0.2,0.6,0.3
        """,
    "2025-03-01.csv": """\
        data-url,Data URL,"data:text/html;base64,PHNjcmlwdD4=",1.0,,0.5,0.5,0.5,,
        caps-js,Shouty,JavaScript:alert(2),1.0,,0.5,0.4,0.3,,
        markdown,**not bold** [link](javascript:alert(3)) | pipe _under_ `code`,Reuters | 3 May,1.0,# heading,0.3,0.3,0.4,,
        """,
}


@pytest.fixture
def hostile_workspace(make_workspace):
    return beliefs.load_workspace(make_workspace(HOSTILE, name="hostile"))


@pytest.fixture
def hostile_folder(hostile_workspace, tmp_path):
    history = beliefs.compute_history(hostile_workspace, engine="exact", seed=0, draws=200, chains=2)
    return write_report(beliefs.Analysis.of(hostile_workspace, history), tmp_path / "out")


def test_analyst_text_is_escaped_in_html(hostile_folder):
    html = (hostile_folder / "index.html").read_text(encoding="utf-8")
    page = Page(html)
    assert "script" not in page.tags and "b" not in page.tags
    assert "<script>window.__xss" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in html
    text = " ".join(page.text)
    assert "<script>window.__xss = 1</script> and <b>bold</b>" in text  # shown as text
    assert '<img src=x onerror="window.__xss=2">' in text


def test_only_http_and_https_sources_become_links(hostile_folder):
    page = Page((hostile_folder / "index.html").read_text(encoding="utf-8"))
    external = [href for href in page.links if not href.startswith(("#", "figures/")) and href not in ("summary.json", "history.nc", "report.md")]
    assert sorted(external) == ["http://example.com/a", "https://example.org/news?id=1&x=(2)"]
    assert not any(href.lower().lstrip().startswith(("javascript:", "data:")) for href in page.links)
    text = " ".join(page.text)
    assert "javascript:alert(1)" in text and "JavaScript:alert(2)" in text  # still shown, as text


def test_analyst_text_is_inert_in_markdown(hostile_folder):
    md = (hostile_folder / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "<img" not in md and "<b>" not in md
    assert "&lt;script&gt;" in md
    assert not re.search(r"(?<!\\)\]\(<?(javascript|data):", md, re.IGNORECASE)  # no Markdown link to a script or data URL
    assert r"\*\*not bold\*\* \[link\](javascript:alert(3)) \| pipe \_under\_ \`code\`" in md
    assert "[https://example.org/news?id=1&amp;x=(2)](<https://example.org/news?id=1&x=%282%29>)" in md
    assert "Reuters \\| 3 May" in md


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("https://example.org/a", "https://example.org/a"),
        ("  http://example.org  ", "http://example.org"),
        ("HTTPS://EXAMPLE.ORG/", "HTTPS://EXAMPLE.ORG/"),
        ("javascript:alert(1)", None),
        (" JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("vbscript:msgbox", None),
        ("ftp://example.org/file", None),
        ("//example.org/protocol-relative", None),
        ("https://", None),
        ("https://trusted.example@evil.example/", None),
        ('https://example.org/"onmouseover="x', None),
        ("https://example.org/a b", None),
        ("Reuters, 11 April 2025", None),
        ("", None),
    ],
)
def test_safe_url(source, url):
    assert safe_url(source) == url


def test_md_escape_keeps_spaces_and_neutralises_markup():
    assert md_escape(", ") == ", "
    assert md_escape("a\nb") == "a b"
    assert md_escape("<a href='x'>") == "&lt;a href='x'&gt;"
    assert md_escape("[x](y)") == r"\[x\](y)"


# -- atomic writing ------------------------------------------------------------------------------
@pytest.fixture
def small_setup(make_workspace, tmp_path):
    ws = beliefs.load_workspace(make_workspace({"2025-02-01.csv": "r1,One,,1.0,,0.6,0.3,0.1,0.6,0.3\n",
                                                "2025-03-01.csv": "r2,Two,,1.0,,0.2,0.3,0.5,,\n"}))
    history = beliefs.compute_history(ws, engine="exact", seed=0, draws=200, chains=2)
    return ws, history, tmp_path / "out"




def _leftovers(out: Path) -> list[str]:
    return [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]


def test_an_interrupted_write_leaves_the_previous_report_intact(small_setup):
    ws, history, out = small_setup
    write_report(beliefs.Analysis.of(ws, history), out)
    before = tree_digest(out)

    def interrupt(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_report(beliefs.Analysis.of(ws, history), out, on_progress=interrupt)
    assert tree_digest(out) == before
    assert _leftovers(out) == []


def test_a_failing_write_leaves_the_previous_report_intact(small_setup):
    ws, history, out = small_setup
    write_report(beliefs.Analysis.of(ws, history), out)
    before = tree_digest(out)
    broken = beliefs.PosteriorHistory(history.dataset.drop_vars("latent_q95"))  # e.g. a history.nc from a foreign tool
    with pytest.raises(KeyError, match="latent_q95"):
        write_report(beliefs.Analysis.of(ws, broken), out)
    assert tree_digest(out) == before
    assert _leftovers(out) == []


def test_a_second_write_replaces_the_report_whole(small_setup):
    ws, history, out = small_setup
    write_report(beliefs.Analysis.of(ws, history), out)
    (out / "figures" / "stray.png").write_bytes(b"old")  # a figure an earlier report drew and this one does not
    with (out / MARKER).open("a", encoding="utf-8") as marker:
        marker.write("figures/stray.png\n")
    write_report(beliefs.Analysis.of(ws, history), out)
    assert not (out / "figures" / "stray.png").exists()
    assert (out / "index.html").is_file() and _leftovers(out) == []
    assert oct(out.stat().st_mode & 0o777) != oct(0o700)  # readable by a web server, unlike a private temp dir


def test_refuses_to_replace_a_folder_it_did_not_write(small_setup):
    ws, history, out = small_setup
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    with pytest.raises(beliefs.WorkspaceError, match="did not write"):
        write_report(beliefs.Analysis.of(ws, history), out)
    assert (out / "thesis.docx").read_text() == "precious"


@pytest.mark.slow
def test_a_killed_report_command_leaves_the_previous_report_intact(default_report_run, tmp_path):
    workspace, out = tmp_path / "workspace", tmp_path / "published"
    shutil.copytree(default_report_run.workspace, workspace)  # with the cache the first run left
    shutil.copytree(default_report_run.report, out)  # the previous report, written by `beliefs report`
    command = [sys.executable, "-c", "from beliefs.cli import main; main()", "report", str(workspace), "--out", str(out)]
    before = tree_digest(out)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and not any(out.parent.glob(f".{out.name}.tmp-*/figures/step-0*.svg")):
            time.sleep(0.05)
        assert process.poll() is None, "the second run finished before it could be interrupted"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert tree_digest(out) == before


# -- the command -------------------------------------------------------------------------------
def test_cli_report_writes_the_folder(small_setup):
    ws, _, out = small_setup
    result = CliRunner().invoke(app, ["report", str(ws.root), "--out", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file()
    assert json.loads((out / "summary.json").read_text())["engine"] == "exact"
    assert "seed 3" in (out / "index.html").read_text(encoding="utf-8")


def test_cli_report_defaults_to_workspace_reports(small_setup):
    ws, _, _ = small_setup
    result = CliRunner().invoke(app, ["report", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert (ws.root / "reports" / "index.html").is_file()


def test_cli_report_exits_2_on_a_bad_workspace(tmp_path):
    result = CliRunner().invoke(app, ["report", str(tmp_path / "missing")])
    assert result.exit_code == 2


def test_footer_names_the_git_commit_and_uncommitted_changes(small_setup):
    ws, history, out = small_setup
    git = ["git", "-C", str(ws.root), "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    write_report(beliefs.Analysis.of(ws, history), out)
    assert "not a git repository" in (out / "index.html").read_text(encoding="utf-8")
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "scenario.toml", "evidence"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "workspace"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    write_report(beliefs.Analysis.of(ws, history), out)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert commit in html and "uncommitted" not in html
    with (ws.root / "evidence" / "2025-03-01.csv").open("a", encoding="utf-8") as stream:
        stream.write("r3,Three,,1.0,,0.3,0.3,0.4,,\n")
    write_report(beliefs.Analysis.of(ws, history), out)
    assert "uncommitted changes" in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_nuts_report_shows_diagnostics_and_flags_unconverged_steps(small_setup):
    ws, _, out = small_setup
    history = beliefs.compute_history(ws, engine="nuts", seed=0, draws=300, tune=300, chains=2)
    write_report(beliefs.Analysis.of(ws, history), out)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="diagnostics"' in html and (out / "figures" / "diagnostics.png").is_file()
    assert (out / "figures" / f"diagnostics-step-{history.n_steps - 1:02d}.png").is_file()
    assert f"R-hat {float(history.dataset['rhat'].sel(step=1, latent='w')):.3f}" in html
    from beliefs.results.diagnostics import MAX_RHAT, MIN_ESS

    assert f"(worry above {MAX_RHAT}), smallest effective sample size" in html and f"(worry below {MIN_ESS})" in html
    assert "Hamiltonian Monte Carlo sampler): 2 chains of 300 draws after 300 tuning steps at every dated step" in html
    # The same history with step 1 marked as failed by the engine's convergence checks.
    flags = np.ones(history.n_steps, dtype=bool)
    flags[1] = False
    flagged = beliefs.PosteriorHistory(history.dataset.assign(converged=("step", flags), attempts=("step", np.full(history.n_steps, 2))))
    assert flagged.unconverged_steps == [1]
    write_report(beliefs.Analysis.of(ws, flagged), out)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "did not converge at this step" in html and 'href="#step-1">step 1' in html
    assert (out / "figures" / "diagnostics-step-01.png").is_file()
    assert "did not converge" in (out / "report.md").read_text(encoding="utf-8")


def test_row_anchors_are_safe_and_unique():
    from beliefs.outputs.report.markup import row_anchors

    anchors = row_anchors(["a.b", "a-b", "x y\"<z>", "ünï"])
    assert anchors == {"a.b": "row-a-b", "a-b": "row-a-b-2", "x y\"<z>": "row-x-y-z", "ünï": "row-n"}


def test_report_shows_the_latents_forecast(default_report, default_history_exact):
    from beliefs.inference.forecast import forecast

    ahead = forecast(default_history_exact, 30)
    html = (default_report / "index.html").read_text()
    assert f"Forecast for {ahead.dates[-1].isoformat()}" in html
    shown = re.search(r'class="forecast-mean" data-latent="willingness">([0-9.]+)%<', html)  # a state: P(it holds)
    assert shown and float(shown[1]) == pytest.approx(100 * ahead.mean[-1, 0], abs=0.5)
    assert "Forecast for" in (default_report / "report.md").read_text()
    assert re.search(r"</span>\.\s+It follows each moving latent", html)  # a space between the sentences


def test_forecast_of_a_constant_latent_says_it_does_not_move(make_workspace, tmp_path):
    root = make_workspace({"2025-02-01.csv": "r1,one,,,,0.6,0.3,0.2,0.8,0.3\n"})  # SCENARIO's latent w has no dynamics
    ws = beliefs.load_workspace(root)
    history = beliefs.compute_history(ws, engine="exact", draws=100, chains=2, horizon_days=30)
    out = write_report(beliefs.Analysis.of(ws, history), tmp_path / "out")
    html = (out / "index.html").read_text()
    assert "No latent changes over time in this model" in html
    assert "follows each moving latent" not in html
    assert "No latent changes over time in this model" in (out / "report.md").read_text()


def test_figures_are_drawn_at_twice_the_pixel_density_they_are_shown_at(default_report):
    import matplotlib.image

    page = Page((default_report / "index.html").read_text(encoding="utf-8"))
    assert page.images
    for image in page.images:
        height, width = matplotlib.image.imread(default_report / image["src"]).shape[:2]
        assert abs(width - 2 * int(image["width"])) <= 1 and abs(height - 2 * int(image["height"])) <= 1, image["src"]  # odd sizes round


def test_report_of_a_resolved_question_leads_with_the_outcome_and_drops_forecast_and_signposts(default_report_run):
    html = (default_report_run.report / "index.html").read_text(encoding="utf-8")
    answer = html[html.index('id="answer"'):html.index('id="latest"')]
    banner = answer[answer.index('id="resolved-banner"'):answer.index("</p>", answer.index('id="resolved-banner"'))]
    assert "This question has resolved:" in banner  # the default resolved as a close call, recorded as probabilities
    assert "“Raise the cost to Moscow” 50%" in banner and "offer Moscow concessions” 45%" in banner
    assert 'id="watch"' not in html and "Forecast for" not in html  # nothing left to forecast or watch for
    assert "This question has resolved" in (default_report_run.report / "report.md").read_text(encoding="utf-8")


def test_the_report_written_from_python_equals_the_commands(make_workspace, tmp_path):
    """`beliefs.write_report(beliefs.analyse(ws), out)` writes every section `beliefs report` writes:
    the same index.html, report.md, summary.json and figures, but for the time it was generated."""
    root = make_workspace({"2025-02-01.csv": "r1,first,https://example.org/1,0.9,why,0.8,0.3,0.4,0.7,0.2\n",
                           "2025-03-01.csv": "r2,second,,1,why,0.4,0.6,0.5,,\n"})
    (root / "indicators.csv").write_text("id,summary,rationale,reliability,p_a,p_b,p_c,p_w_yes,p_w_no\nx1,a sign,why,1,0.7,0.2,0.3,,\n",
                                         encoding="utf-8")
    command = run_beliefs("report", root, "--out", tmp_path / "cli", "--horizon", "6w", "--seed", "3")
    assert command.returncode == 0, command.stderr
    analysis = beliefs.analyse(root, beliefs.RunSettings(seed=3, horizon="6w"))
    assert analysis.watch.indicators[0].id == "x1" and analysis.robustness.settings.seed == 3
    folder = beliefs.write_report(analysis, tmp_path / "python")

    def read(side: Path, name: str) -> str:
        return re.sub(r"Generated(</dt><dd>|: )[^<\n]*", "Generated", (side / name).read_text(encoding="utf-8"))

    for name in ("index.html", "report.md", "summary.json"):
        assert read(folder, name) == read(tmp_path / "cli", name), name
    assert "What to watch" in read(folder, "index.html") and "How robust is this" in read(folder, "index.html")
    assert sorted(p.name for p in (folder / "figures").iterdir()) == sorted(p.name for p in (tmp_path / "cli" / "figures").iterdir())


def test_the_old_call_still_writes_a_report_and_says_it_is_deprecated(small_setup):
    ws, history, out = small_setup
    with pytest.warns(DeprecationWarning, match=r"beliefs\.analyse"):
        folder = write_report(ws, history, out)
    assert "How robust is this" not in (folder / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("engine", ["exact", "nuts"])
def test_each_engine_words_its_own_method_and_the_report_prints_its_words(engine, make_workspace, tmp_path):
    """The report's paragraph on the engine is the engine's `describe` (no method name is branched
    on outside the engine's file); a workspace with no latent is closed form for both."""
    from beliefs.inference.engines import engine_class

    root = make_workspace({"2025-02-01.csv": "id,summary,reliability,p_a,p_b,p_c\nr1,One,1,0.6,0.3,0.1\n"},
                          scenario=SCENARIO_WITHOUT_LATENTS)
    ws = beliefs.load_workspace(root)
    history = beliefs.compute_history(ws, engine=engine)
    assert history.method == "closed form" and history.hypotheses_exact
    assert history.method_text == engine_class(engine).describe("closed form", history.settings, ws.scenario)
    assert history.method_text.startswith(f"The numbers were computed exactly by the {engine} engine")
    folder = write_report(beliefs.Analysis.of(ws, history), tmp_path / "out")
    assert history.method_text.replace("'", "&#39;") in (folder / "index.html").read_text(encoding="utf-8")
    assert "computed exactly by the" in engine_class("exact").describe("grid", {"grid_points": 11, "draws": 1, "chains": 1}, ws.scenario)
