"""The report's account of its record in git: the vintage it shows (`--as-of`), what changed
since a revision (`--since`), and how much of a resolved path's score is hindcast and whether
its resolution criteria were pre-registered, formatted from what the command found."""

from __future__ import annotations

from beliefs.outputs.wording import percent, point_change


def record_context(record: dict | None, labels: dict[str, str]) -> dict | None:
    """The `record` the templates render, or None when there is nothing to say.

    Parameters
    ----------
    record : dict, optional
        `as_of` (a vintage's date, commit and commit time), `since` (the JSON of `beliefs diff`
        with `rev` and each change's `details`) and `scores` (the workspace's entry of
        `beliefs score --json`), each None when absent.
    labels : dict
        The hypotheses' labels.
    """
    if not record or not any(record.values()):
        return None
    return {"as_of": _as_of(record.get("as_of")), "since": _since(record.get("since"), labels), "scores": _scores(record.get("scores"))}


def _as_of(as_of: dict | None) -> dict | None:
    if not as_of:
        return None
    return {"date": as_of["as_of"], "commit": as_of["commit"][:12], "committed": as_of["committed"][:16].replace("T", " ")}


def _since(since: dict | None, labels: dict[str, str]) -> dict | None:
    if since is None:
        return None
    hypotheses = list(since["after"])
    answers = [{"label": labels.get(h, h), "before": percent(since["before"][h]) if h in since["before"] else "—",
                "after": percent(since["after"][h])} for h in hypotheses]
    changes = []
    for change, detail in zip(since["changes"], since["details"], strict=True):
        shift = change["shift"]
        changes.append({"kind": change["kind"], "name": change.get("id") or change.get("key"), "detail": detail,
                        "shifts": [point_change(0, shift[h]) if shift and h in shift else "—" for h in hypotheses],
                        "note": change.get("note", "")})
    # the table's columns by short name (the labels are in the sentence above it), so six columns fit the page
    return {"rev": since["rev"], "hypotheses": [{"name": h, "label": labels.get(h, h)} for h in hypotheses], "answers": answers, "changes": changes}


def _scores(entry: dict | None) -> dict | None:
    """What the scores rest on, in plain words: the hindcast share, the real-time scores, the criteria's date."""
    if entry is None or entry.get("status") != "resolved":
        return None
    share = entry.get("hindcast_share")
    hindcasts = [step["date"] for step in entry["steps"] if step.get("hindcast")]
    real = entry.get("real_time")
    return {
        "in_git": share is not None,
        "share": percent(share) if share is not None else None,
        "hindcasts": hindcasts,
        "steps": len(entry["steps"]),
        "real_time": {"brier": _number(real["time_weighted"]["brier"]), "log_score": _number(real["time_weighted"]["log_score"]),
                      "covered": percent(real["days_covered"])} if real else None,
        "real_time_reason": entry.get("real_time_reason"),
        "preregistered": entry.get("preregistered"),
        "criteria_changed_on": entry.get("criteria_changed_on"),
    }


def _number(value: float | None) -> str:
    return "∞" if value is None else f"{value:.3f}"
