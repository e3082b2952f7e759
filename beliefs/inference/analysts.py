"""Each analyst's own answer and where the analysts disagree.

An analyst's own path is the engine run on the rows that analyst judged, with their judgments
(`Panel.own_rows`): the same steps, the same reliability and groups, the other rows left out.
A row's disagreement is the largest range across the analysts who judged it of a log2
likelihood ratio: between two hypotheses, and (separately) between a latent's yes and no.
Ranked by disagreement times the row's influence on the pooled answer, the rows say where a
Delphi round should start. Likelihoods are floored at 2^-20 for the ranges, so that a 0 (a
case ruled out) gives a large but finite range.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import TYPE_CHECKING

import numpy as np

from beliefs.inference.likelihoods import likelihood_table
from beliefs.inference.spec import ModelSpec
from beliefs.inputs.workspace import Workspace

if TYPE_CHECKING:
    from beliefs.results.influence import Influence

FLOOR = 2.0**-20
MAX_INFLUENCE = 20.0  # nats: an infinite push (a likelihood of 0) ranks as this


def own_workspace(workspace: Workspace, name: str) -> Workspace:
    """The workspace as analyst `name` alone judged it (no panel)."""
    return dataclasses.replace(workspace, rows=workspace.panel.own_rows(name, workspace.rows), panel=None)


def analyst_paths(workspace: Workspace, kind, settings: dict, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    """P(H) after every step on each analyst's own rows, shape (step, analyst, hypothesis), the
    analysts in `workspace.panel.names` order, and with a switching line P(line on `by`) alike
    (NaN where the engine gives none), else None; `kind` is the engine class of the pooled run."""
    paths, at_by = [], []
    for name in workspace.panel.names:
        own = own_workspace(workspace, name)
        table = likelihood_table(own)
        runner = kind(ModelSpec.build(own.scenario, table), settings)
        steps = [runner.posterior(table.weights_at(step.index), step.index, seed) for step in own.steps]
        paths.append([p.hypothesis_probability for p in steps])
        at_by.append([p.hypothesis_at_by if p.hypothesis_at_by is not None else np.full(len(p.hypothesis_probability), np.nan) for p in steps])
    switching = workspace.scenario.switches
    return np.stack([np.asarray(p, dtype=float) for p in paths], axis=1), np.stack([np.asarray(p, dtype=float) for p in at_by], axis=1) if switching else None


def _range(ratios: list[float]) -> float:
    return float(max(ratios) - min(ratios)) if len(ratios) > 1 else 0.0


def row_disagreement(workspace: Workspace) -> list[dict]:
    """Per row (in the workspace's order): `hypotheses`, the largest range across analysts of
    log2(L_h / L_k) over pairs of hypotheses, with the pair; `latents`, the range of
    log2(p_yes / p_no) by latent; `bits`, the largest of them all; `analysts`, who judged the row."""
    panel, scenario = workspace.panel, workspace.scenario
    out = []
    for row in workspace.rows:
        judged = {name: j for name in panel.names if (j := panel.judged(name, row)) is not None}
        with_h = {name: np.log2(np.maximum([j.hypotheses[h] for h in scenario.hypothesis_names], FLOOR))
                  for name, j in judged.items() if j.hypotheses is not None}
        best, pair = 0.0, None
        for a, b in itertools.combinations(range(len(scenario.hypothesis_names)), 2):
            spread = _range([float(v[a] - v[b]) for v in with_h.values()])
            if spread > best:
                best, pair = spread, (scenario.hypothesis_names[a], scenario.hypothesis_names[b])
        latents = {}
        for name in scenario.latent_names:
            ratios = [float(np.log2(max(j.latents[name][0], FLOOR)) - np.log2(max(j.latents[name][1], FLOOR)))
                      for j in judged.values() if name in j.latents]
            if ratios:
                latents[name] = round(_range(ratios), 6)
        out.append({"id": row.id, "hypotheses": round(best, 6), "pair": list(pair) if pair else None, "latents": latents,
                    "bits": round(max([best, *latents.values()]), 6), "analysts": list(judged)})
    return out


def ranked_disagreement(workspace: Workspace, influence: Influence) -> list[dict]:
    """`row_disagreement` with each row's `influence` (its strongest push on the pooled answer, in
    nats, from the history's row influence, `PosteriorHistory.influence`) and `score` = bits x
    influence, highest first."""
    out = []
    for entry in row_disagreement(workspace):
        effect = influence.strongest_effect(entry["id"])
        push = min(abs(effect.value), MAX_INFLUENCE) if effect else 0.0
        out.append({**entry, "influence": round(push, 6), "score": round(entry["bits"] * push, 6)})
    return sorted(out, key=lambda e: (-e["score"], -e["bits"]))


def analyst_answers(workspace: Workspace) -> dict[str, list[float]]:
    """Each analyst's own final P(H) (exactly, as `sensitivity` computes answers), for the band
    from the analysts' own answers beside the noise band."""
    from beliefs.inference.sensitivity import final_probabilities

    return {name: [round(float(p), 6) for p in final_probabilities(own_workspace(workspace, name))] for name in workspace.panel.names}
