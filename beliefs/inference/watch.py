"""What to watch for next: every indicator's chance of being observed now, what seeing it (or
not) would do to the hypotheses, and how much it would tell, in bits.

At the latest step, with P(H) the current posterior, an indicator with likelihoods L_H (after
reliability; 1 where it does not bear) and, for each latent j, p_yes / p_no:

    P(x | H) = L_H * prod_j E[p_yes S_j + p_no (1 - S_j) | H, rows]     (S_j the state, or w_j)
    P(x) = sum_H P(H) P(x | H),   P(H | x) = P(H) P(x | H) / P(x)

The information about the hypotheses is the mutual information I(H; X) between H and whether
the indicator is observed; about a state latent, I(S; X) from the joint of S, H and X; about a
propensity latent, I(w; X) from its posterior draws (taking w independent of H, exact for a
latent whose drift does not depend on H). Latents are independent given H.

With a switching line the indicator is judged against the line and states held now, on the
chain's joint distribution J (the states are not independent given the line there):
P(x | j) = L_line(j) * prod_k (p_yes_k if S_k holds in j else p_no_k) * the propensities'
factor, P(x) = sum_j J_j P(x | j). The information about the hypotheses is about the line held
on `by` (what the question asks): the joint updated by x, carried forward to `by`; `if_observed`
and `if_not` also give `hypotheses_at_by`.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm

from beliefs.inference.engines.lines import LineChain, months_to_by
from beliefs.inference.engines.states import StateFilter
from beliefs.inference.forecast import joint_draws
from beliefs.inference.likelihoods import likelihood_table, with_reliability
from beliefs.inference.spec import ModelSpec, joint_states
from beliefs.inputs.evidence import EvidenceRow
from beliefs.inputs.workspace import Workspace
from beliefs.results.robustness import Watch


def _bits(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, -p * np.log2(p), 0.0)


def _entropy(p_observed: np.ndarray) -> np.ndarray:
    """Entropy in bits of "observed or not" with probability `p_observed` (any shape)."""
    return _bits(p_observed) + _bits(1 - p_observed)


def watch(workspace: Workspace, history, indicators: list[EvidenceRow]) -> Watch:
    """Every indicator not yet seen, ranked by the information it would give about the hypotheses.

    Parameters
    ----------
    workspace : Workspace
        For the states' filtered distribution per hypothesis at the latest step.
    history : PosteriorHistory
        Its latest step's P(H) and latent draws.
    indicators : list of EvidenceRow
        From `beliefs.inputs.indicators.load_indicators`.

    Returns
    -------
    Watch
        What `beliefs watch --json` prints, typed.
    """
    scenario = workspace.scenario
    hypotheses, latents = scenario.hypothesis_names, scenario.latent_names
    last = history.n_steps - 1
    p_h = history.hypothesis_probability.isel(step=last).values
    table = likelihood_table(workspace)
    spec = ModelSpec.build(scenario, table)
    chain = LineChain(spec).run(table.weights_at(last), last) if spec.switches else None
    if chain is not None:
        state_by_h = chain.state_given_line
    else:
        state_by_h = StateFilter(spec).run(table.weights_at(last), last)[1] if spec.states else np.zeros((len(hypotheses), 0))
    draws = joint_draws(history.latent_draws.isel(step=last))
    chosen = history.draw_hypothesis.isel(step=last).values.reshape(-1)
    seen = {row.id for row in workspace.rows}
    entries = []
    for row in indicators:
        if row.id in seen:
            continue
        likelihood_h = with_reliability([row.hypotheses[h] for h in hypotheses], row.reliability) if row.hypotheses else np.ones(len(hypotheses))
        pairs = {name: with_reliability(row.latents[name], row.reliability) for name in latents if name in row.latents}
        expected = {name: _expected_by_hypothesis(name, pair, spec, state_by_h, draws[:, latents.index(name)], chosen, len(hypotheses))
                    for name, pair in pairs.items()}
        if chain is not None:
            entries.append(_switching_entry(row, spec, chain, likelihood_h, pairs, expected, p_h, draws, latents))
            continue
        p_x_h = likelihood_h * np.prod([e for e in expected.values()], axis=0) if expected else likelihood_h
        p_x = float(p_h @ p_x_h)
        information = float(_entropy(np.array(p_x)) - p_h @ _entropy(p_x_h))
        latent_information = {name: _latent_information(name, pair, spec, p_h, likelihood_h, expected, state_by_h, draws[:, latents.index(name)])
                              for name, pair in pairs.items()}
        entries.append({
            "id": row.id, "summary": row.summary, "probability": round(p_x, 6), "information_bits": round(max(information, 0.0), 6),
            "latent_information_bits": {k: round(max(v, 0.0), 6) for k, v in latent_information.items()},
            "if_observed": {"hypotheses": _rounded(hypotheses, p_h * p_x_h / p_x) if p_x > 0 else None},
            "if_not": {"hypotheses": _rounded(hypotheses, p_h * (1 - p_x_h) / (1 - p_x)) if p_x < 1 else None},
        })
    entries.sort(key=lambda e: -e["information_bits"])
    return Watch.from_dict({"date": history.dates[last], "indicators": entries})


def _switching_entry(row, spec, chain, likelihood_h, pairs, expected, p_h, draws, latents) -> dict:
    """One indicator's entry on the joint chain of (line, states) (see the module docstring)."""
    line, holds = joint_states(len(spec.hypotheses), len(spec.states))
    p_x_j = likelihood_h[line].copy()
    for name, (yes, no) in pairs.items():
        if name in spec.states:
            p_x_j *= np.where(holds[:, spec.states.index(name)], yes, no)
        else:
            p_x_j *= expected[name].mean()  # independent of the line under switching
    joint = chain.joint
    p_x = float(joint @ p_x_j)
    ahead = months_to_by(spec, len(spec.table.months) - 1)
    move = expm(spec.joint_generator() * ahead) if ahead is not None else np.eye(line.size)
    answer_seen = (joint * p_x_j) @ move  # P(line on by, seen), unnormalised over joint states
    answer_not = (joint * (1 - p_x_j)) @ move
    seen_on_by = answer_seen.reshape(len(spec.hypotheses), -1).sum(axis=1)  # P(line on by = h, seen)
    line_on_by = seen_on_by + answer_not.reshape(len(spec.hypotheses), -1).sum(axis=1)  # P(line on by = h)
    seen_given_line = np.divide(seen_on_by, line_on_by, out=np.zeros_like(line_on_by), where=line_on_by > 0)
    information = float(_entropy(np.array(p_x)) - line_on_by @ _entropy(seen_given_line))  # I(line on by; seen)
    latent_information = {}
    for name, (yes, no) in pairs.items():
        if name in spec.states:
            k = spec.states.index(name)
            seen_s = np.array([(joint * p_x_j)[holds[:, k] == s].sum() for s in (False, True)])
            p_s = np.array([joint[holds[:, k] == s].sum() for s in (False, True)])
            p_x_s = np.divide(seen_s, p_s, out=np.zeros(2), where=p_s > 0)
            latent_information[name] = float(_entropy(np.array(p_x)) - p_s @ _entropy(p_x_s))
        else:
            others = p_x / (expected[name].mean() or 1.0)
            values = draws[:, latents.index(name)]
            p_x_w = others * (values * yes + (1 - values) * no)
            latent_information[name] = float(_entropy(np.array(p_x_w.mean())) - _entropy(p_x_w).mean())

    def outcome(weights, total):
        if total <= 0:
            return None
        now = (joint * weights).reshape(len(spec.hypotheses), -1).sum(axis=1) / total
        at_by = ((joint * weights) @ move).reshape(len(spec.hypotheses), -1).sum(axis=1) / total
        return {"hypotheses": _rounded(spec.hypotheses, now), "hypotheses_at_by": _rounded(spec.hypotheses, at_by)}

    return {
        "id": row.id, "summary": row.summary, "probability": round(p_x, 6), "information_bits": round(max(information, 0.0), 6),
        "latent_information_bits": {k: round(max(v, 0.0), 6) for k, v in latent_information.items()},
        "if_observed": outcome(p_x_j, p_x), "if_not": outcome(1 - p_x_j, 1 - p_x),
    }


def _expected_by_hypothesis(name, pair, spec, state_by_h, values, chosen, n_hypotheses) -> np.ndarray:
    """E[p_yes S + p_no (1 - S) | H] per hypothesis (S a state, or w a propensity's draws given H)."""
    yes, no = pair
    if name in spec.states:
        held = state_by_h[:, spec.states.index(name)]
        return held * yes + (1 - held) * no
    mean_w = np.array([values[chosen == h].mean() if np.any(chosen == h) else values.mean() for h in range(n_hypotheses)])
    return mean_w * yes + (1 - mean_w) * no


def _latent_information(name, pair, spec, p_h, likelihood_h, expected, state_by_h, values) -> float:
    """I(latent; X): for a state from the joint of S and H, for a propensity from its draws."""
    yes, no = pair
    others = np.prod([e for k, e in expected.items() if k != name], axis=0) if len(expected) > 1 else np.ones_like(p_h)
    base = likelihood_h * others  # P(x | H) without this latent's factor
    if name in spec.states:
        held = state_by_h[:, spec.states.index(name)]
        joint = np.stack([p_h * (1 - held), p_h * held], axis=1)  # (H, S)
        p_s = joint.sum(axis=0)
        p_x_s = np.array([(joint[:, s] * base).sum() / p_s[s] if p_s[s] > 0 else 0.0 for s in range(2)]) * np.array([no, yes])
        p_x = float(p_s @ p_x_s)
        return float(_entropy(np.array(p_x)) - p_s @ _entropy(p_x_s))
    p_x_w = float(p_h @ base) * (values * yes + (1 - values) * no)  # one per draw of w
    return float(_entropy(np.array(p_x_w.mean())) - _entropy(p_x_w).mean())


def _rounded(hypotheses: list[str], values: np.ndarray) -> dict[str, float]:
    return {h: round(float(v), 6) for h, v in zip(hypotheses, values, strict=True)}
