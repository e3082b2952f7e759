"""How far each evidence row pushes each hypothesis and each latent: the diagnosticity of the
analysis of competing hypotheses, made quantitative.

Everything here is computed from the workspace's likelihood table (reliability already
applied), not from posterior draws, so it is exact and does not depend on the engine.

Definitions (natural logarithms; 0 means "does not move it", +0.69 means "twice as likely"):

* `hypothesis_llr[row, h]` = log L_h - log mean_{k != h} L_k, where L_k is the row's
  reliability-adjusted likelihood under hypothesis k. It is the log Bayes factor of "h"
  against "not h" with the other hypotheses weighted equally: the amount by which this row,
  on its own, would shift the log-odds of h if the others were equally probable. Positive
  favours h, negative counts against it. With two hypotheses it is the plain log
  likelihood ratio. It does not depend on the order of the rows.
* `latent_llr[row, j]` = log p_yes - log p_no (after reliability): the log likelihood ratio
  of the row between "latent j is 1" and "latent j is 0". Since the row's likelihood is
  w p_yes + (1 - w) p_no, a positive value pushes the latent up and a negative one down.
* `diagnosticity[row]` = log max_k L_k - log min_k L_k: the largest log ratio between any two
  hypotheses. A row with equal likelihoods everywhere (or one that bears only on latents)
  has 0: it cannot tell the hypotheses apart however true it is.

These are direct pushes. When a latent's drift depends on the hypothesis (a time-varying
latent), a row about the latent also moves the hypotheses indirectly, through what the
latent's path says about which hypothesis is driving it; that effect is not in
`hypothesis_llr`, which describes the row's own likelihoods only.

With a switching line (`[switching]`) a row's push on a hypothesis is not its own likelihoods:
an April row says little about the line held in December. There `hypothesis_llr[row, h]` is the
row's whole effect on the answer, exactly: the log-odds of "the line held on `by` is h" with
every row, minus the same without this row (the other rows weighted as they are), from the
forward algorithm over the chain of (line, states) (`line_influence`). State rows move the line
too, through the rates that depend on it.

A row that does not bear on a block has 0 there and False in `bears_on_hypotheses` or
`bears_on_latent`. A likelihood of exactly 0 gives an infinite value, which is correct: the
observation rules the hypothesis out.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from beliefs.inference.likelihoods import LikelihoodTable
from beliefs.inputs.scenario import Scenario


def _log(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(values)


def hypothesis_llr(likelihoods: np.ndarray) -> np.ndarray:
    """Log L_h - log mean_{k != h} L_k for an array (row, hypothesis) of likelihoods."""
    likelihoods = np.asarray(likelihoods, dtype=float)
    n = likelihoods.shape[-1]
    # The mean of the others, taken directly (not as (sum - L_h) / (n - 1)) so that equal likelihoods give exactly 0.
    others_mean = np.stack([np.delete(likelihoods, h, axis=-1).mean(axis=-1) for h in range(n)], axis=-1)
    with np.errstate(invalid="ignore"):
        llr = _log(likelihoods) - _log(others_mean)
    # 0/0 cannot happen for a valid row (not every likelihood is 0), but keep it defined.
    return np.where(np.isnan(llr), 0.0, llr)


def line_influence(spec, table: LikelihoodTable) -> np.ndarray:
    """Each row's effect on the log-odds of each line held on `by` (or at the last step when `by`
    is not later), shape (row, hypothesis): log-odds with every row minus log-odds without it."""
    from beliefs.inference.engines.lines import LineChain

    chain = LineChain(spec)
    last = len(table.months) - 1
    weights = table.weights_at(last)

    def log_odds(w):
        result = chain.run(w, last)
        p = np.clip(result.line if result.at_by is None else result.at_by, 1e-300, 1.0)
        with np.errstate(divide="ignore"):
            return np.log(p) - np.log1p(-np.minimum(p, 1.0 - 1e-16))

    full = log_odds(weights)
    effect = np.zeros((table.n_rows, len(spec.hypotheses)))
    for r in np.flatnonzero(weights > 0):
        without = weights.copy()
        without[r] = 0.0
        effect[r] = full - log_odds(without)
    return effect


def row_influence(scenario: Scenario, table: LikelihoodTable, row_latents: list[list[str]], spec=None) -> xr.Dataset:
    """Each row's push on each hypothesis and latent (see the module docstring for the definitions).

    Parameters
    ----------
    scenario : Scenario
        For the hypothesis and latent names.
    table : LikelihoodTable
        The rows' likelihoods after reliability.
    row_latents : list of list of str
        The latents each row bears on (its filled `p_<latent>_yes/_no` columns).
    spec : ModelSpec, optional
        The model; with a switching line, `hypothesis_llr` is each row's effect on the line on `by`.

    Returns
    -------
    xarray.Dataset
        Dims `row`, `hypothesis`, `latent`; variables `hypothesis_llr` (row, hypothesis),
        `latent_llr` (row, latent), `diagnosticity` (row), `bears_on_hypotheses` (row),
        `bears_on_latent` (row, latent). `assemble` merges it into the history, whose readers
        ask it through `beliefs.results.influence.Influence` (`PosteriorHistory.influence`).
    """
    hyp = table.hypothesis
    if table.n_rows:
        llr = hypothesis_llr(hyp)
        with np.errstate(invalid="ignore"):
            diag = _log(hyp.max(axis=1)) - _log(hyp.min(axis=1))
        diag = np.where(np.isnan(diag), 0.0, diag)
        with np.errstate(invalid="ignore"):
            latent = _log(table.latent_yes) - _log(table.latent_no)
        latent = np.where(np.isnan(latent), 0.0, latent)
    else:
        llr = np.zeros((0, len(scenario.hypothesis_names)))
        diag = np.zeros(0)
        latent = np.zeros((0, len(scenario.latent_names)))
    switching = spec is not None and spec.switches and table.n_rows
    if switching:
        llr = line_influence(spec, table)
    bears_latent = np.array([[name in latents for name in scenario.latent_names] for latents in row_latents], dtype=bool)
    bears_latent = bears_latent.reshape(table.n_rows, len(scenario.latent_names))
    return xr.Dataset(
        {
            "hypothesis_llr": (("row", "hypothesis"), llr),
            "latent_llr": (("row", "latent"), latent),
            "diagnosticity": (("row",), diag),
            "bears_on_hypotheses": (("row",), np.asarray(table.bears_on_hypotheses, dtype=bool)),
            "bears_on_latent": (("row", "latent"), bears_latent),
        },
        coords={"row": table.row_ids, "hypothesis": scenario.hypothesis_names, "latent": scenario.latent_names},
        attrs={
            "hypothesis_llr": "log-odds of the line on `by` with the row minus without it" if switching else
            "log L_h - log mean of the other hypotheses' L, after reliability",
            "latent_llr": "log p_yes - log p_no, after reliability",
        },
    )
