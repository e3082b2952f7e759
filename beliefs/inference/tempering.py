"""P(answer) at each step with every row's log-likelihood multiplied by an exponent alpha.

alpha scales a row's weight, so it applies after reliability and the group's design effect, to
the hypotheses and every latent alike: the effective weight is alpha x the group weight. The
rows fall into classes (all rows, or the kinds of evidence) with one alpha each. Without states,
switching or a propensity whose drift depends on H, P(H | rows) is
softmax(log prior + sum_c alpha_c K_c), with K_c the class's weighted log-likelihoods, so each
step's K is computed once and any alpha costs a few multiplications; otherwise the exact forward
algorithms (`engines.states`, `engines.lines`, `engines.filter`) are run with alpha-scaled weights.
The answer is what the question asks (`PosteriorHistory.answer`): with a switching line, P(line
on `by`) where `by` is later than the step.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import logsumexp

from beliefs.inference.engines.exact import GRID_POINTS
from beliefs.inference.likelihoods import LikelihoodTable, likelihood_table
from beliefs.inference.spec import ModelSpec
from beliefs.inputs.workspace import Workspace


class TemperedAnswers:
    """A workspace's answers at chosen steps, for any alpha per class of rows.

    Parameters
    ----------
    workspace : Workspace
    classes : sequence of int
        Each row's class (index into the alphas given to `answers`).
    steps : sequence of int, optional
        The steps wanted (default: every step).
    table : LikelihoodTable, optional
        The workspace's likelihood table, when already built.
    """

    def __init__(self, workspace: Workspace, classes: Sequence[int], steps: Sequence[int] | None = None, table: LikelihoodTable | None = None):
        self.table = table if table is not None else likelihood_table(workspace)
        self.spec = ModelSpec.build(workspace.scenario, self.table)
        self.steps = list(range(len(workspace.steps))) if steps is None else list(steps)
        self.classes = np.asarray(classes, dtype=int)
        self.n_classes = int(self.classes.max()) + 1 if self.classes.size else 0
        self.weights = np.stack([self.table.weights_at(t) for t in self.steps]) if self.steps else np.zeros((0, self.table.n_rows))
        self.linear = not (self.spec.states or self.spec.switches or self.spec.coupled)
        if self.linear:
            with np.errstate(divide="ignore", invalid="ignore"):
                log_l = np.log(self.table.hypothesis)
                rows = np.where(self.weights[:, :, None] > 0, self.weights[:, :, None] * log_l[None], 0.0)  # (step, row, hypothesis)
            self._by_class = np.stack([rows[:, self.classes == c].sum(axis=1) for c in range(self.n_classes)], axis=1) \
                if self.n_classes else np.zeros((len(self.steps), 0, len(self.spec.hypotheses)))
        else:
            self._runner = _runner(self.spec)

    def answers(self, alpha: Sequence[float]) -> np.ndarray:
        """P(answer) at each chosen step, shape (step, hypothesis), with class c's rows' weights times alpha[c]."""
        alpha = np.asarray(alpha, dtype=float)
        if self.linear:
            with np.errstate(invalid="ignore"):
                scaled = np.where(alpha[None, :, None] > 0, alpha[None, :, None] * self._by_class, 0.0).sum(axis=1)
            return _softmax(self.spec.log_prior[None, :] + scaled)
        row_alpha = alpha[self.classes] if self.classes.size else np.zeros(0)
        return np.stack([self._runner(self.weights[i] * row_alpha, t) for i, t in enumerate(self.steps)])


def _runner(spec: ModelSpec):
    """P(answer) at one step for given row weights, by the exact forward algorithm the model needs."""
    if spec.switches:
        from beliefs.inference.engines.lines import LineChain

        chain = LineChain(spec)

        def switching(weights: np.ndarray, step: int) -> np.ndarray:
            result = chain.run(weights, step)
            return result.line if result.at_by is None else result.at_by

        return switching
    if spec.coupled:
        from beliefs.inference.engines.filter import ForwardFilter

        runner = ForwardFilter(spec, grid_points=GRID_POINTS, draws=1, chains=1)
        return lambda weights, step: _softmax(runner.log_joint(weights, step))
    from beliefs.inference.engines.states import StateFilter

    states = StateFilter(spec)
    return lambda weights, step: _softmax(spec.log_prior + spec.hypothesis_loglik(weights) + states.run(weights, step)[0])


def calibrated_path(workspace: Workspace, table: LikelihoodTable) -> np.ndarray | None:
    """P(answer) at every step with the scenario's `[calibration]` alpha, or None without one."""
    calibration = workspace.scenario.calibration
    if calibration is None or calibration.alpha is None:
        return None
    alphas = [calibration.row_alpha(row.kind) for row in workspace.rows]
    return TemperedAnswers(workspace, range(len(alphas)), table=table).answers(alphas)


def _softmax(joint: np.ndarray) -> np.ndarray:
    return np.exp(joint - logsumexp(joint, axis=-1, keepdims=True))
