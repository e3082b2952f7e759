"""The naive way, as the PyMC "updating priors" examples teach it: for every step, rebuild
the model with the evidence seen so far and call `pm.sample()` with its defaults.

Run as a process by `run.py` (so its wall time and peak memory are its own)::

    python benchmarks/naive.py WORKSPACE STEPS RESULT.json

The model is `beliefs.inference.model.build_model` of the workspace cut at that step, every row of it
included, so the naive way samples exactly the model that `beliefs` computes. With nutpie
installed, PyMC 6's `pm.sample()` compiles the model anew on every call: that is the cost.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np


def naive_history(root: Path, steps: int) -> list[dict]:
    """Rebuild and sample the model for steps 0 .. steps-1; the result of each step."""
    import pymc as pm

    import beliefs
    import beliefs.inference.model as model_module
    from beliefs.inference.likelihoods import likelihood_table
    from beliefs.inference.spec import ModelSpec

    workspace = beliefs.load_workspace(root)
    included = getattr(model_module, "ROW_WEIGHT", "row_weight")
    current = getattr(model_module, "CURRENT_STEP", None)
    probability = getattr(model_module, "HYPOTHESIS_PROBABILITY", "hypothesis_probability")
    results = []
    for step in workspace.steps[:steps]:
        start = time.perf_counter()
        seen = dataclasses.replace(workspace, rows=tuple(row for row in workspace.rows if row.date <= step.date))
        table = likelihood_table(seen)
        model = model_module.build_model(ModelSpec.build(seen.scenario, table))
        with model:
            data = {included: np.ones(table.n_rows)}
            if current and current in model.named_vars:
                data[current] = np.array(step.index, dtype="int64")
            pm.set_data(data)
            trace = pm.sample(progressbar=False, random_seed=step.index)
        posterior = trace["posterior"]
        latent = _latent_variable(posterior, model_module)
        results.append({
            "step": step.index,
            "seconds": time.perf_counter() - start,
            "hypothesis_probability": posterior[probability].mean(("chain", "draw")).values.tolist(),
            "latent_mean": _latent_mean(posterior, latent, probability) if latent else [],
            "chains": int(posterior.sizes["chain"]),
            "draws": int(posterior.sizes["draw"]),
        })
    return results


def _latent_variable(posterior, model_module) -> str | None:
    """The posterior variable holding each latent's value now (or the static latent)."""
    for name in (getattr(model_module, "LATENT_NOW", None), getattr(model_module, "LATENT_VALUE", "w")):
        if name and name in posterior:
            return name
    return None


def _latent_mean(posterior, latent: str, probability: str) -> list[float]:
    """Each latent's posterior mean; where drift couples it with H (a value per hypothesis),
    the mixture over H with each draw's P(H | draw), as the NUTS engine computes it."""
    values = posterior[latent]
    if "hypothesis" in values.dims:
        values = (values * posterior[probability]).sum("hypothesis")
    return values.mean(("chain", "draw")).values.tolist()


def main(argv: list[str]) -> None:
    root, steps, out = Path(argv[0]), int(argv[1]), Path(argv[2])
    out.write_text(json.dumps(naive_history(root, steps)), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
