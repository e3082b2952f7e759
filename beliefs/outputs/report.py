"""The publishable report: one self-contained folder from a workspace and its posterior history.

`write_report` writes `index.html`, `report.md`, `figures/*.png|svg`, `history.nc` and
`summary.json` (the exact text of `beliefs update --json`). The report reads the history
and the workspace and computes no posterior of its own.

Writing is atomic: everything is built in a hidden folder beside the target, then swapped
in with one rename (Linux's `renameat2(RENAME_EXCHANGE)` where available, two renames
otherwise), so an interrupted run leaves the previous report as it was. Because the target
folder is replaced whole, `write_report` refuses a non-empty folder that it did not write.

Analyst text is escaped everywhere: Jinja2's autoescape in the HTML, a Markdown escape in
`report.md`. A source becomes a link only when the whole cell is an http or https URL.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2
import numpy as np

from beliefs.errors import Problem, WorkspaceError
from beliefs.inference.forecast import Forecast, forecast
from beliefs.inference.influence import format_llr, row_influence, rows_of_step, strongest_effect
from beliefs.inputs.workspace import Workspace
from beliefs.outputs.wording import SCALE, SCALE_NAME, estimative_word, percent
from beliefs.results.history import PosteriorHistory

REPORT_DIR = "reports"
MARKER = ".beliefs-report"
FIGURE_DPI = 110
PACKAGES = ("beliefs", "pymc", "pytensor", "arviz", "arviz-plots", "xarray", "numpy", "matplotlib")
STALE_SECONDS = 3600


# -- links and escaping --------------------------------------------------------------------
def safe_url(source: str) -> str | None:
    """The source as a URL when the whole cell is an http(s) URL with a host, else None.

    Anything else (plain text, `javascript:`, `data:`, a URL with spaces or control
    characters) stays text: only these two schemes can become links in the report.
    """
    text = (source or "").strip()
    if not text or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text) or any(ch in text for ch in "<>\"'`\\"):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    return text


# Inline Markdown punctuation; block syntax (#, -, +, 1.) cannot occur because the template never starts a line with a value.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


class MdRaw(str):
    """Markdown that the report built itself (links, images) and must not be escaped."""


def md_escape(value) -> str:
    """Analyst text as inert Markdown: HTML special characters as entities, Markdown
    punctuation backslash-escaped, line breaks as spaces (so a cell cannot start a block)."""
    if isinstance(value, MdRaw):
        return str(value)
    if value is None:
        return ""
    text = re.sub(r"\s+", " ", str(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_link(text: str, url: str) -> MdRaw:
    """A Markdown link whose destination is percent-encoded (no spaces, parentheses or brackets)."""
    destination = quote(url, safe=":/?#@!$&'*+,;=%~.-_")
    return MdRaw(f"[{md_escape(text)}](<{destination}>)")


def row_anchors(ids: list[str]) -> dict[str, str]:
    """An HTML id for each row id: letters, digits, - and _ only, unique even when two ids differ only in other characters."""
    anchors: dict[str, str] = {}
    used: set[str] = set()
    for row_id in ids:
        base = "row-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", row_id).strip("-") or "x")
        anchor, n = base, 1
        while anchor in used:
            n += 1
            anchor = f"{base}-{n}"
        used.add(anchor)
        anchors[row_id] = anchor
    return anchors


# -- what goes into the report --------------------------------------------------------------
@dataclass
class FigureRef:
    """One figure: its file stem under figures/, its alt text and caption."""

    stem: str
    alt: str
    caption: str = ""

    @property
    def png(self) -> str:
        return f"figures/{self.stem}.png"

    @property
    def svg(self) -> str:
        return f"figures/{self.stem}.svg"

    def md_image(self) -> MdRaw:
        return MdRaw(f"![{md_escape(self.alt)}]({self.png})")


def effect_sentence(kind: str, name: str, value: float, labels: dict[str, str]) -> str:
    """One row's strongest push in words, e.g. "favours Raise the cost to Moscow (2.3 times as likely as under the others)"."""
    label = labels.get(name, name)
    if math.isinf(value):
        if kind == "hypothesis":
            return f"{'favours' if value > 0 else 'rules out'} {label} (impossible under {'the others' if value > 0 else 'it'})"
        return f"{'raises' if value > 0 else 'lowers'} {label} (impossible at the other extreme)"
    ratio = math.exp(value)
    if kind == "hypothesis":
        if value >= 0:
            return f"favours {label} ({ratio:.2f} times as likely under it as under the others)"
        return f"counts against {label} ({1 / ratio:.2f} times as likely under the others as under it)"
    direction = "raises" if value >= 0 else "lowers"
    return f"{direction} {label} (likelihood ratio high : low = {ratio:.2f})"


def _git_state(root: Path) -> dict | None:
    """The workspace's git commit and whether its files differ from it; None outside git."""
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False)
        if commit.returncode != 0:
            return None
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "scenario.toml", "evidence"],
                                capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None}


def _versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def build_context(workspace: Workspace, history: PosteriorHistory, influence, now: dt.datetime) -> dict:
    """The data both templates render (figures are named here and drawn by `write_report`)."""
    scenario = workspace.scenario
    labels = history.labels
    ds = history.dataset
    probs = history.hypothesis_probability
    last = history.n_steps - 1
    steps = workspace.steps
    if len(steps) != history.n_steps or history.hypotheses != scenario.hypothesis_names or history.latents != scenario.latent_names:
        raise ValueError("the history does not belong to this workspace (steps, hypotheses or latents differ); recompute it")
    prior = scenario.prior_probabilities

    def hypotheses_at(step: int) -> list[dict]:
        items = []
        for h in history.hypotheses:
            p = float(probs.sel(step=step, hypothesis=h))
            before = float(probs.sel(step=max(step - 1, 0), hypothesis=h))
            items.append({
                "name": h, "label": labels[h], "value": p, "value_text": f"{p:.6f}", "percent": percent(p), "word": estimative_word(p),
                "before": before, "before_percent": percent(before), "change": f"{100 * (p - before):+.1f}".replace("-", "−"),
                "prior_percent": percent(prior[h]),
            })
        return items

    def latents_at(step: int) -> list[dict]:
        items = []
        for name in history.latents:
            mean, q05, q95 = (float(ds[f"latent_{q}"].sel(step=step, latent=name)) for q in ("mean", "q05", "q95"))
            before = float(ds["latent_mean"].sel(step=max(step - 1, 0), latent=name))
            items.append({"name": name, "label": labels[name], "mean": f"{mean:.3f}", "q05": f"{q05:.3f}", "q95": f"{q95:.3f}",
                          "before": f"{before:.3f}", "change": f"{mean - before:+.3f}".replace("-", "−"), "mean_value": mean})
        return items

    def effects(row_id: str) -> list[dict]:
        one = influence.sel(row=row_id)
        out = []
        if bool(one["bears_on_hypotheses"]):
            out += [{"name": h, "value": format_llr(float(one["hypothesis_llr"].sel(hypothesis=h)))} for h in history.hypotheses]
        out += [{"name": f"{n} ↑", "value": format_llr(float(one["latent_llr"].sel(latent=n)))}
                for n in history.latents if bool(one["bears_on_latent"].sel(latent=n))]
        return out

    anchors = row_anchors([row.id for row in workspace.rows])

    def evidence(step) -> list[dict]:
        rows = []
        for row in step.rows:
            strongest = strongest_effect(influence, row.id)
            rows.append({
                "id": row.id, "anchor": anchors[row.id], "summary": row.summary, "source": row.source, "url": safe_url(row.source),
                "reliability": f"{row.reliability:g}", "rationale": row.rationale, "file": row.path.name if row.path else "",
                "effects": effects(row.id), "strongest": effect_sentence(*strongest, labels) if strongest else "moves nothing",
            })
        return rows

    nuts = "rhat" in ds
    step_items = []
    for step in steps[1:]:
        k = step.index
        item = {
            "index": k, "date": history.dates[k], "anchor": f"step-{k}",
            "files": sorted({row.path.name for row in step.rows if row.path}),
            "hypotheses": hypotheses_at(k), "latents": latents_at(k), "rows": evidence(step),
            "figure": FigureRef(f"step-{k:02d}", _step_alt(history, k, step.rows), ""),
            "latent_figure": FigureRef(f"latents-step-{k:02d}", _latent_step_alt(history, k)) if history.latents else None,
        }
        item["diagnostics"] = _diagnostics_at(history, k) if nuts else None
        step_items.append(item)

    latest_rows = rows_of_step(influence, last)
    latest = {
        "index": last, "date": history.dates[last], "hypotheses": hypotheses_at(last), "latents": latents_at(last),
        "rows": [next(r for r in step_items[-1]["rows"] if r["id"] == str(rid)) for rid in latest_rows["row"].values] if last else [],
    }
    answer = sorted(hypotheses_at(last), key=lambda item: -item["value"])
    figures = {
        "timeline": FigureRef("timeline", _timeline_alt(history), "Probability of each hypothesis after every step. Grey lines mark the dates "
                              "of new evidence; the right-hand axis names the estimative band."),
        "latents": FigureRef("latents", _latents_alt(history), "Mean of each latent with its 90% interval after every step; the dashed line "
                             "is the prior mean.") if history.latents else None,
        "influence": FigureRef("influence", _influence_alt(influence, labels), "Each row's log likelihood ratio for each hypothesis (against the "
                               "others) and each latent (high against low), after reliability. 0 = no push; ±0.69 = twice as likely."),
    }
    if nuts:
        figures["diagnostics"] = FigureRef("diagnostics", "Line charts of R-hat, effective sample size and divergences of the NUTS sampler "
                                           "at every step.", "NUTS diagnostics at every step.")
        unconverged = [k for k in _unconverged(history) if k != last] if history.latents else []
        figures["diagnostics_steps"] = [
            FigureRef(f"diagnostics-step-{k:02d}", f"ArviZ rank plot and ESS plot of the latents at step {k}, which did not converge.",
                      f"Step {k} ({history.dates[k]}): ArviZ rank plot and ESS by quantile.") for k in unconverged
        ]
        figures["diagnostics_latest"] = FigureRef(f"diagnostics-step-{last:02d}", "ArviZ rank plot and ESS plot of the latents at the latest step.",
                                                  "ArviZ rank plot (one line per chain) and ESS by quantile at the latest step.") \
            if history.latents else None
    git = _git_state(workspace.root)
    settings = json.loads(ds.attrs.get("engine_settings", "{}"))
    return {
        "title": history.title,
        "generated": now.strftime("%Y-%m-%d %H:%M:%S %Z").strip(),
        "n_rows": len(workspace.rows),
        "n_steps": last,
        "prior_date": history.dates[0],
        "answer": answer,
        "latents_now": latents_at(last),
        "latest": latest,
        "steps": step_items,
        "figures": figures,
        "scale": [{"word": b.word, "range": b.range_text} for b in SCALE],
        "scale_name": SCALE_NAME,
        "priors": {
            "hypotheses": [{"name": h, "label": labels[h], "raw": scenario.hypotheses[h].prior, "percent": percent(prior[h]),
                            "word": estimative_word(prior[h])} for h in history.hypotheses],
            "latents": [{"name": n, "label": labels[n], "alpha": f"{scenario.latents[n].prior.alpha:g}", "beta": f"{scenario.latents[n].prior.beta:g}",
                         "mean": f"{scenario.latents[n].prior.mean:.3f}", "q05": f"{float(ds['latent_q05'].sel(step=0, latent=n)):.3f}",
                         "q95": f"{float(ds['latent_q95'].sel(step=0, latent=n)):.3f}", "moves": _moving(scenario.latents[n]),
                         "volatility": f"{getattr(scenario.latents[n], 'volatility', 0.0):g}",
                         "drift": ", ".join(f"{h} {d:+g}" for h, d in getattr(scenario.latents[n], "drift", {}).items()) or "none"}
                        for n in history.latents],
        },
        "engine": history.engine,
        "method": method_paragraphs(scenario, history.engine, settings, ds.attrs.get("seed", 0)),
        "hypotheses_exact": _hypotheses_exact(scenario, history.engine),
        "settings": ", ".join(f"{k} {v}" for k, v in sorted(settings.items())),
        "seed": ds.attrs.get("seed", ""),
        "nuts": nuts,
        "diagnostics_summary": _diagnostics_summary(history) if nuts else None,
        "latest_unconverged": last in _unconverged(history),
        "versions": _versions(),
        "git": git,
        "workspace": str(workspace.root.resolve()),
        "command": f"beliefs report {workspace.root} --engine {history.engine} --seed {ds.attrs.get('seed', 0)}",
    }


def _moving(latent) -> bool:
    return bool(getattr(latent, "volatility", 0.0) or any(getattr(latent, "drift", {}).values()))


def _drifting(latent) -> bool:
    return any(getattr(latent, "drift", {}).values())


def _hypotheses_exact(scenario, engine: str) -> bool:
    """True when P(H | rows) does not depend on sampling: the exact engine, or no latent whose drift depends on H."""
    return engine == "exact" or not any(_drifting(latent) for latent in scenario.latents.values())


def method_paragraphs(scenario, engine: str, settings: dict, seed) -> list[str]:
    """The method in plain words, as paragraphs of plain text (the templates escape them)."""
    paragraphs = [
        "The hypotheses are mutually exclusive answers to the question, each with a prior probability. Every evidence row says how likely "
        "that observation would be if each hypothesis were true; Bayes' rule then multiplies each hypothesis's probability by that likelihood "
        "and rescales them to add up to one. Rows are taken in date order, one step per date, so each step shows what that day's evidence did.",
        "A row's reliability r says how far the report can be trusted: with probability 1 − r it is treated as noise, which pulls its "
        "likelihoods toward their average and so weakens its push without changing its direction.",
    ]
    if scenario.latents:
        paragraphs.append(
            "The latents are unknown proportions between 0 and 1 (such as how ready one side is to make a deal), each with a Beta prior. A row "
            "that bears on a latent gives the observation's likelihood if the latent were high (1) and if it were low (0); its likelihood in "
            "between is the straight line between the two.")
    for name, latent in scenario.latents.items():
        if not _moving(latent):
            continue
        label = scenario.label(name)
        text = (f"{label} is allowed to change over time: each month its log-odds take a random step with standard deviation "
                f"{getattr(latent, 'volatility', 0.0):g}")
        drift = {h: d for h, d in getattr(latent, "drift", {}).items() if d}
        if drift:
            text += (", drifting by " + ", ".join(f"{d:+g} a month under “{scenario.label(h)}”".replace("-", "−") for h, d in drift.items())
                     + ". Because the drift depends on the hypothesis, evidence about this latent also tells the hypotheses apart: "
                     "a latent that moves the way one answer predicts raises that answer's probability. The row-by-row pushes in this "
                     "report show each row's direct effect; this indirect effect comes on top")
        paragraphs.append(text + ".")
    if engine == "exact":
        how = (f"The numbers were computed exactly (up to a grid of {settings.get('grid_points', 'many')} points per latent) from the model's own "
               "log-density, with independent draws taken from the exact posterior for the plots.")
    else:
        how = (f"The latents were sampled with NUTS (PyMC's Hamiltonian Monte Carlo sampler): {settings.get('chains', '?')} chains of "
               f"{settings.get('draws', '?')} draws after {settings.get('tune', '?')} tuning steps at every dated step.")
        how += (" The hypotheses' probabilities are nonetheless exact: no latent's drift depends on them." if _hypotheses_exact(scenario, engine)
                else " The hypotheses' probabilities are averaged over those draws, so they carry a small sampling error.")
    paragraphs.append(how + f" Everything comes from one PyMC model of the analyst's files, with seed {seed}; the same files, engine and seed "
                      "give the same numbers.")
    paragraphs.append("The numbers are only as good as the likelihoods the analyst wrote: the model makes her judgements consistent with each "
                      "other and with the evidence, and shows which rows carry the conclusion, so that those can be checked first.")
    return paragraphs


def _diagnostics_at(history: PosteriorHistory, step: int) -> dict:
    ds = history.dataset.sel(step=step)
    per_latent = [{"name": n, "rhat": f"{float(ds['rhat'].sel(latent=n)):.3f}", "ess_bulk": f"{float(ds['ess_bulk'].sel(latent=n)):.0f}",
                   "ess_tail": f"{float(ds['ess_tail'].sel(latent=n)):.0f}"} for n in history.latents]
    converged = bool(ds["converged"]) if "converged" in ds else None
    attempts = int(ds["attempts"]) if "attempts" in ds else None
    return {"latents": per_latent, "divergences": int(ds["divergences"]), "converged": converged, "attempts": attempts}


def _unconverged(history: PosteriorHistory) -> list[int]:
    """Steps whose NUTS chains failed the engine's convergence checks (empty for the exact engine)."""
    return list(getattr(history, "unconverged_steps", []) or [])


def _diagnostics_summary(history: PosteriorHistory) -> dict:
    ds = history.dataset
    worst_rhat = float(ds["rhat"].max()) if ds["rhat"].size else float("nan")
    least_ess = float(np.minimum(ds["ess_bulk"], ds["ess_tail"]).min()) if ds["ess_bulk"].size else float("nan")
    divergences = int(ds["divergences"].sum())
    unconverged = _unconverged(history)
    ok = (not ds["rhat"].size or worst_rhat <= 1.01) and (not ds["ess_bulk"].size or least_ess >= 400) and divergences == 0 and not unconverged
    return {"worst_rhat": f"{worst_rhat:.3f}", "least_ess": f"{least_ess:.0f}", "divergences": divergences, "ok": ok,
            "unconverged": [{"index": k, "date": history.dates[k], "anchor": f"step-{k}"} for k in unconverged]}


# -- alt text: what a reader who cannot see the figure needs to know ----------------------------
def _timeline_alt(history: PosteriorHistory) -> str:
    probs = history.hypothesis_probability
    labels = history.labels
    parts = [f"{labels[h]} from {percent(float(probs.isel(step=0).sel(hypothesis=h)))} to {percent(float(probs.isel(step=-1).sel(hypothesis=h)))}"
             for h in history.hypotheses]
    return f"Line chart of each hypothesis's probability from {history.dates[0]} to {history.dates[-1]}: " + "; ".join(parts) + "."


def _latents_alt(history: PosteriorHistory) -> str:
    ds = history.dataset
    parts = [f"{history.labels[n]}: mean from {float(ds['latent_mean'].isel(step=0).sel(latent=n)):.3f} to "
             f"{float(ds['latent_mean'].isel(step=-1).sel(latent=n)):.3f}, 90% interval now {float(ds['latent_q05'].isel(step=-1).sel(latent=n)):.3f}"
             f" to {float(ds['latent_q95'].isel(step=-1).sel(latent=n)):.3f}" for n in history.latents]
    return "Line chart of each latent's mean and 90% interval over time. " + "; ".join(parts) + "."


def _influence_alt(influence, labels: dict[str, str]) -> str:
    n = influence.sizes["row"]
    if not n:
        return "Matrix of the evidence rows' push on each hypothesis: there is no evidence yet."
    values = np.abs(np.where(np.isfinite(influence["hypothesis_llr"].values), influence["hypothesis_llr"].values, 0.0))
    i, j = np.unravel_index(int(np.argmax(values)), values.shape) if values.size else (0, 0)
    row = str(influence["row"].values[i])
    h = str(influence["hypothesis"].values[j]) if values.size else ""
    strongest = f" The strongest push on a hypothesis is row {row} on {labels.get(h, h)} ({format_llr(float(influence['hypothesis_llr'].values[i, j]))})." \
        if values.size and values.max() > 0 else ""
    return f"Matrix of the log likelihood ratio of each of {n} evidence rows for each hypothesis and latent.{strongest}"


def _step_alt(history: PosteriorHistory, step: int, rows) -> str:
    probs = history.hypothesis_probability
    parts = [f"{history.labels[h]} {percent(float(probs.sel(step=step - 1, hypothesis=h)))} to {percent(float(probs.sel(step=step, hypothesis=h)))}"
             for h in history.hypotheses]
    return (f"Bar chart of step {step} ({history.dates[step]}), before and after: " + "; ".join(parts)
            + f". Beside it, the push of the step's {len(rows)} row(s): " + ", ".join(r.id for r in rows) + ".")


def _latent_step_alt(history: PosteriorHistory, step: int) -> str:
    ds = history.dataset
    parts = [f"{history.labels[n]}: posterior mean {float(ds['latent_mean'].sel(step=step, latent=n)):.3f} "
             f"(90% interval {float(ds['latent_q05'].sel(step=step, latent=n)):.3f} to {float(ds['latent_q95'].sel(step=step, latent=n)):.3f}), "
             f"prior mean {float(ds['latent_mean'].sel(step=0, latent=n)):.3f}" for n in history.latents]
    return f"Density curves of each latent's prior and its posterior after step {step}. " + "; ".join(parts) + "."


# -- drawing and writing ---------------------------------------------------------------------
def _save(figure, folder: Path, stem: str) -> None:
    """Save a Figure or an ArviZ PlotCollection as PNG and SVG, then release it."""
    import matplotlib.pyplot as plt

    from beliefs.outputs.plots import figure_of

    fig = figure_of(figure)
    fig.savefig(folder / f"{stem}.png", dpi=FIGURE_DPI, metadata={"Software": None})
    fig.set_layout_engine("none")  # keep the layout the PNG computed: the same figure, drawn once more, faster
    fig.savefig(folder / f"{stem}.svg", metadata={"Date": None})
    plt.close(fig)  # ArviZ figures are registered with pyplot; ours are not, which this ignores


def _environment() -> tuple[jinja2.Environment, jinja2.Environment]:
    loader = jinja2.PackageLoader("beliefs.outputs", "templates")
    html = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    md = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                            finalize=md_escape)
    md.filters["link"] = md_link
    md.filters["raw"] = MdRaw
    md.filters["image"] = lambda figure: figure.md_image()
    return html, md


def _figure_jobs(workspace: Workspace, history: PosteriorHistory, context: dict, influence, ahead: Forecast | None) -> list[tuple[str, Callable]]:
    from beliefs import plots

    figures = context["figures"]
    jobs: list[tuple[str, Callable]] = [
        (figures["timeline"].stem, lambda: plots.plot_timeline(history)),
        (figures["influence"].stem, lambda: plots.plot_influence(history, workspace, influence=influence)),
    ]
    if figures["latents"]:
        jobs.append((figures["latents"].stem, lambda: plots.plot_latent_timeline(history, ahead)))
    if figures.get("diagnostics"):
        jobs.append((figures["diagnostics"].stem, lambda: plots.plot_diagnostics_timeline(history)))
    for figure in figures.get("diagnostics_steps", []):
        k = int(figure.stem.rsplit("-", 1)[1])
        jobs.append((figure.stem, lambda k=k: plots.plot_diagnostics(history, k)))
    if figures.get("diagnostics_latest"):
        jobs.append((figures["diagnostics_latest"].stem, lambda: plots.plot_diagnostics(history, history.n_steps - 1)))
    for item in context["steps"]:
        k = item["index"]
        jobs.append((item["figure"].stem, lambda k=k: plots.plot_step(history, k, workspace, influence=influence)))
        if item["latent_figure"]:
            jobs.append((item["latent_figure"].stem, lambda k=k: plots.plot_latent_step(history, k)))
    return jobs


def write_report(
    workspace: Workspace,
    history: PosteriorHistory,
    out_dir: str | Path | None = None,
    *,
    horizon_days: int = 30,
    on_progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write the report folder (default `WORKSPACE/reports/`) atomically; return its path.

    The latents' timeline ends with a forecast fan `horizon_days` past the last step.

    `on_progress(done, total)` is called after each figure. If anything fails or is
    interrupted, the previous report stays untouched and the half-built folder is removed.
    """
    import matplotlib as mpl

    target = Path(out_dir) if out_dir is not None else workspace.root / REPORT_DIR
    target = target.absolute()
    _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    influence = row_influence(workspace)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ahead = forecast(history, workspace.scenario, horizon_days, seed=int(history.dataset.attrs["seed"])) if history.latents else None
    context = build_context(workspace, history, influence, now)
    context["forecast"] = _forecast_rows(ahead, history.labels) if ahead else None
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    building.chmod(0o777 & ~_umask())  # mkdtemp makes it private; a report is meant to be shared
    try:
        figures_dir = building / "figures"
        figures_dir.mkdir()
        jobs = _figure_jobs(workspace, history, context, influence, ahead)
        with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "beliefs"}):
            for done, (stem, draw) in enumerate(jobs, start=1):
                _save(draw(), figures_dir, stem)
                if on_progress:
                    on_progress(done, len(jobs))
        html, md = _environment()
        (building / "index.html").write_text(html.get_template("index.html.j2").render(**context), encoding="utf-8")
        (building / "report.md").write_text(md.get_template("report.md.j2").render(**context), encoding="utf-8")
        (building / "summary.json").write_text(history.to_json(), encoding="utf-8")
        history.to_netcdf(building / "history.nc")
        (building / MARKER).write_text("Written by `beliefs report`, which replaces this folder whole on every run.\n", encoding="utf-8")
        _swap_in(building, target)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def _forecast_rows(ahead: Forecast, labels: dict[str, str]) -> dict:
    """The forecast at its horizon, formatted like the latents' table."""
    latents = [{"name": name, "label": labels.get(name, name), "mean": f"{ahead.mean[-1, j]:.3f}", "q05": f"{ahead.q05[-1, j]:.3f}",
                "q95": f"{ahead.q95[-1, j]:.3f}"} for j, name in enumerate(ahead.latents)]
    return {"date": ahead.dates[-1].isoformat(), "latents": latents}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _check_replaceable(target: Path) -> None:
    """Refuse to replace a folder that holds anything but a previous report."""
    if target.exists() and not target.is_dir():
        raise WorkspaceError([Problem(target, "exists and is not a folder; give --out a folder for the report")])
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists():
        raise WorkspaceError([Problem(target, "is a non-empty folder that `beliefs report` did not write; the report replaces its folder "
                                              "whole, so choose an empty or new folder with --out")])


def _remove_stale(target: Path) -> None:
    """Remove half-built folders left beside `target` by runs that were killed over an hour ago."""
    cutoff = time.time() - STALE_SECONDS
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for path in target.parent.glob(pattern):
            try:
                if path.is_dir() and path.stat().st_mtime < cutoff:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2(RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _swap_in(building: Path, target: Path) -> None:
    """Put `building` at `target`; the previous `target` ends up at `building` (removed by the caller)."""
    if not target.exists():
        os.rename(building, target)
        building.mkdir()  # the caller removes `building`; keep that a no-op
        return
    if _exchange(building, target):
        return
    # Fallback: two renames. Only between them is `target` briefly absent; its old contents are safe at `old`.
    old = target.parent / f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}"
    os.rename(target, old)
    try:
        os.rename(building, target)
    except BaseException:
        os.rename(old, target)
        raise
    os.rename(old, building)
