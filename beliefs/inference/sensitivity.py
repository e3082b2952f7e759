"""How robust the answer is: rows and groups left out, the judgment band, and the priors' and
dynamics' effect, each by recomputing P(H) from a changed `ModelSpec`.

P(H | rows so far) needs no draws: it is the hypotheses' prior times their rows' weighted
likelihoods times the states' marginal likelihoods (the forward algorithm), exactly; a
propensity latent enters only when its drift depends on H, through the forward filter (on a
coarser grid for the judgment band, whose draws are Monte Carlo anyway). The judgment band
perturbs every likelihood the analyst wrote, logit(p) + S * eps per cell and draw, and is
vectorised over the draws (the propensities' grid filter too: draws x hypotheses x grid at
once). Rows and groups left out reuse one forward and one backward pass (`leave_out`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from scipy.special import expit, logit, logsumexp

from beliefs.inference.engines import lines
from beliefs.inference.engines.lines import LineChain
from beliefs.inference.engines.states import StateFilter, forward
from beliefs.inference.leave_out import LeaveOut, trapezoid_weights
from beliefs.inference.likelihoods import likelihood_table
from beliefs.inference.spec import ModelSpec, logit_beta_logpdf, row_latent_likelihood
from beliefs.inputs.scenario import Scenario
from beliefs.inputs.workspace import Workspace
from beliefs.results.robustness import Robustness

BAND_GRID = 800  # grid points of the forward filter per draw of the band (coupled propensities only); 2 x 800 is a fast FFT length
BAND_MEMORY = 64 * 2**20  # bytes of filtered densities kept per chunk of the band's draws
QUANTILES = (0.05, 0.5, 0.95)


def final_probabilities(workspace: Workspace, grid_points: int = 2001) -> np.ndarray:
    """P(H | every row) of `workspace`, exactly (up to the filter's grid for coupled propensities);
    with a switching line, P(line on `by` | every row), what the question asks."""
    table = likelihood_table(workspace)
    spec = ModelSpec.build(workspace.scenario, table)
    last = len(workspace.steps) - 1
    if spec.switches:
        chain = LineChain(spec).run(table.weights_at(last), last)
        return chain.line if chain.at_by is None else chain.at_by
    return _softmax(_log_joint(spec, table.weights_at(last), last, grid_points))


def _log_joint(spec: ModelSpec, weights: np.ndarray, step: int, grid_points: int) -> np.ndarray:
    if spec.coupled:
        from beliefs.inference.engines.filter import ForwardFilter

        return ForwardFilter(spec, grid_points=grid_points, draws=1, chains=1).log_joint(weights, step)
    joint = spec.log_prior + spec.hypothesis_loglik(weights)
    return joint + StateFilter(spec).run(weights, step)[0] if spec.states else joint


def _softmax(joint: np.ndarray) -> np.ndarray:
    return np.exp(joint - logsumexp(joint, axis=-1, keepdims=True))


def _entry(probabilities: np.ndarray, reference: np.ndarray, hypotheses: list[str]) -> dict:
    return {"hypotheses": {h: round(float(p), 6) for h, p in zip(hypotheses, probabilities, strict=True)},
            "change": round(float(np.max(np.abs(probabilities - reference))), 6),
            "leader_changes": bool(np.argmax(probabilities) != np.argmax(reference))}


def _nothing() -> None:
    """No progress to report."""


def leave_one_out(workspace: Workspace, reference: np.ndarray, tick: Callable[[], None] = _nothing) -> list[dict]:
    """For every row: the final P(H) without it (group weights recomputed), largest change, linchpin or not."""
    without = _without(workspace)
    ids = [row.id for row in workspace.rows]
    out = []
    for i, row_id in enumerate(ids):
        removed = np.zeros(len(ids), dtype=bool)
        removed[i] = True
        out.append({"id": row_id, **_entry(without(removed), reference, workspace.scenario.hypothesis_names)})
        tick()
    return sorted(out, key=lambda e: -e["change"])


def leave_group_out(workspace: Workspace, reference: np.ndarray, tick: Callable[[], None] = _nothing) -> list[dict]:
    """For every group: the final P(H) without all of its rows."""
    without = _without(workspace)
    out = []
    for group in workspace.scenario.groups:
        removed = np.array([r.group == group for r in workspace.rows])
        if not removed.any():
            continue
        members = [r.id for r in workspace.rows if r.group == group]
        out.append({"group": group, "rows": members, **_entry(without(removed), reference, workspace.scenario.hypothesis_names)})
        tick()
    return sorted(out, key=lambda e: -e["change"])


def _without(workspace: Workspace) -> Callable[[np.ndarray], np.ndarray]:
    """The final P(H) without the rows of a boolean mask: from one forward and one backward pass
    (`leave_out`), or, for a switching line when the rows left out empty a step (its answer
    depends on the last step's date), refiltered from the workspace without them."""
    table = likelihood_table(workspace)
    spec = ModelSpec.build(workspace.scenario, table)
    if not spec.switches:
        return LeaveOut(spec).probabilities
    chain_of = LineChain(spec)

    def line(removed: np.ndarray) -> np.ndarray:
        if np.isin(np.arange(len(workspace.steps))[1:], table.row_step[~removed]).all():
            chain = chain_of.run(table.weights_at(len(workspace.steps) - 1, removed), len(workspace.steps) - 1)
            return chain.line if chain.at_by is None else chain.at_by
        return refiltered(workspace, removed)

    return line


def refiltered(workspace: Workspace, removed: np.ndarray) -> np.ndarray:
    """The final P(H) of the workspace rebuilt without the `removed` rows: every step filtered again."""
    rows = tuple(row for row, gone in zip(workspace.rows, removed, strict=True) if not gone)
    return final_probabilities(dataclasses.replace(workspace, rows=rows))


def one_at_a_time(workspace: Workspace, reference: np.ndarray, tick: Callable[[], None] = _nothing) -> tuple[list[dict], list[dict]]:
    """The final P(H) with one prior, or one latent's dynamics, halved and doubled."""
    priors, dynamics = [], []
    for kind, parameter, factor, changed in _variants(workspace.scenario):
        (priors if kind == "priors" else dynamics).append(_variant(workspace, changed, parameter, factor, reference))
        tick()
    return sorted(priors, key=lambda e: -e["change"]), sorted(dynamics, key=lambda e: -e["change"])


def _variants(scenario: Scenario) -> list[tuple[str, str, float, Scenario]]:
    """Each prior and each latent's dynamics halved and doubled: (priors or dynamics, parameter, factor, scenario)."""
    out = []
    for factor in (0.5, 2.0):
        for source, targets in scenario.switching.items():
            for target, rate in targets.items():
                if rate > 0:
                    switching = {**scenario.switching, source: {**targets, target: rate * factor}}
                    out.append(("dynamics", f"switching.{source}.{target}", factor, scenario.model_copy(update={"switching": switching})))
        for h, hypothesis in scenario.hypotheses.items():
            changed = _with_hypothesis(scenario, h, hypothesis.model_copy(update={"prior": hypothesis.prior * factor}))
            out.append(("priors", f"hypotheses.{h}.prior", factor, changed))
        for name, latent in scenario.latents.items():
            if latent.is_state:
                prior = min(latent.prior * factor, 0.999)
                out.append(("priors", f"latents.{name}.prior", factor, _with_latent(scenario, name, latent.model_copy(update={"prior": prior}))))
                if latent.switch is not None:
                    for which in ("on", "off"):
                        value = getattr(latent.switch, which)
                        scaled = {h: v * factor for h, v in value.items()} if isinstance(value, dict) else value * factor
                        switch = latent.switch.model_copy(update={which: scaled})
                        out.append(("dynamics", f"latents.{name}.switch.{which}", factor,
                                    _with_latent(scenario, name, latent.model_copy(update={"switch": switch}))))
            else:
                beta = latent.prior.model_copy(update={"alpha": latent.prior.alpha * factor, "beta": latent.prior.beta * factor})
                out.append(("priors", f"latents.{name}.prior (alpha + beta)", factor,
                            _with_latent(scenario, name, latent.model_copy(update={"prior": beta}))))
                if latent.volatility:
                    out.append(("dynamics", f"latents.{name}.volatility", factor,
                                _with_latent(scenario, name, latent.model_copy(update={"volatility": latent.volatility * factor}))))
                if any(latent.drift.values()):
                    drift = {h: d * factor for h, d in latent.drift.items()}
                    out.append(("dynamics", f"latents.{name}.drift", factor, _with_latent(scenario, name, latent.model_copy(update={"drift": drift}))))
    return out


def _with_hypothesis(scenario: Scenario, name: str, hypothesis) -> Scenario:
    return scenario.model_copy(update={"hypotheses": {**scenario.hypotheses, name: hypothesis}})


def _with_latent(scenario: Scenario, name: str, latent) -> Scenario:
    return scenario.model_copy(update={"latents": {**scenario.latents, name: latent}})


def _variant(workspace: Workspace, scenario: Scenario, parameter: str, factor: float, reference: np.ndarray) -> dict:
    changed = dataclasses.replace(workspace, scenario=scenario)
    return {"parameter": parameter, "factor": factor, **_entry(final_probabilities(changed), reference, scenario.hypothesis_names)}


def judgment_band(workspace: Workspace, judgment_sd: float, draws: int, seed: int, tick: Callable[[], None] = _nothing) -> list[dict]:
    """The 5%, 50% and 95% quantiles of P(H) at every step when every likelihood strictly
    between 0 and 1 is perturbed as logit(p) + S * eps (eps ~ Normal(0, 1) per cell and draw)."""
    scenario = workspace.scenario
    table = likelihood_table(workspace)
    spec = ModelSpec.build(scenario, table)
    rng = np.random.default_rng(seed)
    raw_h, raw_yes, raw_no = _raw_likelihoods(workspace)
    perturbed = [_perturb(raw, judgment_sd, draws, rng) for raw in (raw_h, raw_yes, raw_no)]
    reliability = np.array([row.reliability for row in workspace.rows])
    hypothesis = _reliable(perturbed[0], reliability, axis=-1)  # (draw, row, hypothesis)
    pair = _reliable(np.stack([perturbed[1], perturbed[2]], axis=-1), reliability[:, None], axis=-1)  # (draw, row, latent, 2)
    steps = workspace.steps
    paths = np.zeros((draws, len(steps), len(scenario.hypothesis_names)))
    names = scenario.latent_names
    state_columns = [names.index(s) for s in spec.states]
    propensity_columns = [names.index(s) for s in spec.latents]
    coupled = _coupled_log_evidence(spec, pair[:, :, propensity_columns], len(steps)) if spec.coupled else None
    for t in range(len(steps)):
        weights = table.weights_at(t)
        if spec.switches:  # the line's path, every draw through the chain of (line, states) at once
            with np.errstate(divide="ignore"):
                log_pair = np.log(pair[:, :, state_columns])
                joint = lines.forward(spec, np.log(hypothesis), log_pair[..., 0], log_pair[..., 1], weights, t)[1]
            paths[:, t] = lines.marginals(spec, joint)[0]
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            joint = spec.log_prior + np.where(weights[None, :, None] > 0, weights[None, :, None] * np.log(hypothesis), 0.0).sum(axis=1)
        if spec.states:
            joint = joint + _states_log_evidence(spec, pair[:, :, state_columns], weights, t)
        if spec.coupled:
            joint = joint + coupled[:, t]
        paths[:, t] = _softmax(joint)
        tick()
    quantiles = np.quantile(paths, QUANTILES, axis=0)  # (quantile, step, hypothesis)
    return [{"date": step.date.isoformat(),
             "hypotheses": {h: {name: round(float(quantiles[q, t, j]), 6) for q, name in enumerate(("q05", "q50", "q95"))}
                            for j, h in enumerate(scenario.hypothesis_names)}}
            for t, step in enumerate(steps)]


def _raw_likelihoods(workspace: Workspace) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The analyst's cells as arrays (row x hypothesis, row x latent for yes and no); 1 where a row does not bear."""
    scenario = workspace.scenario
    rows = workspace.rows
    hypothesis = np.ones((len(rows), len(scenario.hypothesis_names)))
    yes = np.ones((len(rows), len(scenario.latent_names)))
    no = np.ones((len(rows), len(scenario.latent_names)))
    for i, row in enumerate(rows):
        if row.hypotheses is not None:
            hypothesis[i] = [row.hypotheses[h] for h in scenario.hypothesis_names]
        for j, name in enumerate(scenario.latent_names):
            if name in row.latents:
                yes[i, j], no[i, j] = row.latents[name]
    return hypothesis, yes, no


def _perturb(values: np.ndarray, sd: float, draws: int, rng: np.random.Generator) -> np.ndarray:
    """logit(p) + sd * eps for every cell strictly between 0 and 1; 0 and 1 stay (a row not bearing is all ones)."""
    noise = rng.standard_normal((draws, *values.shape))
    inside = (values > 0) & (values < 1)
    with np.errstate(divide="ignore"):
        moved = expit(logit(np.where(inside, values, 0.5)) + sd * noise)
    return np.where(inside, moved, values)


def _reliable(values: np.ndarray, reliability: np.ndarray, axis: int) -> np.ndarray:
    """R L + (1 - r) mean(L), along `axis` (the row's block), as `likelihoods.with_reliability`."""
    r = reliability[None, :, None] if values.ndim == 3 else reliability[None, :, :, None]
    return r * values + (1 - r) * values.mean(axis=axis, keepdims=True)


def _states_log_evidence(spec: ModelSpec, pair: np.ndarray, weights: np.ndarray, step: int) -> np.ndarray:
    """Log p(state rows | H) per draw, shape (draw, hypothesis): the forward algorithm over the batch of draws."""
    with np.errstate(divide="ignore"):
        return forward(spec, np.log(pair[..., 0]), np.log(pair[..., 1]), weights, step)[0]


def _coupled_log_evidence(spec: ModelSpec, pair: np.ndarray, n_steps: int) -> np.ndarray:
    """Log p(propensity rows up to each step | H) per draw for latents whose drift depends on H,
    shape (draw, step, hypothesis): the forward filter of `engines.filter` run on a batch of
    draws at once (draws x hypotheses x grid), in chunks of draws that keep memory bounded."""
    from beliefs.inference.engines.filter import ForwardFilter

    grids = ForwardFilter(spec, grid_points=BAND_GRID, draws=1, chains=1).grids
    H = len(spec.hypotheses)
    kept = n_steps if spec.table.grouped else 1  # a later group member reweighs earlier steps: refilter from them
    chunk = max(1, BAND_MEMORY // (8 * (kept + 4) * H * BAND_GRID))
    out = np.zeros((pair.shape[0], n_steps, H))
    for first in range(0, pair.shape[0], chunk):
        for j, grid in enumerate(grids):
            batch = _BatchFilter(spec, grid, j, pair[first:first + chunk, :, j], n_steps, kept)
            for t in range(n_steps):
                out[first:first + chunk, t] += batch.log_evidence(spec.table.weights_at(t), t)
    return out


class _BatchFilter:
    """One latent's forward filter (as `ForwardFilter._filter_to` and `_advance`) for a batch of draws."""

    def __init__(self, spec: ModelSpec, grid: np.ndarray, j: int, pair: np.ndarray, n_steps: int, kept: int):
        self.spec, self.grid, self.j, self.table = spec, grid, j, spec.table
        self.yes, self.no = pair[..., 0], pair[..., 1]  # (draw, row)
        self.bears = ~((self.table.latent_yes[:, j] == 1) & (self.table.latent_no[:, j] == 1))
        shape = (n_steps, pair.shape[0], len(spec.hypotheses))
        self.density = np.zeros((kept, *shape[1:], grid.size))  # step t's density at t % kept
        self.evidence = np.zeros(shape)
        self.variance = np.zeros(n_steps)  # the walk's variance since the last blur, per step
        self.quadrature = trapezoid_weights(grid)
        self.used = np.full(self.table.n_rows, np.nan)
        self.done = -1

    def log_evidence(self, weights: np.ndarray, step: int) -> np.ndarray:
        """Log p(rows up to `step` | H) per draw, refiltering from the first step whose rows weigh differently."""
        row_step = self.table.row_step
        changed = (row_step <= min(step, self.done)) & (self.used != weights) & self.bears  # other rows leave this filter as it was
        start = min(int(row_step[changed].min()) if changed.any() else step + 1, self.done + 1)
        for t in range(start, step + 1):
            self._advance(t, weights)
        self.used[row_step <= step] = weights[row_step <= step]
        self.done = step
        return self.evidence[step]

    def _advance(self, t: int, weights: np.ndarray) -> None:
        """One step; a step without rows on the latent only adds its variance to the blur still
        to come (Gaussian steps compose: one blur of the summed variance is the same walk)."""
        from beliefs.inference.engines.filter import gaussian_blur

        spec, grid, j = self.spec, self.grid, self.j
        rows = np.flatnonzero((self.table.row_step == t) & self.bears & (weights > 0))
        if t == 0:
            density, evidence, variance = np.exp(logit_beta_logpdf(grid, spec.alpha[j], spec.beta[j])), 0.0, 0.0
        else:
            density, evidence = self.density[(t - 1) % len(self.density)], self.evidence[t - 1]
            variance = self.variance[t - 1] + spec.volatility[j] ** 2 * (self.table.months[t] - self.table.months[t - 1])
            if not rows.size:
                self.density[t % len(self.density)], self.evidence[t], self.variance[t] = density, evidence, variance
                return
            if variance > 0:
                density = gaussian_blur(density, np.sqrt(variance), grid[1] - grid[0])
        self.variance[t] = 0.0
        if rows.size:
            w = expit(grid[None, :] + spec.drift[:, j, None] * self.table.months[t])[None, :, :, None]  # (1, H, grid, 1)
            likelihood = row_latent_likelihood(w, self.yes[:, None, None, rows], self.no[:, None, None, rows])
            density = density * (np.prod(likelihood, axis=-1) if (weights[rows] == 1).all() else np.prod(likelihood ** weights[rows], axis=-1))
        density = np.broadcast_to(density, self.density.shape[1:])
        mass = density @ self.quadrature
        self.density[t % len(self.density)] = density / mass[..., None]
        self.evidence[t] = evidence + np.log(mass)


def sensitivity(workspace: Workspace, *, judgment_sd: float = 0.5, draws: int = 1000, seed: int = 0,
                on_progress: Callable[[int, int], None] | None = None) -> Robustness:
    """Everything `beliefs sensitivity --json` prints (see the README for the shape), typed.

    `on_progress(done, total)` is called after each recomputation (a row or group left out, a
    prior or dynamics changed, a step of the band); `total` is known from the start.
    """
    groups = {row.group for row in workspace.rows if row.group is not None}
    total = 1 + len(workspace.rows) + len(groups) + len(_variants(workspace.scenario)) + len(workspace.steps)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if on_progress:
            on_progress(done, total)

    reference = final_probabilities(workspace)
    tick()
    hypotheses = workspace.scenario.hypothesis_names
    priors, dynamics = one_at_a_time(workspace, reference, tick)
    return Robustness.from_dict({
        "final": {"date": workspace.steps[-1].date.isoformat(), "hypotheses": {h: round(float(p), 6) for h, p in zip(hypotheses, reference, strict=True)}},
        "leave_one_out": leave_one_out(workspace, reference, tick),
        "groups": leave_group_out(workspace, reference, tick),
        "band": judgment_band(workspace, judgment_sd, draws, seed, tick),
        "priors": priors,
        "dynamics": dynamics,
        "settings": {"judgment_sd": judgment_sd, "draws": draws, "seed": seed},
    })
