"""Kinds of evidence: what sort of observation a row is (optional; blank is unclassified).
Calibration can learn a weight per kind from resolved questions (`beliefs calibrate --by kind`)."""

from __future__ import annotations

from beliefs.errors import did_you_mean, quoted

KINDS = {
    "statement": "what someone says",
    "action": "what someone does: a decision in force, a deployment, a signature",
    "proposal": "a plan, offer or draft not acted on",
    "report": "a second-hand account or a leak",
    "absence": "something expected that did not happen",
}


def kind_problem(name: str) -> str | None:
    """Why `name` is not a kind of evidence, with the likely typo; None when it is one (or blank)."""
    if not name or name in KINDS:
        return None
    return f"kind {quoted(name)} is not a kind of evidence{did_you_mean(name, list(KINDS))}; use one of {', '.join(KINDS)}, or leave the cell blank"
