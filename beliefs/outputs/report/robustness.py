"""The report's "How robust is this" and "What to watch" sections, from the results of
`beliefs sensitivity` and `beliefs watch` (nothing is recomputed here)."""

from __future__ import annotations

import dataclasses

from beliefs.outputs.report.markup import FigureRef
from beliefs.outputs.wording import percent
from beliefs.results.history import PosteriorHistory
from beliefs.results.robustness import Robustness, Watch


def _hypotheses(history: PosteriorHistory, values: dict) -> str:
    return ", ".join(f"{h} {percent(p)}" for h, p in values.items())


def robustness_context(history: PosteriorHistory, result: Robustness, top: int = 5) -> dict:
    """Linchpin rows and groups, the most influential ones, the band at the last step, and the
    priors and dynamics whose halving or doubling moves the answer most (the two kinds in one
    ranking, so a rate that matters is not listed below priors that do not), as the templates
    render them."""
    final = result.final.hypotheses
    leader = max(final, key=final.get)

    def items(entries: list, key: str) -> list[dict]:
        return [{"name": getattr(e, key) if key != "parameter" else f"{e.parameter} ×{e.factor:g}", "change": f"{100 * e.change:.1f}",
                 "leader_changes": e.leader_changes, "answer": _hypotheses(history, e.hypotheses)} for e in entries[:top]]

    band = result.band
    last = band[-1].hypotheses
    settings = dataclasses.asdict(result.settings)
    return {
        "leader": history.labels[leader],
        "linchpins": result.linchpins,
        "linchpin_groups": [e.group for e in result.groups if e.leader_changes],
        "rows": items(result.leave_one_out, "id"),
        "groups": items(result.groups, "group"),
        "band": band,
        "band_last": [{"label": history.labels[h], "q05": percent(q["q05"]), "q50": percent(q["q50"]), "q95": percent(q["q95"])} for h, q in last.items()],
        "judgment_sd": f"{settings['judgment_sd']:g}", "draws": settings["draws"], "seed": settings["seed"],
        "parameters": items(sorted(result.priors + result.dynamics, key=lambda e: e.change, reverse=True), "parameter"),
        "analysts": _analysts(history, last),
        "figure": FigureRef("robustness-band", "Line chart of each hypothesis's probability after every step with its judgment band: at the last step "
                            + "; ".join(f"{history.labels[h]} {percent(q['q05'])} to {percent(q['q95'])}" for h, q in last.items()) + ".",
                            f"The path with the 5% to 95% range of each probability when every likelihood's log-odds is off by noise of sd "
                            f"{settings['judgment_sd']:g} ({settings['draws']} draws)."),
    }


def _analysts(history: PosteriorHistory, noise: dict) -> dict | None:
    """The band from the analysts' own answers at the last step beside the noise band, and the
    figure of their paths; None without further analysts."""
    if history.analysts is None:
        return None
    own = history.analyst_probability.isel(step=-1)
    names = list(history.analysts)
    rows = []
    for h in history.hypotheses:
        values = own.sel(hypothesis=h).values
        rows.append({"label": history.labels[h], "low": percent(float(values.min())), "high": percent(float(values.max())),
                     "noise": f"{percent(noise[h]['q05'])} to {percent(noise[h]['q95'])}",
                     "by": ", ".join(f"{history.analysts[n]['label']} {percent(float(v))}" for n, v in zip(names, values, strict=True))})
    people = ", ".join(f"{spec['label']} (weight {spec['weight']:g})" for spec in history.analysts.values())
    alt = ("Line charts, one per hypothesis, of the pooled probability after every step and each analyst's own: at the last step "
           + "; ".join(f"{r['label']} {r['low']} to {r['high']} across analysts" for r in rows) + ".")
    return {"people": people, "band": rows,
            "figure": FigureRef("analysts", alt, "Each analyst's own answer (their rows only, their judgments) beside the pooled answer "
                                                 "(thick); the shading spans the analysts' own answers.")}


def watch_context(history: PosteriorHistory, result: Watch, top: int = 10) -> dict:
    """The indicators, most informative first, with what seeing each (or not) would do."""
    def answer(outcome) -> str:
        return _hypotheses(history, outcome.hypotheses) if outcome is not None and outcome.hypotheses else "—"

    return {"date": result.date, "indicators": [
        {"id": e.id, "summary": e.summary, "probability": percent(e.probability), "bits": f"{e.information_bits:.3f}",
         "if_observed": answer(e.if_observed), "if_not": answer(e.if_not)}
        for e in result.indicators[:top]]}
