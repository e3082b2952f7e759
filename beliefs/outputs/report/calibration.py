"""The report's "calibrated path": a `[calibration]`'s tempered answers beside the judged ones,
where alpha came from and how many resolved questions back it, from the history alone."""

from __future__ import annotations

from beliefs.outputs.wording import percent
from beliefs.results.history import PosteriorHistory


def calibration_context(history: PosteriorHistory) -> dict | None:
    """The `[calibration]` path beside the judged one: where alpha came from, how many questions
    back it, both answers at the last step in words, and at every step as a table whose columns
    are named by the hypotheses' short names, so it fits the page (None without a calibration)."""
    calibrated = history.calibrated_probability
    calibration = history.scenario.calibration
    if calibrated is None or calibration is None:
        return None
    alpha = calibration.alpha
    shown = f"{alpha:.3g}" if not isinstance(alpha, dict) else ", ".join(f"{kind or 'unclassified'} {a:.3g}" for kind, a in alpha.items())
    source = f"the file {calibration.file} written by beliefs calibrate" if calibration.file else "scenario.toml"
    steps = [{"date": history.dates[k],
              "judged": [percent(float(history.answer(k).sel(hypothesis=h))) for h in history.hypotheses],
              "calibrated": [percent(float(calibrated.isel(step=k).sel(hypothesis=h))) for h in history.hypotheses]}
             for k in range(history.n_steps)]
    last = steps[-1]
    final = "; ".join(f"{history.labels[h]} ({h}) {j} as judged, {c} calibrated"
                      for h, j, c in zip(history.hypotheses, last["judged"], last["calibrated"], strict=True))
    return {"alpha": shown, "by_kind": isinstance(alpha, dict), "source": source, "questions": calibration.questions,
            "names": list(history.hypotheses), "steps": steps, "final": final}
