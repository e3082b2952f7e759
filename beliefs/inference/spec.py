"""The numbers that define the one model, stated once for every engine and the forecast.

    H ~ Categorical(prior)        w_j,0 ~ Beta(alpha_j, beta_j)       z_j,t = logit(w_j,t)
    S_k,0 ~ Bernoulli(prior_k),   S_k,t | S_k,t-1, H ~ the two-state chain with H's on/off rates
    z_j,t = z_j,t-1 + drift_j[H] dt_t + volatility_j sqrt(dt_t) eps_j,t,   eps ~ Normal(0, 1)
    p(row | H, w, S) = L_H(row) * prod_j [w_j,t(row) p_yes_j(row) + (1 - w_j,t(row)) p_no_j(row)]
                                * prod_k [p_yes_k(row) if S_k,t(row) else p_no_k(row)]
    (each row's log-likelihood multiplied by its weight at the step: see `LikelihoodTable.weights_at`)

With `[switching]` the line H_t moves too: (H_t, S_1,t, ..., S_K,t) is one continuous-time Markov
chain whose generator moves the line at the switching rates and each state at the on/off rates
of the line held at that moment; a row is judged against the line held on its date,
p(row | H_t(row), w, S_t(row)). Its transition matrix over each gap between steps is the matrix
exponential of the generator times the gap (`joint_generator`); as for the states alone, the
chain starts from its prior on the first step's date.

`beliefs.inference.model` writes this as a PyMC model, the forward filter evaluates it on a
grid, and the forecast walks it forward; all three read their prior, drift, volatility and
row likelihoods from a `ModelSpec`, so the engines cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm
from scipy.special import betaln, log_expit

from beliefs.inference.likelihoods import DAYS_PER_MONTH, LikelihoodTable
from beliefs.inputs.scenario import Latent, Scenario


@dataclass(frozen=True)
class ModelSpec:
    """The model of one workspace as arrays.

    Parameters
    ----------
    hypotheses, latents : list of str
        Names, in the scenario's order; `latents` are the propensity latents (continuous unknowns).
    log_prior : ndarray, shape (hypothesis,)
        Log of the normalised prior of each hypothesis (-inf for a prior of 0).
    alpha, beta : ndarray, shape (latent,)
        Each latent's Beta prior at the prior date.
    volatility : ndarray, shape (latent,)
        Standard deviation of one month's change of logit(w).
    drift : ndarray, shape (hypothesis, latent)
        Mean monthly change of logit(w) under each hypothesis.
    table : LikelihoodTable
        The rows' likelihoods, reliability applied; its latent columns are the propensity latents'.
    states : list of str
        The state latents, in the scenario's order.
    state_prior : ndarray, shape (state,)
        P(each state holds on the prior date).
    state_transition : ndarray, shape (step, hypothesis, state, 2, 2)
        P(state at step t = j | at step t - 1 = i) under each hypothesis (identity at step 0).
    state_yes, state_no : ndarray, shape (row, state)
        Each row's likelihood if the state holds and if it does not (ones where it does not bear).
    """

    hypotheses: list[str]
    latents: list[str]
    log_prior: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    volatility: np.ndarray
    drift: np.ndarray
    table: LikelihoodTable
    states: list[str] = dataclasses.field(default_factory=list)
    state_prior: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    state_transition: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 0, 0, 2, 2)))
    state_yes: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 0)))
    state_no: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 0)))
    state_rates: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 0, 2)))
    line_rates: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 0)))
    joint_transition: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 0, 0)))
    by_months: float | None = None

    @classmethod
    def build(cls, scenario: Scenario, table: LikelihoodTable) -> ModelSpec:
        """The specification of `scenario` with the evidence in `table`."""
        names = scenario.latent_names
        continuous = [j for j, name in enumerate(names) if not scenario.latents[name].is_state]
        discrete = [j for j, name in enumerate(names) if scenario.latents[name].is_state]
        specs = [scenario.latents[names[j]] for j in continuous]
        with np.errstate(divide="ignore"):
            log_prior = np.log(list(scenario.prior_probabilities.values()))
        drift, volatility = latent_dynamics(scenario)
        states = [scenario.latents[names[j]] for j in discrete]
        steps = np.diff(table.months, prepend=table.months[:1]) if len(table.months) else np.zeros(0)
        line_rates, switch_rates = chain_rates(scenario)
        generator = joint_generator(line_rates, switch_rates) if scenario.switches else None
        resolution = scenario.resolution
        return cls(
            hypotheses=scenario.hypothesis_names,
            latents=[names[j] for j in continuous],
            log_prior=log_prior,
            alpha=np.array([s.prior.alpha for s in specs], dtype=float),
            beta=np.array([s.prior.beta for s in specs], dtype=float),
            volatility=volatility,
            drift=drift,
            table=dataclasses.replace(table, latent_yes=table.latent_yes[:, continuous], latent_no=table.latent_no[:, continuous]),
            states=[names[j] for j in discrete],
            state_prior=np.array([s.prior for s in states], dtype=float),
            state_transition=np.array([[[transition_matrix(s, h, months) for s in states] for h in scenario.hypothesis_names]
                                       for months in steps]).reshape(len(steps), len(scenario.hypothesis_names), len(states), 2, 2),
            state_yes=table.latent_yes[:, discrete],
            state_no=table.latent_no[:, discrete],
            state_rates=switch_rates,
            line_rates=line_rates,
            joint_transition=np.array([expm(generator * months) for months in steps]).reshape(len(steps), *generator.shape)
            if generator is not None else np.zeros((0, 0, 0)),
            by_months=(resolution.by - scenario.prior_date).days / DAYS_PER_MONTH if resolution is not None else None,
        )

    @property
    def switches(self) -> bool:
        """Whether the line held can move between hypotheses."""
        return bool(np.any(self.line_rates > 0))

    def joint_generator(self) -> np.ndarray:
        """The generator of the chain over (line, states), per month (see `joint_generator`)."""
        return joint_generator(self.line_rates, self.state_rates)

    @property
    def coupled(self) -> bool:
        """Whether a latent's drift depends on H, so that evidence on one informs the other."""
        return bool(np.any(self.drift))

    @property
    def moving(self) -> bool:
        """Whether any latent changes over time (drift or volatility)."""
        return self.coupled or bool(np.any(self.volatility > 0))

    def hypothesis_loglik(self, weights: np.ndarray) -> np.ndarray:
        """Sum over the rows of weight x log L_H(row), per hypothesis; rows of weight 0 add 0."""
        with np.errstate(divide="ignore", invalid="ignore"):
            log_l = np.log(self.table.hypothesis)
            return np.where(weights[:, None] > 0, weights[:, None] * log_l, 0.0).sum(axis=0)


def chain_rates(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """The line's monthly switching rates, shape (hypothesis, hypothesis), and each state
    latent's `on` and `off` rates under each line, shape (hypothesis, state, 2)."""
    hypotheses = scenario.hypothesis_names
    states = [latent for latent in scenario.latents.values() if latent.is_state]
    line_rates = np.array([[scenario.switching_rate(a, b) for b in hypotheses] for a in hypotheses], dtype=float)
    switch_rates = np.array([[[s.switch.rate(which, h) if s.switch else 0.0 for which in ("on", "off")] for s in states]
                             for h in hypotheses], dtype=float).reshape(len(hypotheses), len(states), 2)
    return line_rates, switch_rates


def joint_states(n_hypotheses: int, n_states: int) -> tuple[np.ndarray, np.ndarray]:
    """The joint chain's states in order: index = line * 2**K + sum_k 2**k [state k holds].

    Returns the line of each joint state, shape (joint,), and whether each state latent holds
    in it, shape (joint, state).
    """
    index = np.arange(n_hypotheses * 2**n_states)
    holds = (index[:, None] % 2**n_states >> np.arange(n_states)[None, :]) & 1
    return index // 2**n_states, holds.astype(bool)


def joint_generator(line_rates: np.ndarray, switch_rates: np.ndarray) -> np.ndarray:
    """The monthly generator Q of the chain over (line, states).

    Parameters
    ----------
    line_rates : ndarray, shape (hypothesis, hypothesis)
        Rate of moving from line i to line j (the diagonal is ignored).
    switch_rates : ndarray, shape (hypothesis, state, 2)
        Each state's `on` and `off` rates under each line.

    Returns
    -------
    ndarray, shape (joint, joint)
        Q[i, j] the rate from joint state i to j (i != j), rows summing to 0. Only one
        coordinate moves at a time: the line (the states stay), or one state (the line stays).
    """
    n_lines, n_states = switch_rates.shape[:2]
    line, holds = joint_states(n_lines, n_states)
    size = line.size
    generator = np.zeros((size, size))
    for i in range(size):
        for target in range(n_lines):
            if target != line[i]:
                generator[i, target * 2**n_states + i % 2**n_states] = line_rates[line[i], target]
        for k in range(n_states):
            generator[i, i ^ (1 << k)] = switch_rates[line[i], k, 1 if holds[i, k] else 0]
    generator[np.arange(size), np.arange(size)] = -generator.sum(axis=1)
    return generator


def transition_matrix(latent: Latent, hypothesis: str, months: float) -> np.ndarray:
    """P(state after `months` = j | state before = i) of a state latent under `hypothesis`, (i, j).

    The two-state continuous-time Markov chain with rates a (on) and b (off), s = a + b:
    P(holds after | not before) = a/s (1 - e^(-s months)), P(holds after | held) = a/s + b/s e^(-s months);
    no change when s = 0 or months = 0.
    """
    a = latent.switch.rate("on", hypothesis) if latent.switch else 0.0
    b = latent.switch.rate("off", hypothesis) if latent.switch else 0.0
    s = a + b
    if s == 0 or months == 0:
        return np.eye(2)
    decay = np.exp(-s * months)
    on_from_off = a / s * (1.0 - decay)
    on_from_on = a / s + b / s * decay
    return np.array([[1.0 - on_from_off, on_from_off], [1.0 - on_from_on, on_from_on]])


def latent_dynamics(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Each propensity latent's monthly drift of logit(w) under each hypothesis, shape
    (hypothesis, latent), and its monthly volatility, shape (latent,)."""
    specs = [scenario.latents[name] for name in scenario.latent_names if not scenario.latents[name].is_state]
    drift = np.array([[s.drift.get(h, 0.0) for s in specs] for h in scenario.hypothesis_names], dtype=float)
    volatility = np.array([s.volatility for s in specs], dtype=float)
    return drift.reshape(len(scenario.hypothesis_names), len(specs)), volatility


def logit_beta_logpdf(z: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Log-density of z = logit(w) for w ~ Beta(alpha, beta), Jacobian included.

    The same density PyMC gives a Beta variable on its log-odds transform.
    """
    return alpha * log_expit(z) + beta * log_expit(-z) - betaln(alpha, beta)


def row_latent_likelihood(w: np.ndarray, p_yes: np.ndarray, p_no: np.ndarray) -> np.ndarray:
    """A row's likelihood given the latent's value: w p_yes + (1 - w) p_no."""
    return w * p_yes + (1.0 - w) * p_no
