"""Metrics by name. Every scorer takes (y, pred) where y is values (regression) or class
indices (classification) and pred is values or an (n, k) probability matrix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mlpilot.data.task import Task
from mlpilot.exceptions import ConfigError

__all__ = ["Metric", "METRICS", "get_metric", "default_metric", "metrics_for", "selection_metric"]

_EPS = 1e-15


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    if p.shape[1] == 2:
        return float(roc_auc_score(y, p[:, 1])) if len(np.unique(y)) == 2 else float("nan")
    present = np.unique(y)
    if len(present) < 2:
        return float("nan")
    q = p[:, present] / np.clip(p[:, present].sum(axis=1, keepdims=True), _EPS, None)
    return float(roc_auc_score(np.searchsorted(present, y), q, multi_class="ovr", average="macro")
                 if len(present) > 2 else roc_auc_score(y == present[1], q[:, 1]))


def _logloss(y: np.ndarray, p: np.ndarray) -> float:
    q = np.clip(p / np.clip(p.sum(axis=1, keepdims=True), _EPS, None), _EPS, 1.0)
    return float(-np.mean(np.log(q[np.arange(len(y)), y.astype(int)])))


def _accuracy(y, p):
    return float(np.mean(p.argmax(axis=1) == y))


def _balanced_accuracy(y, p):
    from sklearn.metrics import balanced_accuracy_score

    return float(balanced_accuracy_score(y, p.argmax(axis=1)))


def _f1(y, p):
    from sklearn.metrics import f1_score

    avg = "binary" if p.shape[1] == 2 else "macro"
    return float(f1_score(y, p.argmax(axis=1), average=avg, zero_division=0))


def _rmse(y, p):
    return float(np.sqrt(np.mean((y - p) ** 2)))


def _mae(y, p):
    return float(np.mean(np.abs(y - p)))


def _r2(y, p):
    ss = float(np.sum((y - y.mean()) ** 2))
    return float(1 - np.sum((y - p) ** 2) / ss) if ss > 0 else 0.0


@dataclass(frozen=True)
class Metric:
    name: str
    fn: Callable[[np.ndarray, np.ndarray], float]
    greater_is_better: bool
    classification: bool

    def __call__(self, y: np.ndarray, pred: np.ndarray) -> float:
        return self.fn(y, pred)

    def loss(self, y: np.ndarray, pred: np.ndarray) -> float:
        """The metric turned into something to minimise."""
        return self.loss_from_score(self.fn(y, pred))

    def loss_from_score(self, score: float) -> float:
        return -score if self.greater_is_better else score


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("auc", _auc, True, True),
    Metric("logloss", _logloss, False, True),
    Metric("accuracy", _accuracy, True, True),
    Metric("balanced_accuracy", _balanced_accuracy, True, True),
    Metric("f1", _f1, True, True),
    Metric("rmse", _rmse, False, False),
    Metric("mae", _mae, False, False),
    Metric("r2", _r2, True, False),
)}


def default_metric(task: Task) -> str:
    return {Task.BINARY: "auc", Task.MULTICLASS: "logloss", Task.REGRESSION: "rmse"}[task]


def get_metric(name: str | None, task: Task) -> Metric:
    """The metric called ``name`` ('auto' or None: the task's default), checked against the task."""
    if name in (None, "auto"):
        name = default_metric(task)
    if name not in METRICS:
        raise ConfigError(f"--metric is {name!r}; allowed: auto, {', '.join(METRICS)}.")
    metric = METRICS[name]
    if metric.classification != task.is_classification:
        allowed = [m for m, v in METRICS.items() if v.classification == task.is_classification]
        raise ConfigError(f"--metric {name} does not apply to a {task} task; allowed: {', '.join(allowed)}.")
    return metric


def selection_metric(metric: Metric, task: Task) -> Metric:
    """The metric to weigh ensemble members by. AUC only ranks rows: on a few hundred positives it
    rewards blends that happen to reorder the out-of-fold rows; log loss is smoother and ranks
    blends by how well they separate the classes as well."""
    return METRICS["logloss"] if metric.name == "auc" and task.is_classification else metric


def metrics_for(task: Task) -> list[Metric]:
    return [m for m in METRICS.values() if m.classification == task.is_classification]
