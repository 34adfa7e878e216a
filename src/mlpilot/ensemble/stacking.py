"""Stacking: a linear model over the ensemble members' predictions, used only where it pays.

Greedy selection blends the members with fixed weights. A stacker learns, from their
out-of-fold predictions, how much to trust each member for each class (multinomial
logistic regression on log-probabilities) or how to combine their values (non-negative
least squares). Whether it pays is decided on rows neither method was fitted on: the
out-of-fold rows are split in folds, greedy weights and a stacker are fitted on the other
folds and scored on each, and the stacker is kept only if it is better on average and on
most folds. The stacker's coefficients are plain numbers, saved as JSON in the bundle.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlpilot.data.task import Task
from mlpilot.evaluate.metrics import Metric

logger = logging.getLogger(__name__)

__all__ = ["LinearStacker", "fit_stacker", "choose_stacker"]

EPS = 1e-6
MAX_ROWS = 5000  # rows of the out-of-fold predictions used to decide (a sample above this)
MAX_FEATURES = 300  # members x classes; beyond this the decision costs more than it can win
CHECK_FOLDS = 5
MIN_WINS = 4  # of CHECK_FOLDS


def stack_features(preds: list[np.ndarray], task: Task) -> np.ndarray:
    """Members' predictions side by side: log-probabilities (binary: the log-odds) or values."""
    if task is Task.REGRESSION:
        return np.column_stack(preds)
    cols = []
    for p in preds:
        q = np.clip(p, EPS, 1 - EPS)
        cols.append(np.log(q[:, 1:2] / q[:, 0:1]) if task is Task.BINARY else np.log(q))
    return np.hstack(cols)


@dataclass
class LinearStacker:
    """scores = features @ coef + intercept; classification turns the scores into probabilities."""

    task: Task
    coef: np.ndarray  # (n_features, n_outputs)
    intercept: np.ndarray  # (n_outputs,)

    def predict(self, preds: list[np.ndarray]) -> np.ndarray:
        z = stack_features(preds, self.task) @ self.coef + self.intercept
        if self.task is Task.REGRESSION:
            return z[:, 0]
        if self.task is Task.BINARY:
            p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
            return np.column_stack([1 - p1, p1])
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "linear", "task": str(self.task), "coef": self.coef.tolist(),
                "intercept": self.intercept.tolist()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LinearStacker:
        return cls(Task(d["task"]), np.asarray(d["coef"], dtype=float), np.asarray(d["intercept"], dtype=float))


def fit_stacker(preds: list[np.ndarray], y: np.ndarray, task: Task, n_classes: int, seed: int = 0) -> LinearStacker:
    """The stacker for members whose predictions on the rows of ``y`` are ``preds``."""
    F = stack_features(preds, task)
    if task is Task.REGRESSION:
        from scipy.optimize import nnls

        A = np.column_stack([F, np.ones(len(F))])
        w, _ = nnls(A, y)  # non-negative weights: a blend, never a difference of members
        return LinearStacker(task, w[:-1].reshape(-1, 1), np.array([w[-1]]))
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a blend needs no more precision than this
        model = LogisticRegression(C=1.0, max_iter=100, tol=1e-3, random_state=seed).fit(F, y)
    if task is Task.BINARY:
        return LinearStacker(task, model.coef_.T.copy(), model.intercept_.copy())
    coef, intercept = np.zeros((F.shape[1], n_classes)), np.full(n_classes, -30.0)  # absent classes: ~0
    coef[:, model.classes_.astype(int)] = model.coef_.T
    intercept[model.classes_.astype(int)] = model.intercept_
    return LinearStacker(task, coef, intercept)


Blender = Callable[[list[np.ndarray], np.ndarray], dict[int, float]]


def choose_stacker(preds: list[np.ndarray], y: np.ndarray, task: Task, n_classes: int, metric: Metric,
                   blend: Blender, seed: int = 0, deadline: float | None = None) -> LinearStacker | None:
    """A stacker if it beats ``blend`` (greedy selection) on held-out rows, else None. None as well
    when the check would not end by ``deadline`` (a ``time.monotonic()`` value)."""
    if len(preds) < 2 or stack_features([p[:1] for p in preds], task).shape[1] > MAX_FEATURES:
        return None
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(y), MAX_ROWS, replace=False)) if len(y) > MAX_ROWS else np.arange(len(y))
    sample, ys = [p[rows] for p in preds], y[rows]
    fold = rng.permutation(len(rows)) % CHECK_FOLDS
    wins, gains, start = 0, [], time.monotonic()
    for k in range(CHECK_FOLDS):
        if deadline is not None and k and start + (time.monotonic() - start) * (CHECK_FOLDS + 1) / k > deadline:
            logger.info("No time to try stacking (%d of %d folds checked).", k, CHECK_FOLDS)
            return None
        tr, te = fold != k, fold == k
        weights = blend([p[tr] for p in sample], ys[tr])
        greedy = metric.loss(ys[te], sum(w * sample[i][te] for i, w in weights.items()))
        stacked = metric.loss(ys[te], fit_stacker([p[tr] for p in sample], ys[tr], task, n_classes, seed).predict(
            [p[te] for p in sample]))
        wins += stacked < greedy
        gains.append(greedy - stacked)
    logger.info("Stacking vs greedy blend on held-out rows: better on %d of %d folds, mean gain %.5f.",
                wins, CHECK_FOLDS, float(np.mean(gains)))
    if wins < MIN_WINS or np.mean(gains) <= 0:
        return None
    return fit_stacker(sample, ys, task, n_classes, seed)  # a few coefficients: the sample is plenty
