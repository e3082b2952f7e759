"""The one PyMC model of a workspace, shared by every engine.

    H ~ Categorical(prior)            w_j ~ Beta(alpha_j, beta_j), independent of H
    p(row | H, w) = L_H(row) * prod_j [w_j p_yes_j(row) + (1 - w_j) p_no_j(row)]

H is marginalised out (a `Potential` with `logsumexp`), so NUTS samples only the latents and
P(H | rows) is the `Deterministic` softmax, per draw. Which rows count is data (`included`),
so one compiled model serves every step.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from beliefs.likelihoods import LikelihoodTable
from beliefs.scenario import Scenario

INCLUDED = "included"
LATENT = "latent"
LATENT_VALUE = "w"
HYPOTHESIS_PROBABILITY = "hypothesis_probability"


def build_model(scenario: Scenario, table: LikelihoodTable) -> pm.Model:
    """The PyMC model of `scenario` given the evidence in `table`, conditioned on no row yet."""
    coords = {"hypothesis": scenario.hypothesis_names, "row": table.row_ids}
    if scenario.latents:
        coords[LATENT] = scenario.latent_names
    with np.errstate(divide="ignore"):
        log_prior = np.log(list(scenario.prior_probabilities.values()))
        hypothesis_loglik = np.log(table.hypothesis)
    with pm.Model(coords=coords) as model:
        included = pm.Data(INCLUDED, np.zeros(table.n_rows), dims="row")
        row_loglik = pm.Data("hypothesis_loglik", hypothesis_loglik, dims=("row", "hypothesis"))
        counted = pt.switch(pt.gt(included[:, None], 0), row_loglik, 0.0)
        joint = log_prior + counted.sum(axis=0)
        pm.Potential("hypothesis_evidence", pt.logsumexp(joint))
        pm.Deterministic(HYPOTHESIS_PROBABILITY, pt.special.softmax(joint), dims="hypothesis")
        if scenario.latents:
            priors = [scenario.latents[name].prior for name in scenario.latent_names]
            w = pm.Beta(LATENT_VALUE, alpha=np.array([p.alpha for p in priors]), beta=np.array([p.beta for p in priors]), dims=LATENT)
            p_yes = pm.Data("latent_yes", table.latent_yes, dims=("row", LATENT))
            p_no = pm.Data("latent_no", table.latent_no, dims=("row", LATENT))
            latent_loglik = pt.log(w * p_yes + (1.0 - w) * p_no)
            pm.Potential("latent_evidence", (included[:, None] * latent_loglik).sum())
    return model
