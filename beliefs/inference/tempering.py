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
    n_classes : int, optional
        How many classes the alphas given to `answers` have (default: the largest class + 1).
    table : LikelihoodTable, optional
        The workspace's likelihood table, when already built.
    """

    def __init__(self, workspace: Workspace, classes: Sequence[int], steps: Sequence[int] | None = None, table: LikelihoodTable | None = None,
                 n_classes: int | None = None):
        self.table = table if table is not None else likelihood_table(workspace)
        self.spec = ModelSpec.build(workspace.scenario, self.table)
        self.steps = list(range(len(workspace.steps))) if steps is None else list(steps)
        self.classes = np.asarray(classes, dtype=int)
        self.n_classes = n_classes if n_classes is not None else (int(self.classes.max()) + 1 if self.classes.size else 0)
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

    def answers(self, alpha: Sequence[float] | np.ndarray) -> np.ndarray:
        """P(answer) at each chosen step, shape (step, hypothesis), with class c's rows' weights
        times alpha[c]; for a batch of alphas, shape (batch, class), the result is (batch, step, hypothesis)."""
        alpha = np.asarray(alpha, dtype=float)
        batch = alpha[None] if alpha.ndim == 1 else alpha
        if self.linear:
            with np.errstate(invalid="ignore"):
                scaled = np.where(batch[:, None, :, None] > 0, batch[:, None, :, None] * self._by_class[None], 0.0).sum(axis=2)
            result = _softmax(self.spec.log_prior + scaled)
        else:
            row_alpha = batch[:, self.classes] if self.classes.size else np.zeros((len(batch), 0))
            result = self._runner(row_alpha, self.weights, self.steps)
        return result[0] if alpha.ndim == 1 else result


def _scaled(row_alpha: np.ndarray, log_l: np.ndarray) -> np.ndarray:
    """Each row's log-likelihoods times its alpha, shape (batch, row, column); 0 x log 0 is 0."""
    with np.errstate(invalid="ignore"):
        return np.where(row_alpha[:, :, None] > 0, row_alpha[:, :, None] * log_l[None], 0.0)


def _runner(spec: ModelSpec):
    """P(answer) at the chosen steps for a batch of row alphas, given each step's row weights
    (step, row), shape (batch, step, hypothesis), by the exact forward algorithm the model needs
    (alpha scales the log-likelihoods, which the weights multiply)."""
    with np.errstate(divide="ignore"):
        log_h, log_yes, log_no = np.log(spec.table.hypothesis), np.log(spec.state_yes), np.log(spec.state_no)
    if spec.switches:
        from beliefs.inference.engines import lines

        def switching(row_alpha: np.ndarray, weights: np.ndarray, step: int) -> np.ndarray:
            _, joint = lines.forward(spec, _scaled(row_alpha, log_h), _scaled(row_alpha, log_yes), _scaled(row_alpha, log_no), weights, step)
            ahead = lines.months_to_by(spec, step)
            return lines.marginals(spec, joint if ahead is None else lines.carry_forward(spec, joint, ahead))[0]

        return _step_by_step(switching)
    if spec.coupled:
        from beliefs.inference.engines.filter import ForwardFilter

        runner = ForwardFilter(spec, grid_points=GRID_POINTS, draws=1, chains=1)

        def coupled(row_alpha: np.ndarray, weights: np.ndarray, steps: Sequence[int]) -> np.ndarray:
            # one alpha through every step: the filter keeps its densities between the steps of one
            # alpha (refiltering only from where a group's weights change), never between alphas
            return np.array([[_softmax(runner.log_joint(weights[i] * a, t)) for i, t in enumerate(steps)] for a in row_alpha])

        return coupled
    from beliefs.inference.engines.states import forward

    def independent(row_alpha: np.ndarray, weights: np.ndarray, step: int) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            joint = spec.log_prior + np.where(weights[:, None] > 0, weights[:, None] * _scaled(row_alpha, log_h), 0.0).sum(axis=1)
        if spec.states:
            joint = joint + forward(spec, _scaled(row_alpha, log_yes), _scaled(row_alpha, log_no), weights, step)[0]
        return _softmax(joint)

    return _step_by_step(independent)


def _step_by_step(at_step):
    """A runner over the chosen steps from one that answers at one step for the whole batch."""
    return lambda row_alpha, weights, steps: np.stack([at_step(row_alpha, weights[i], t) for i, t in enumerate(steps)], axis=1)


def calibrated_path(workspace: Workspace, table: LikelihoodTable) -> np.ndarray | None:
    """P(answer) at every step with the scenario's `[calibration]` alpha, or None without one."""
    calibration = workspace.scenario.calibration
    if calibration is None or calibration.alpha is None:
        return None
    alphas = [calibration.row_alpha(row.kind) for row in workspace.rows]
    return TemperedAnswers(workspace, range(len(alphas)), table=table).answers(alphas)


def _softmax(joint: np.ndarray) -> np.ndarray:
    """exp(x - max) / sum, as the grid engine normalises P(H), so alpha = 1 gives its numbers to the last bit."""
    scaled = np.exp(joint - joint.max(axis=-1, keepdims=True))
    return scaled / scaled.sum(axis=-1, keepdims=True)
