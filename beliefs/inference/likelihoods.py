"""Evidence rows as likelihood arrays, with each row's reliability already applied, and the
weight each row carries at each step.

Reliability r says the report carries information with probability r and is noise
otherwise, so each likelihood L becomes r L + (1 - r) c, with c the mean of the row's values
in the same block. That map is linear, so for a latent it is applied to p_yes and p_no
alike, and L(w) = w p_yes + (1 - w) p_no keeps its form.

Rows of one group report one development. At step t, with k of the group's rows dated on or
before t and correlation rho, each of them counts with weight 1 / (1 + (k - 1) rho), Kish's
design effect: its log-likelihood (every block) is multiplied by that weight. k identical
rows with rho = 1 count as one; rho = 0 is independence; a row without a group has weight 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from beliefs.inputs.workspace import Workspace

DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class LikelihoodTable:
    """Every row of a workspace as arrays (row x hypothesis, row x latent).

    A row that does not bear on a block holds ones there, so it contributes log 1 = 0.
    """

    row_ids: list[str]
    row_step: np.ndarray
    hypothesis: np.ndarray
    latent_yes: np.ndarray
    latent_no: np.ndarray
    bears_on_hypotheses: np.ndarray
    months: np.ndarray  # (step,) months since the prior date, for latents that move over time
    row_group: tuple[str | None, ...] = ()  # each row's group, None for none
    group_correlation: dict[str, float] | None = None  # rho of each group

    @property
    def n_rows(self) -> int:
        """The number of evidence rows."""
        return len(self.row_ids)

    def included_up_to(self, step: int) -> np.ndarray:
        """1.0 for the rows that the posterior at `step` conditions on, else 0.0 (groups ignored)."""
        return (self.row_step <= step).astype(float)

    def weights_at(self, step: int) -> np.ndarray:
        """Each row's weight in the posterior at `step`: 0 for rows after it, the group's design
        effect 1 / (1 + (k - 1) rho) for grouped rows, 1 otherwise."""
        weights = self.included_up_to(step)
        group, rho = self._groups
        seen = (group >= 0) & (weights > 0)
        k = np.bincount(group[seen], minlength=rho.size)[group[seen]]
        weights[seen] = 1.0 / (1.0 + (k - 1) * rho[group[seen]])
        return weights

    @cached_property
    def _groups(self) -> tuple[np.ndarray, np.ndarray]:
        """Each row's group as an index (-1 for none) and each group's rho: weights cost O(rows) per step."""
        rho = dict(self.group_correlation or {})
        index = {name: i for i, name in enumerate(rho)}
        group = np.full(self.n_rows, -1)
        for row, name in enumerate(self.row_group):
            group[row] = index.get(name, -1)
        return group, np.array(list(rho.values()), dtype=float)

    @property
    def grouped(self) -> bool:
        """Whether any row belongs to a group."""
        return any(g is not None for g in self.row_group)


def with_reliability(values: np.ndarray, reliability: float) -> np.ndarray:
    """R L + (1 - r) mean(L): the likelihoods of a report that is noise with probability 1 - r."""
    values = np.asarray(values, dtype=float)
    return reliability * values + (1.0 - reliability) * values.mean()


def likelihood_table(workspace: Workspace) -> LikelihoodTable:
    """Every row of `workspace` as likelihood arrays, reliability applied, with each row's step."""
    scenario = workspace.scenario
    hypotheses, latents = scenario.hypothesis_names, scenario.latent_names
    n = len(workspace.rows)
    hypothesis = np.ones((n, len(hypotheses)))
    latent_yes = np.ones((n, len(latents)))
    latent_no = np.ones((n, len(latents)))
    bears = np.zeros(n, dtype=bool)
    step_by_date = {step.date: step.index for step in workspace.steps}
    for i, row in enumerate(workspace.rows):
        if row.hypotheses is not None:
            hypothesis[i] = with_reliability([row.hypotheses[h] for h in hypotheses], row.reliability)
            bears[i] = True
        for j, name in enumerate(latents):
            if name in row.latents:
                latent_yes[i, j], latent_no[i, j] = with_reliability(row.latents[name], row.reliability)
    return LikelihoodTable(
        row_ids=[row.id for row in workspace.rows],
        row_step=np.array([step_by_date[row.date] for row in workspace.rows], dtype=int),
        hypothesis=hypothesis,
        latent_yes=latent_yes,
        latent_no=latent_no,
        bears_on_hypotheses=bears,
        months=np.array([(step.date - scenario.prior_date).days / DAYS_PER_MONTH for step in workspace.steps]),
        row_group=tuple(row.group for row in workspace.rows),
        group_correlation={name: group.correlation for name, group in scenario.groups.items()},
    )


def path_length(n_steps: int) -> int:
    """How many steps the sampled path of a moving latent spans: the steps so far rounded up to a
    power of two. The extra steps carry no rows and so only their prior; they keep the model NUTS
    samples, and with it the cached draws of earlier steps, unchanged while files are added,
    until the count passes the next power of two."""
    return 1 << (n_steps - 1).bit_length()


def path_months(months: np.ndarray) -> np.ndarray:
    """`months` of the steps so far, extended by empty steps a month apart to `path_length`."""
    extra = np.arange(1, path_length(len(months)) - len(months) + 1, dtype=float)
    return np.concatenate([months, months[-1] + extra])
