"""Several analysts' judgments pooled into one row each: the logarithmic opinion pool.

For each part of a row (its hypothesis likelihoods; each latent's yes/no pair) the pooled
likelihoods are the weighted geometric mean over the analysts who judged that part:
L_k = exp(sum_a w_a log L_ak / sum_a w_a). Likelihoods matter only up to a factor within a part,
so the pool is the weighted mean of the analysts' log likelihood ratios; it is externally
Bayesian (pooling then updating equals updating then pooling, without latents). The row's
reliability and group apply to the pooled row, as to any row.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from beliefs.errors import Problem
from beliefs.inputs.evidence import EvidenceRow
from beliefs.inputs.judgments import AUTHOR, Judgment
from beliefs.inputs.scenario import Scenario


@dataclass(frozen=True)
class Panel:
    """The analysts of a workspace (the author first), their labels and weights, and each one's
    judgments by row id (the author's are the evidence rows as written)."""

    names: tuple[str, ...]
    labels: dict[str, str]
    weights: dict[str, float]
    judgments: dict[str, dict[str, Judgment]]

    def judged(self, name: str, row: EvidenceRow) -> Judgment | None:
        """What analyst `name` judged of `row` (a row the author added after loading is the author's)."""
        if name == AUTHOR and row.id not in self.judgments[AUTHOR]:
            return Judgment(row.id, row.hypotheses, dict(row.latents), row.path, row.line)
        return self.judgments[name].get(row.id)

    def own_rows(self, name: str, rows: tuple[EvidenceRow, ...]) -> tuple[EvidenceRow, ...]:
        """`rows` as analyst `name` judged them: their parts only; a row they did not judge bears on
        nothing and joins no group (it is kept, so that the steps stay those of the pooled path)."""
        out = []
        for row in rows:
            judgment = self.judged(name, row)
            if judgment is None:
                out.append(dataclasses.replace(row, hypotheses=None, latents={}, group=None))
            else:
                out.append(dataclasses.replace(row, hypotheses=judgment.hypotheses, latents=dict(judgment.latents)))
        return tuple(out)

    def likelihoods(self, rows: tuple[EvidenceRow, ...]) -> dict[str, dict]:
        """Each analyst's weight, label and likelihoods per row judged (before reliability):
        {name: {"label", "weight", "rows": {id: {"hypotheses": {H: p} | None, "latents": {X: (yes, no)}}}}}."""
        return {name: {"label": self.labels[name], "weight": self.weights[name],
                       "rows": {row.id: {"hypotheses": j.hypotheses, "latents": dict(j.latents)}
                                for row in rows if (j := self.judged(name, row)) is not None}}
                for name in self.names}


def analyst_likelihoods(workspace) -> dict[str, dict]:
    """Each analyst's label, weight and likelihoods per row judged (`Panel.likelihoods`) of a
    `Workspace`; only the author's without further analysts. What a calibration per analyst needs.

    Examples
    --------
    >>> beliefs.analyst_likelihoods(beliefs.load_workspace("."))["author"]["weight"]  # doctest: +SKIP
    1.0
    """
    author = workspace.scenario.analysts.get(AUTHOR)
    alone = Panel((AUTHOR,), {AUTHOR: (author.label if author else "") or AUTHOR}, {AUTHOR: author.weight if author else 1.0}, {AUTHOR: {}})
    return (workspace.panel or alone).likelihoods(workspace.rows)


def make_panel(scenario: Scenario, rows: list[EvidenceRow], judgments: dict[str, dict[str, Judgment]]) -> Panel | None:
    """The panel of the author and the further analysts; None when there are none (nothing pooled)."""
    if not judgments:
        return None
    names = (AUTHOR, *sorted(judgments))

    def spec(name: str):
        return scenario.analysts.get(name)

    labels = {name: (spec(name).label if spec(name) else "") or name for name in names}
    weights = {name: spec(name).weight if spec(name) else 1.0 for name in names}
    author = {row.id: Judgment(row.id, row.hypotheses, dict(row.latents), row.path, row.line) for row in rows}
    return Panel(names, labels, weights, {AUTHOR: author, **judgments})


def geometric_mean(values: list[list[float]], weights: list[float]) -> list[float]:
    """The weighted geometric mean of likelihood vectors (one per analyst), cell by cell; a 0 stays 0."""
    if len(values) == 1:  # one judge: the values as written (exp(log p) may differ from p in the last bit)
        return [float(v) for v in values[0]]
    with np.errstate(divide="ignore"):
        logs = np.log(np.asarray(values, dtype=float))
    w = np.asarray(weights, dtype=float)[:, None]
    return [float(v) for v in np.exp((w * logs).sum(axis=0) / w.sum())]


def pooled_rows(panel: Panel, rows: list[EvidenceRow], scenario: Scenario) -> tuple[list[EvidenceRow], list[Problem]]:
    """Every row with each part pooled over the analysts who judged it; a problem, at the first
    further analyst's judgment of it, for a part the pool makes all 0 (the analysts rule out
    different cases with probability 0)."""
    out, problems = [], []
    for row in rows:
        judged = [(panel.weights[name], j) for name in panel.names if (j := panel.judged(name, row)) is not None]
        hypotheses = None
        parts = [(w, [j.hypotheses[h] for h in scenario.hypothesis_names]) for w, j in judged if j.hypotheses is not None]
        if parts:
            hypotheses = dict(zip(scenario.hypothesis_names, geometric_mean([p for _, p in parts], [w for w, _ in parts]), strict=True))
        latents = {}
        for name in scenario.latent_names:
            pairs = [(w, list(j.latents[name])) for w, j in judged if name in j.latents]
            if pairs:
                yes, no = geometric_mean([p for _, p in pairs], [w for w, _ in pairs])
                latents[name] = (yes, no)
        zero = [part for part, values in [("hypotheses", list((hypotheses or {"-": 1}).values())), *((n, list(v)) for n, v in latents.items())]
                if not any(values)]
        if zero:
            first = next(j for _, j in judged[1:])
            problems.append(Problem(first.path, f"row {row.id!r}: pooled with the other analysts, the {zero[0]} likelihoods are all 0 (each case is "
                                                "ruled out by someone); write e.g. 0.01 instead of 0", first.line, 1))
        out.append(dataclasses.replace(row, hypotheses=hypotheses, latents=latents))
    return out, problems
