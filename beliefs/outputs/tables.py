"""Tables for the terminal: the posterior after every step, a what-if preview, and the scores
of resolved questions with their calibration. Rich renders them; they read the JSON summaries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from beliefs.errors import literal
from beliefs.outputs.wording import outcome_words, point_change, signed

if TYPE_CHECKING:
    from beliefs.results.robustness import Robustness, Watch


def _number(value, digits: int = 3) -> str:
    return "∞" if value is None else f"{value:.{digits}f}"


def scores_table(report: dict) -> Table:
    """Each workspace's time-weighted Brier and log score, with its baselines and its most helpful
    and most harmful rows (lower scores are better)."""
    table = Table(title="Scores of the path of beliefs (time-weighted; lower is better)", title_justify="left")
    table.add_column("workspace", overflow="fold")
    table.add_column("outcome", overflow="fold")
    table.add_column("Brier\n(prior · uniform)", justify="right")
    table.add_column("log score, bits\n(prior · uniform)", justify="right")
    table.add_column("rows that helped most · hurt most", overflow="fold")
    for entry in report["workspaces"]:
        if entry["status"] != "resolved":
            todo = (f"unresolved, by {entry['by']}: set outcome (and resolved_on) in [resolution] once known" if entry.get("by")
                    else "no [resolution] table: add one with by, [resolution.criteria], and outcome and resolved_on once known")
            table.add_row(literal(entry["workspace"]), escape(todo), "", "", "")
            continue
        weighted, base, rows = entry["time_weighted"], entry["baselines"], entry["rows"]
        extremes = " · ".join(f"{literal(row['id'])} {_signed(row['contribution_bits'])}" for row in ([rows[0], rows[-1]] if len(rows) > 1 else rows))
        table.add_row(literal(entry["workspace"]), f"{outcome_words(entry['outcome'])}, {entry['resolved_on']}" + _record_note(entry),
                      f"{_number(weighted['brier'])}\n({_number(base['prior']['brier'])} · {_number(base['uniform']['brier'])})",
                      f"{_number(weighted['log_score'])}\n({_number(base['prior']['log_score'])} · {_number(base['uniform']['log_score'])})",
                      extremes)
    portfolio = report["portfolio"]
    if portfolio["resolved"]:
        share = portfolio.get("hindcast_share")
        table.caption = (f"{portfolio['resolved']} resolved: mean Brier {_number(portfolio['brier'])}, mean log score "
                         f"{_number(portfolio['log_score'])} bits"
                         + (f"; {100 * share:.0f}% of the scored days (of the questions under git) are hindcast" if share is not None else
                            "; not under git: hindcasts cannot be told from forecasts")
                         + ". A row's contribution is its weighted log likelihood ratio for the outcome against the other hypotheses, "
                         "in bits: positive rows helped.")
    return table


def _record_note(entry: dict) -> str:
    """What the score rests on, from git: the hindcast share, the real-time score, late criteria."""
    notes = []
    if entry.get("hindcast_share") is not None:
        notes.append(f"hindcast: {100 * entry['hindcast_share']:.0f}% of the score")
    if entry.get("real_time"):
        notes.append(f"as published: Brier {_number(entry['real_time']['time_weighted']['brier'])}")
    if entry.get("preregistered") is False:
        notes.append(f"criteria written {entry['criteria_changed_on']}, after the fact")
    if entry.get("calibrated"):
        tempered = entry["calibrated"]["time_weighted"]
        notes.append(f"calibrated: Brier {_number(tempered['brier'])}, log {_number(tempered['log_score'])} bits")
    return "".join(f"\n{note}" for note in notes)


def _signed(value) -> str:
    return "∞" if value is None else signed(value, 2)


def calibration_table(portfolio: dict) -> Table:
    """The calibration bins (weighted by days) and the Murphy decomposition of the binary Brier score."""
    murphy = portfolio["murphy"]
    table = Table(title="Calibration: every step's probability for every hypothesis, weighted by the days it was held", title_justify="left",
                  caption=f"Murphy decomposition of the binary Brier score: reliability {murphy['reliability']:.4f} (lower is better), "
                          f"resolution {murphy['resolution']:.4f} (higher is better), uncertainty {murphy['uncertainty']:.4f}.")
    for column in ("forecast bin", "mean forecast", "observed", "days"):
        table.add_column(column, justify="right")
    for row in portfolio["calibration"]:
        if row["weight"]:
            table.add_row(f"{row['low']:.1f}–{row['high']:.1f}", f"{row['forecast']:.3f}", f"{row['observed']:.3f}", f"{row['weight']:.0f}")
    return table


def calibrate_table(result: dict) -> Table:
    """`beliefs calibrate`: alpha (by kind or overall) with its interval, and each question's log
    score as judged (alpha = 1), at alpha, and with alpha fitted on the other questions."""
    interval = result["interval"]
    if result["by"] == "all":
        fitted = f"alpha = {result['alpha']:.2f} ({100 * interval['level']:.0f}% interval {interval['low']:.2f} to {interval['high']:.2f})"
    else:
        fitted = "alpha by kind: " + ", ".join(f"{kind or 'unclassified'} {a:.2f} ({interval['low'][kind]:.2f} to {interval['high'][kind]:.2f})"
                                               for kind, a in result["alpha"].items())
    table = Table(title=f"Calibration: {fitted}", title_justify="left")
    for column, justify in (("question", "left"), ("rows", "right"), ("log score at 1", "right"), ("at alpha", "right"),
                            ("left out: alpha", "right"), ("left out: score", "right")):
        table.add_column(column, justify=justify, overflow="fold")
    held_out = {entry["workspace"]: entry for entry in result["leave_one_out"]["questions"]}
    for question in result["questions"]:
        out = held_out.get(question["workspace"])
        alpha = "" if out is None else (f"{out['alpha']:.2f}" if result["by"] == "all" else
                                        " ".join(f"{a:.2f}" for a in out["alpha"].values()))
        table.add_row(literal(question["workspace"]), str(question["rows"]), _number(question["log_score_at_1"]), _number(question["log_score"]),
                      alpha, "" if out is None else _number(out["log_score"]))
    loo = result["leave_one_out"]["log_score"]
    n = len(result["questions"])
    held = f", {_number(loo)} with each question's alpha fitted on the others" if loo is not None else ""
    table.caption = (f"Summed over {n} question{'s' if n != 1 else ''}: {_number(result['log_score_at_1'])} bits as judged, "
                     f"{_number(result['log_score'])} at alpha" + held
                     + f". The interval is a bootstrap over questions ({interval['replicates']} resamples); with few questions it is wide"
                     + (f"; skipped (unresolved): {literal(', '.join(result['skipped']))}" if result["skipped"] else "") + ".")
    return table


def summary_table(summary: dict, scenario) -> Table:
    """The terminal view: one line per step, probabilities in percent, latents with 90% bands."""
    table = Table(title=f"{literal(summary['title'])}  [dim](engine: {summary['engine']})[/]", title_justify="left")
    table.add_column("step", justify="right")
    table.add_column("date", no_wrap=True)
    table.add_column("rows", justify="right", no_wrap=True)
    for name in scenario.hypothesis_names:
        table.add_column(name, justify="right", no_wrap=True)
    at_by = any("hypotheses_at_by" in step for step in summary["steps"])  # a switching line: also the forecast for `by`
    for name in scenario.hypothesis_names if at_by else []:
        table.add_column(f"{name}\nat by", justify="right", no_wrap=True, style="dim")
    for name in scenario.latent_names:
        table.add_column(name if scenario.latents[name].is_state else f"{name} (90%)", justify="right", no_wrap=True)
    for index, step in enumerate(summary["steps"]):
        cells = [str(index), step["date"], str(len(step["evidence"]))]
        cells += [f"{100 * p:.1f}%" for p in step["hypotheses"].values()]
        if at_by:
            cells += [f"{100 * p:.1f}%" for p in step["hypotheses_at_by"].values()] if "hypotheses_at_by" in step \
                else [""] * len(scenario.hypothesis_names)
        cells += [_latent_cell(s) for s in step["latents"].values()]
        table.add_row(*cells)
    if "forecast" in summary:
        ahead = summary["forecast"]
        cells = ["→", ahead["date"], "", *([""] * len(scenario.hypothesis_names) * (2 if at_by else 1))]
        cells += [_latent_cell(s) for s in ahead["latents"].values()]
        table.add_row(*cells, style="italic")
    legend = "; ".join(f"{name} = {literal(scenario.label(name))}" for name in scenario.hypothesis_names + scenario.latent_names)
    if at_by:
        legend += (f". The line can switch: a, b, ... are the line held on each step's date; 'at by' the forecast of the line held "
                   f"on {scenario.resolution.by}, what the question asks").replace("a, b, ...", ", ".join(scenario.hypothesis_names[:2]) + ", ...")
    table.caption = legend
    table.caption_justify = "left"
    return table




def _latent_cell(entry: dict) -> str:
    """A latent in the table: a state's probability, or a propensity's mean with its 90% band."""
    if "probability" in entry:
        return f"P = {100 * entry['probability']:.1f}%"
    return f"{entry['mean']:.3f} ({entry['q05']:.2f}–{entry['q95']:.2f})"


def what_if_table(now: dict, after: dict, scenario, summary: str) -> Table:
    """Current posterior, previewed posterior (at the last step) and the change, one line per hypothesis and latent."""
    then = after["steps"][-1]
    table = Table(title=f"What if: {literal(summary)}  [dim](engine: {after['engine']})[/]", title_justify="left")
    table.add_column("")
    table.add_column(f"now\n{now['date']}", justify="right", no_wrap=True)
    table.add_column(f"with the row\n{then['date']}", justify="right", no_wrap=True)
    table.add_column("change", justify="right", no_wrap=True)
    for name in scenario.hypothesis_names:
        a, b = now["hypotheses"][name], then["hypotheses"][name]
        table.add_row(f"{name}\n[dim]{literal(scenario.label(name))}[/]", f"{100 * a:.1f}%", f"{100 * b:.1f}%", f"{point_change(a, b)} pts")
    if "hypotheses_at_by" in now and "hypotheses_at_by" in then:  # a switching line: the question asks about `by`
        for name in scenario.hypothesis_names:
            a, b = now["hypotheses_at_by"][name], then["hypotheses_at_by"][name]
            table.add_row(f"{name} on {scenario.resolution.by}\n[dim]the line held then (forecast)[/]", f"{100 * a:.1f}%", f"{100 * b:.1f}%",
                          f"{point_change(a, b)} pts")
    for name in scenario.latent_names:
        a, b = now["latents"][name], then["latents"][name]
        change = f"{point_change(a['probability'], b['probability'])} pts" if "probability" in a else signed(b['mean'] - a['mean'], 3)
        table.add_row(f"{name}\n[dim]{literal(scenario.label(name))}[/]", _latent_cell(a), _latent_cell(b), change)
    return table


def sensitivity_tables(result: Robustness, scenario, top: int = 10) -> list[Table]:
    """The most influential rows and groups, the band at the last step, and the priors' and dynamics' effect."""
    hypotheses = scenario.hypothesis_names
    final = result.final.hypotheses
    leader = max(final, key=final.get)

    def table(title: str, key: str, entries: list, extra: str | None = None) -> Table:
        t = Table(title=title, title_justify="left")
        t.add_column(key, overflow="fold")
        if extra:
            t.add_column(extra, overflow="fold")
        for h in hypotheses:
            t.add_column(h, justify="right")
        t.add_column("change", justify="right")
        t.add_column("leader", justify="left")
        for e in entries[:top]:
            name = f"{e.parameter} ×{e.factor:g}" if key == "parameter" else getattr(e, key)
            cells = [literal(name)] + ([literal(", ".join(getattr(e, extra)))] if extra else [])
            cells += [f"{100 * e.hypotheses[h]:.1f}%" for h in hypotheses]
            cells += [f"{100 * e.change:.1f} pts", "[bold red]flips[/]" if e.leader_changes else ""]
            t.add_row(*cells)
        t.caption = f"leader: \"flips\" where the leading answer ({leader}) would change; blank where it stays"
        t.caption_justify = "left"
        return t

    answer = ", ".join(f"{h} {100 * p:.1f}%" for h, p in final.items())
    tables = [table(f"Leaving one row out (final answer {answer}; largest changes first)", "id", result.leave_one_out)]
    if result.groups:
        tables.append(table("Leaving one group out", "group", result.groups, "rows"))
    band = Table(title=f"Judgment band at {result.band[-1].date}: every likelihood's log-odds off by sd "
                       f"{result.settings.judgment_sd:g} ({result.settings.draws} draws)", title_justify="left")
    for column in ("hypothesis", "5%", "median", "95%"):
        band.add_column(column, justify="right" if column != "hypothesis" else "left")
    for h, q in result.band[-1].hypotheses.items():
        band.add_row(h, *(f"{100 * q[k]:.1f}%" for k in ("q05", "q50", "q95")))
    tables.append(band)
    for title, entries in (("Priors halved and doubled", result.priors), ("Dynamics halved and doubled", result.dynamics)):
        if entries:
            tables.append(table(title, "parameter", entries))
    return tables


def watch_table(result: Watch, scenario) -> Table:
    """Indicators ranked by the information they would give about the hypotheses."""
    t = Table(title=f"What to watch for, as of {result.date} (most informative first)", title_justify="left")
    t.add_column("indicator", overflow="fold")
    t.add_column("P(seen)", justify="right")
    t.add_column("bits", justify="right")
    latents = [name for name in scenario.latent_names if any(name in e.latent_information_bits for e in result.indicators)]
    for name in latents:
        t.add_column(f"bits on\n{name}", justify="right")
    t.add_column("if seen", overflow="fold")
    t.add_column("if not", overflow="fold")
    for e in result.indicators:
        either = e.if_observed or e.if_not
        at_by = either is not None and either.hypotheses_at_by is not None  # switching: the line on `by`
        seen, unseen = ((getattr(o, "hypotheses_at_by" if at_by else "hypotheses") if o else None) or {} for o in (e.if_observed, e.if_not))
        on_latents = [f"{e.latent_information_bits[name]:.3f}" if name in e.latent_information_bits else "" for name in latents]
        t.add_row(f"{literal(e.id)}\n[dim]{literal(e.summary)}[/]", f"{100 * e.probability:.0f}%", f"{e.information_bits:.3f}", *on_latents,
                  ", ".join(f"{h} {100 * p:.0f}%" for h, p in seen.items()), ", ".join(f"{h} {100 * p:.0f}%" for h, p in unseen.items()))
    if latents:
        t.caption = "bits: what seeing it or not would tell about the hypotheses; bits on a latent: about that latent (blank: it does not bear on it)"
        t.caption_justify = "left"
    return t


def diff_table(result: dict, details: list[str], rev: str, rev2: str) -> Table:
    """A revision's changes, strongest first: each with its detail and its own shift of the final
    answer in percentage points; the final answer before and after in the caption."""
    hypotheses = list(result["after"])
    table = Table(title=f"Changes from {rev} to {rev2}, each one's own effect on the final answer (points)", title_justify="left")
    table.add_column("change")
    table.add_column("row or key", overflow="fold")
    table.add_column("detail", overflow="fold")
    for name in hypotheses:
        table.add_column(name, justify="right", no_wrap=True)
    for change, detail in zip(result["changes"], details, strict=True):
        shift = change["shift"]
        cells = [point_change(0, shift[h]) if shift and h in shift else "" for h in hypotheses]
        table.add_row(change["kind"], change.get("id") or change.get("key"), detail + (f" ({change['note']})" if shift is None else ""), *cells)
    before, after = (", ".join(f"{h} {100 * p:.1f}%" for h, p in result[side].items()) for side in ("before", "after"))
    table.caption = f"final answer at {rev}: {before}; at {rev2}: {after}"
    table.caption_justify = "left"
    return table


def analysts_tables(analysts: list[dict], rows: list[dict], hypotheses: list[str], top: int = 15) -> list[Table]:
    """The analysts with their weights and own final answers, and the rows they disagree on most
    (disagreement in bits times influence in nats, highest first)."""
    people = Table(title="Analysts: each one's own answer (their rows only)", title_justify="left")
    for column in ("analyst", "weight", "rows", *hypotheses):
        people.add_column(column, justify="left" if column == "analyst" else "right", overflow="fold")
    for a in analysts:
        name = escape(a["name"]) + (f"\n[dim]{escape(a['label'])}[/]" if a["label"] != a["name"] else "")
        people.add_row(name, f"{a['weight']:g}", str(a["rows_judged"]), *(f"{100 * a['final'][h]:.1f}%" for h in hypotheses))
    ranked = Table(title="Where they disagree: rows by disagreement x influence (a Delphi round starts at the top)", title_justify="left")
    for column in ("id", "bits", "on", "influence", "score", "analysts"):
        ranked.add_column(column, justify="left" if column in ("id", "on", "analysts") else "right", overflow="fold")
    for r in rows[:top]:
        latent = max(r["latents"], key=r["latents"].get) if r["latents"] else None
        on = "/".join(r["pair"]) if r["pair"] and (latent is None or r["hypotheses"] >= r["latents"][latent]) else (latent or "")
        ranked.add_row(escape(r["id"]), f"{r['bits']:.2f}", escape(on), f"{r['influence']:.2f}", f"{r['score']:.2f}", escape(", ".join(r["analysts"])))
    ranked.caption = "bits: the widest range across analysts of a log2 likelihood ratio; influence: the row's strongest push on the pooled answer (nats)"
    ranked.caption_justify = "left"
    return [people, ranked]
