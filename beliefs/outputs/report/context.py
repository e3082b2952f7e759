"""What the report says: the numbers, rows, figures and method text that both templates
render, taken from the history alone."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from beliefs.outputs.report.alt_text import influence_alt, latent_step_alt, latents_alt, step_alt, timeline_alt
from beliefs.outputs.report.calibration import calibration_context
from beliefs.outputs.report.markup import FigureRef, row_anchors, safe_url
from beliefs.outputs.wording import SCALE, SCALE_NAME, estimative_word, format_llr, move_percents, outcome_words, percent, point_change, signed
from beliefs.results.diagnostics import MAX_RHAT, MIN_ESS
from beliefs.results.history import PosteriorHistory
from beliefs.results.scoring import score_history


def effect_sentence(kind: str, name: str, value: float, labels: dict[str, str], states: frozenset[str] = frozenset()) -> str:
    """One row's strongest push in words, e.g. "favours “Raise the cost to Moscow” (2.30 times as likely under it as under the others)".

    A state latent's push reads "makes “...” likelier" (its odds times the ratio); a propensity's
    "raises “...”". Labels are quoted, so a capitalised label reads well mid-sentence.
    """
    label = f"“{labels.get(name, name)}”"
    if math.isinf(value):
        if kind == "hypothesis":
            return f"{'favours' if value > 0 else 'rules out'} {label} (impossible under {'the others' if value > 0 else 'it'})"
        return f"{'raises' if value > 0 else 'lowers'} {label} (impossible at the other extreme)"
    ratio = math.exp(value)
    if kind == "hypothesis":
        if value >= 0:
            return f"favours {label} ({ratio:.2f} times as likely under it as under the others)"
        return f"counts against {label} ({1 / ratio:.2f} times as likely under the others as under it)"
    if name in states:
        if value >= 0:
            return f"makes {label} likelier (its odds times {ratio:.2f})"
        return f"makes {label} less likely (its odds divided by {1 / ratio:.2f})"
    direction = "raises" if value >= 0 else "lowers"
    return f"{direction} {label} (likelihood ratio high : low = {ratio:.2f})"


def build_context(history: PosteriorHistory, provenance: dict, now: dt.datetime) -> dict:
    """The data both templates render (figures are named here and drawn by `write_report`).

    Parameters
    ----------
    history : PosteriorHistory
        Everything shown comes from it: posterior, rows, influence, forecast, run settings.
    provenance : dict
        `git`, `versions`, `workspace` and `command` for the footer.
    now : datetime.datetime
        When the report was generated.
    """
    scenario = history.scenario
    labels = history.labels
    influence = history.influence
    probs = history.hypothesis_probability
    last = history.n_steps - 1
    prior = history.prior
    row_ids = history.rows
    row_step = history.row_step.values

    def hypotheses_at(step: int) -> list[dict]:
        items = []
        for h in history.hypotheses:
            p = float(probs.sel(step=step, hypothesis=h))
            before = float(probs.sel(step=max(step - 1, 0), hypothesis=h))
            was, now = move_percents(before, p)
            items.append({
                "name": h, "label": labels[h], "value": p, "value_text": f"{p:.6f}", "percent": percent(p), "word": estimative_word(p),
                "before": before, "before_percent": was, "after_percent": now, "change": point_change(before, p),
                "prior_percent": percent(prior[h]),
            })
        return items

    kinds = history.latent_kinds

    def latents_at(step: int) -> list[dict]:
        items = []
        for name in history.latents:
            mean, q05, q95 = (float(history.latent_summary(q).sel(step=step, latent=name)) for q in ("mean", "q05", "q95"))
            before = float(history.latent_mean.sel(step=max(step - 1, 0), latent=name))
            items.append(_latent_item(name, labels[name], kinds[name] == "state", mean, q05, q95, before))
        return items

    def effects(row_id: str) -> list[dict]:
        pushes = influence.pushes(row_id)
        out = [{"name": h, "value": format_llr(value)} for h, value in (pushes.hypotheses or {}).items()]
        return out + [{"name": f"{n} ↑", "value": format_llr(value)} for n, value in pushes.latents.items()]

    anchors = row_anchors(row_ids)
    groups = scenario.groups

    def group_of(i: int) -> dict | None:
        name = str(history.row_group.values[i])
        if not name:
            return None
        weights = history.row_weight.isel(row=i).values
        return {"name": name, "label": groups[name].label or name, "correlation": f"{groups[name].correlation:g}",
                "weight_then": f"{weights[row_step[i]]:.2f}", "weight_now": f"{weights[-1]:.2f}"}

    position = {row_id: i for i, row_id in enumerate(row_ids)}

    def evidence(k: int) -> list[dict]:
        """The rows of step k, strongest first: the order of the step's figure."""
        rows = []
        for row_id in influence.rows_of_step(k).rows:
            i = position[row_id]
            strongest = influence.strongest_effect(row_id)
            source = str(history.row_source.values[i])
            rows.append({
                "id": row_id, "anchor": anchors[row_id], "summary": str(history.row_summary.values[i]), "source": source, "url": safe_url(source),
                "reliability": f"{float(history.row_reliability.values[i]):g}", "rationale": str(history.row_rationale.values[i]),
                "file": str(history.row_file.values[i]), "effects": effects(row_id), "group": group_of(i),
                "kind": history.row_kind(row_id),
                "strongest": effect_sentence(*strongest, labels, frozenset(history.states)) if strongest else "moves nothing",
            })
        return rows

    nuts = history.has_diagnostics
    step_items = []
    for k in range(1, history.n_steps):
        rows = evidence(k)
        item = {
            "index": k, "date": history.dates[k], "anchor": f"step-{k}",
            "files": sorted({row["file"] for row in rows if row["file"]}),
            "hypotheses": hypotheses_at(k), "latents": latents_at(k), "rows": rows,
            "figure": FigureRef(f"step-{k:02d}", step_alt(history, k), ""),
            "latent_figure": FigureRef(f"latents-step-{k:02d}", latent_step_alt(history, k)) if history.propensities else None,
        }
        item["diagnostics"] = _diagnostics_at(history, k) if nuts else None
        step_items.append(item)

    latest_rows = influence.rows_of_step(last).rows
    latest = {
        "index": last, "date": history.dates[last], "hypotheses": hypotheses_at(last), "latents": latents_at(last),
        "rows": [next(r for r in step_items[-1]["rows"] if r["id"] == rid) for rid in latest_rows] if last else [],
    }
    answer = hypotheses_at(last)  # the scenario's order, as in every table and figure; the leader is marked
    at_by = history.hypothesis_at_by
    if at_by is not None and not np.isnan(at_by.isel(step=last).values).any():  # a switching line: what the question asks is `by`
        for item in answer:
            value = float(at_by.isel(step=last).sel(hypothesis=item["name"]))
            item |= {"at_by": value, "at_by_percent": percent(value), "at_by_word": estimative_word(value)}
    leader = max(answer, key=lambda item: item.get("at_by", item["value"]))
    for item in answer:
        item["leading"] = item is leader
    figures = {
        "timeline": FigureRef("timeline", timeline_alt(history), "Probability of each hypothesis after every step. Grey ticks along the date "
                              "axis mark the dates of new evidence; when the late steps fall close together, a lower panel spreads them "
                              "out one slot per step (evenly spaced, not to time scale). The right-hand axis names the estimative band."),
        "latents": FigureRef("latents", latents_alt(history), "Mean of each latent with its 90% interval after every step; the dashed line "
                             "is the prior mean.") if history.latents else None,
        "influence": FigureRef("influence", influence_alt(history), "Each row's log likelihood ratio for each hypothesis (against the "
                               "others) and each latent (high against low), after reliability. 0 = no push; ±0.69 = twice as likely."),
    }
    if nuts:
        figures["diagnostics"] = FigureRef("diagnostics", "Line charts of R-hat, effective sample size and divergences of the NUTS sampler "
                                           "at every step.", "NUTS diagnostics at every step.")
        unconverged = [k for k in history.unconverged_steps if k != last] if history.propensities else []
        figures["diagnostics_steps"] = [
            FigureRef(f"diagnostics-step-{k:02d}", f"ArviZ rank plot and ESS plot of the latents at step {k}, which did not converge.",
                      f"Step {k} ({history.dates[k]}): ArviZ rank plot and ESS by quantile.") for k in unconverged
        ]
        figures["diagnostics_latest"] = FigureRef(f"diagnostics-step-{last:02d}", "ArviZ rank plot and ESS plot of the latents at the latest step.",
                                                  "ArviZ rank plot (one line per chain) and ESS by quantile at the latest step.") \
            if history.propensities else None
    settings = history.settings
    return {
        "title": history.title,
        "generated": now.strftime("%Y-%m-%d %H:%M:%S %Z").strip(),
        "n_rows": len(row_ids),
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
            "latents": [_latent_prior(n, scenario, labels, history) for n in history.latents],
        },
        "engine": history.engine,
        "method": method_paragraphs(history),
        "hypotheses_exact": history.hypotheses_exact,
        "settings": ", ".join(f"{k} {v}" for k, v in sorted(settings.items())),
        "seed": history.seed,
        "nuts": nuts,
        "diagnostics_summary": _diagnostics_summary(history) if nuts else None,
        "latest_unconverged": last in history.unconverged_steps,
        "grouping": _grouping(history),
        "calibration": calibration_context(history),
        "switching": _switching(history),
        "resolution": _resolution(history),
        "anchors": anchors,
        "max_rhat": MAX_RHAT,
        "min_ess": MIN_ESS,
        **provenance,
    }


def _resolution(history: PosteriorHistory) -> dict | None:
    """The question's resolution criteria and, once resolved, the path's scores and the rows that helped or hurt."""
    resolution = history.scenario.resolution
    if resolution is None:
        return None
    labels = history.labels
    entry = {"by": resolution.by.isoformat(), "source": resolution.source, "url": safe_url(resolution.source),
             "criteria": [{"name": h, "label": labels[h], "text": resolution.criteria[h]} for h in history.hypotheses], "scores": None}
    score = score_history(history)
    if score is not None:
        summary = score.summary()
        entry["scores"] = {
            "outcome": outcome_words(score.outcome, labels), "uncertain": isinstance(score.outcome, dict), "why": resolution.why,
            "resolved_on": summary["resolved_on"], "steps": len(score.dates),
            "brier": fmt(summary["time_weighted"]["brier"]), "log_score": fmt(summary["time_weighted"]["log_score"]),
            "prior": {k: fmt(v) for k, v in summary["baselines"]["prior"].items()},
            "uniform": {k: fmt(v) for k, v in summary["baselines"]["uniform"].items()},
            "helped": [_with_bits(r) for r in summary["rows"] if (r["contribution_bits"] or 0) > 0][:5],
            "hurt": [_with_bits(r) for r in reversed(summary["rows"]) if (r["contribution_bits"] or 0) < 0][:5],
        }
    return entry


def _with_bits(row: dict) -> dict:
    """A scored row with its contribution as the report prints it: "+0.61", "−0.66"."""
    return {**row, "bits": signed(row["contribution_bits"], 2)}


def fmt(value: float | None) -> str:
    """A score with three decimals; an infinite one (None in the JSON) as ∞."""
    return "∞" if value is None else f"{value:.3f}"


def _grouping(history: PosteriorHistory) -> dict | None:
    """How far the answer would move if every row were counted as independent (None without groups)."""
    ungrouped = history.ungrouped_probability
    if ungrouped is None:
        return None
    now = history.hypothesis_probability.isel(step=-1)
    items = [{"label": history.labels[h], "now": percent(float(now.sel(hypothesis=h))), "ungrouped": percent(ungrouped[h])}
             for h in history.hypotheses]
    shift = max(abs(float(now.sel(hypothesis=h)) - ungrouped[h]) for h in history.hypotheses)
    groups = sorted({str(g) for g in history.row_group.values if str(g)})
    return {"answers": items, "shift": f"{100 * shift:.0f}", "groups": len(groups),
            "rows": int(sum(1 for g in history.row_group.values if str(g)))}


def _latent_item(name: str, label: str, state: bool, mean: float, q05: float, q95: float, before: float) -> dict:
    """A latent at a step as the tables show it: a state as a percentage, a propensity as a value with its interval."""
    if state:
        was, now = move_percents(before, mean)
        return {"name": name, "label": label, "state": True, "mean": now, "interval": "— (holds or not)", "before": was,
                "change": f"{point_change(before, mean)} pts", "mean_value": mean}
    return {"name": name, "label": label, "state": False, "mean": f"{mean:.3f}", "interval": f"{q05:.3f} to {q95:.3f}", "before": f"{before:.3f}",
            "change": signed(mean - before, 3), "mean_value": mean}


def _latent_prior(name: str, scenario, labels: dict, history: PosteriorHistory) -> dict:
    """A latent's prior and dynamics in words, for the priors table."""
    latent = scenario.latents[name]
    if latent.is_state:
        switch = latent.switch
        if switch is None or not any(switch.rates()):
            dynamics = "fixed over time"
        else:
            on = ", ".join(f"{h} {switch.rate('on', h):g}" for h in scenario.hypothesis_names)
            off = ", ".join(f"{h} {switch.rate('off', h):g}" for h in scenario.hypothesis_names)
            dynamics = f"starts holding at a monthly rate of {on}; stops at {off}"
        return {"name": name, "label": labels[name], "distribution": f"holds with P = {latent.prior:g}", "mean": percent(latent.prior),
                "interval": "—", "dynamics": dynamics, "moves": latent.time_varying}
    drift = ", ".join(f"{h} {signed(d, 2)}" for h, d in latent.drift.items() if d)
    dynamics = (f"monthly sd {latent.volatility:g} of logit(w)" if latent.volatility else "") + (f"; drift {drift}" if drift else "")
    return {"name": name, "label": labels[name], "distribution": f"Beta({latent.prior.alpha:g}, {latent.prior.beta:g})",
            "mean": f"{latent.prior.mean:.3f}",
            "interval": f"{float(history.latent_q05.sel(step=0, latent=name)):.3f} to {float(history.latent_q95.sel(step=0, latent=name)):.3f}",
            "dynamics": dynamics.strip("; ") or "constant", "moves": latent.time_varying}


def _switching(history: PosteriorHistory) -> dict | None:
    """The switching line in words: each line's rates and how long it is held on average."""
    scenario = history.scenario
    if not scenario.switches:
        return None
    lines = []
    for h in history.hypotheses:
        rates = {t: r for t, r in scenario.switching.get(h, {}).items() if r > 0}
        total = sum(rates.values())
        lines.append({"label": history.labels[h], "name": h,
                      "held": f"{1 / total:.1f} months" if total else "never left",
                      "rates": ", ".join(f"to {t} {r:g}" for t, r in rates.items()) or "none"})
    return {"by": scenario.resolution.by.isoformat() if scenario.resolution else None, "lines": lines}


def _state_paragraph(scenario, name: str, latent) -> str:
    """A state latent's meaning and dynamics in words."""
    label = scenario.label(name)
    text = (f"{label} is a state: on any date it holds or it does not (prior probability {latent.prior:g} on the prior date). A row that "
            "bears on it gives the observation's likelihood if it holds and if it does not, so each such row multiplies its odds by that ratio. ")
    if latent.time_varying:
        text += ("It can change between dates, at monthly rates that depend on the hypothesis (" + _state_paragraph_rates(scenario, latent)
                 + "), so evidence about it also tells the hypotheses apart. ")
    else:
        text += "It does not change over the period. "
    return text + ("Its probability is computed exactly by the forward algorithm over its two values, in every engine: it is never "
                   "sampled.")


def _state_paragraph_rates(scenario, latent) -> str:
    return "; ".join(f"under “{scenario.label(h)}” it starts to hold at {latent.switch.rate('on', h):g} and stops at "
                     f"{latent.switch.rate('off', h):g} a month" for h in scenario.hypothesis_names)


def _moving(latent) -> bool:
    return bool(getattr(latent, "volatility", 0.0) or any(getattr(latent, "drift", {}).values()))


def method_paragraphs(history: PosteriorHistory) -> list[str]:
    """The method in plain words, as paragraphs of plain text (the templates escape them); the
    last paragraphs say which engine and method computed these numbers."""
    scenario, seed = history.scenario, history.seed
    paragraphs = [
        "The hypotheses are mutually exclusive answers to the question, each with a prior probability. Every evidence row says how likely "
        "that observation would be if each hypothesis were true; Bayes' rule then multiplies each hypothesis's probability by that likelihood "
        "and rescales them to add up to one. Rows are taken in date order, one step per date, so each step shows what that day's evidence did.",
        "A row's reliability r says how far the report can be trusted: with probability 1 − r it is treated as noise, which pulls its "
        "likelihoods toward their average and so weakens its push without changing its direction.",
    ]
    if scenario.switches:
        paragraphs.append(
            "The line held can change over time ([switching]): it moves from one hypothesis to another at monthly rates, a hidden "
            "Markov chain in continuous time, and each row is judged against the line held on its own date. An old row therefore tells "
            "less about the line held later, the more so the faster lines switch. The probabilities of each step are for the line held "
            "on that step's date; the question asks about the line held on the resolution date, which is forecast from each step by "
            "carrying the chain forward with no further evidence (the dashed lines). Together with the state latents, whose rates follow "
            "the line held at each moment, the line forms one chain whose probabilities are computed exactly by the forward algorithm.")
    if any(not latent.is_state for latent in scenario.latents.values()):
        paragraphs.append(
            "A propensity latent is an unknown proportion between 0 and 1 with a Beta prior. A row that bears on it gives the observation's "
            "likelihood if it were high (1) and if it were low (0); its likelihood in between is the straight line between the two.")
    for name, latent in scenario.latents.items():
        if latent.is_state:
            paragraphs.append(_state_paragraph(scenario, name, latent))
            continue
        if not _moving(latent):
            continue
        label = scenario.label(name)
        text = (f"{label} is allowed to change over time: each month its log-odds take a random step with standard deviation "
                f"{getattr(latent, 'volatility', 0.0):g}")
        drift = {h: d for h, d in getattr(latent, "drift", {}).items() if d}
        if drift:
            text += (", drifting by " + ", ".join(f"{signed(d, 2)} a month under “{scenario.label(h)}”" for h, d in drift.items())
                     + ". Because the drift depends on the hypothesis, evidence about this latent also tells the hypotheses apart: "
                     "a latent that moves the way one answer predicts raises that answer's probability. The row-by-row pushes in this "
                     "report show each row's direct effect; this indirect effect comes on top")
        paragraphs.append(text + ".")
    how = history.method_text  # the engine describes itself (`Engine.describe`)
    paragraphs.append(how + f" The seed was {seed}; the same files, engine and seed give the same numbers.")
    paragraphs.append("The numbers are only as good as the likelihoods the analyst wrote: the model makes her judgements consistent with each "
                      "other and with the evidence, and shows which rows carry the conclusion, so that those can be checked first.")
    return paragraphs


def _diagnostics_at(history: PosteriorHistory, step: int) -> dict:
    rhat, bulk, tail = (values.sel(step=step) for values in (history.rhat, history.ess_bulk, history.ess_tail))
    per_latent = [{"name": n, "rhat": f"{float(rhat.sel(latent=n)):.3f}", "ess_bulk": f"{float(bulk.sel(latent=n)):.0f}",
                   "ess_tail": f"{float(tail.sel(latent=n)):.0f}"} for n in history.latents]
    return {"latents": per_latent, "divergences": int(history.divergences.sel(step=step)), "converged": bool(history.converged.sel(step=step)),
            "attempts": int(history.attempts.sel(step=step))}


def _diagnostics_summary(history: PosteriorHistory) -> dict:
    worst_rhat = float(history.rhat.max()) if history.rhat.size else float("nan")
    least_ess = float(np.minimum(history.ess_bulk, history.ess_tail).min()) if history.ess_bulk.size else float("nan")
    divergences = int(history.divergences.sum())
    unconverged = history.unconverged_steps
    ok = (not history.rhat.size or worst_rhat <= MAX_RHAT) and (not history.ess_bulk.size or least_ess >= MIN_ESS) and divergences == 0 and not unconverged
    return {"worst_rhat": f"{worst_rhat:.3f}", "least_ess": f"{least_ess:.0f}", "divergences": divergences, "ok": ok,
            "unconverged": [{"index": k, "date": history.dates[k], "anchor": f"step-{k}"} for k in unconverged]}
