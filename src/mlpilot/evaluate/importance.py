"""Global explanations: permutation importance of the original columns on held-out rows, and partial
dependence of the answer on the most important ones.

Importance is measured on rows the model did not train on: each row of the cross-validation folds is
predicted by the ensemble of the fold models that did not see it (the same members, weights and
calibration as the final model). A column's importance is how much the metric gets worse when that
column's values are shuffled among the rows (every prepared feature made from it together), averaged
over repeats; the spread over the repeats is its uncertainty. The work is sized to a time limit: fewer
rows and repeats where the model is slow.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlpilot.ensemble.blend import combine
from mlpilot.ensemble.stacking import LinearStacker
from mlpilot.evaluate.metrics import Metric
from mlpilot.models.base import FittedModel

logger = logging.getLogger(__name__)

__all__ = ["Importance", "permutation_importance", "held_out_importance", "partial_dependence", "pd_grid",
           "PD_COLUMNS"]

MAX_ROWS = 2000
MIN_ROWS = 200
MAX_REPEATS = 5
PD_COLUMNS = 3  # partial dependence for this many of the most important columns
PD_ROWS = 200
PD_GRID = 20

Predict = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (row positions, their prepared rows) -> answers


@dataclass
class Importance:
    """Each column's mean loss increase when shuffled (``mean``) and its spread (``std``) over ``repeats``."""

    columns: list[str]
    mean: np.ndarray
    std: np.ndarray
    repeats: int
    rows: int
    metric: str
    seconds: float
    row_seconds: float = 0.0  # what predicting one row took (sizes the partial dependence)

    def to_dict(self) -> dict[str, Any]:
        order = np.argsort(-self.mean, kind="stable")
        return {"metric": self.metric, "repeats": self.repeats, "rows": self.rows, "seconds": round(self.seconds, 3),
                "columns": [{"column": self.columns[j], "importance": float(self.mean[j]), "std": float(self.std[j])}
                            for j in order]}


def _shuffled_losses(predict: Predict, rows: np.ndarray, M: np.ndarray, y: np.ndarray, groups: list[np.ndarray],
                     metric: Metric, rng: np.random.Generator) -> np.ndarray:
    losses = np.empty(len(groups))
    for g, cols in enumerate(groups):
        Mp = M.copy()
        Mp[:, cols] = M[rng.permutation(len(M))][:, cols]
        losses[g] = metric.loss(y, predict(rows, Mp))
    return losses


def permutation_importance(predict: Predict, rows: np.ndarray, M: np.ndarray, y: np.ndarray, columns: list[str],
                           groups: list[np.ndarray], metric: Metric, deadline: float | None, seed: int = 0,
                           ) -> Importance | None:
    """Importance of ``columns`` (each made of the prepared features ``groups``) for ``predict`` on the held-out
    ``rows`` of ``M`` (targets ``y``), done by ``deadline`` (a ``time.monotonic()`` value; None: no limit, full
    size). None when not even one repeat fits in the time."""
    start = time.monotonic()
    if deadline is not None and start >= deadline:
        return None
    rng = np.random.default_rng(seed)
    order = rng.permutation(rows)
    n = min(len(order), MAX_ROWS)
    if deadline is not None:  # time a prediction of a few rows: as many rows as two repeats allow
        probe = np.sort(order[:MIN_ROWS])
        predict(probe, M[probe])
        per_row = (time.monotonic() - start) / len(probe)
        n = min(n, max(MIN_ROWS, int((deadline - time.monotonic()) / (2.2 * per_row * (len(groups) + 1)))))
    rows = np.sort(order[:n])
    t0 = time.monotonic()
    base = metric.loss(y[rows], predict(rows, M[rows]))
    per_repeat = (time.monotonic() - t0) * len(groups)
    drops = []
    while len(drops) < MAX_REPEATS:
        if deadline is not None and time.monotonic() + per_repeat > deadline:
            break
        t0 = time.monotonic()
        drops.append(_shuffled_losses(predict, rows, M[rows], y[rows], groups, metric, rng) - base)
        per_repeat = time.monotonic() - t0
    if not drops:
        logger.info("No time for permutation importance (one repeat takes about %.1f s).", per_repeat)
        return None
    drops = np.asarray(drops)
    logger.info("Permutation importance: %d rows, %d repeats, %.1f s.", len(rows), len(drops),
                time.monotonic() - start)
    return Importance(columns, drops.mean(axis=0), drops.std(axis=0, ddof=1) if len(drops) > 1 else
                      np.zeros(len(groups)), len(drops), len(rows), metric.name, time.monotonic() - start,
                      row_seconds=per_repeat / len(groups) / len(rows))


def held_out_importance(bags: list[list[FittedModel]], weights: list[float], stacker: LinearStacker | None,
                        temperature: float | None, folds: list[tuple[np.ndarray, np.ndarray]], M: np.ndarray,
                        y: np.ndarray, metric: Metric, columns: list[str], groups: list[np.ndarray],
                        deadline: float | None, seed: int = 0) -> Importance | None:
    """Permutation importance of the ensemble of ``bags`` (each member's fold models, in fold order) combined
    as the final model is, each row answered by the fold models that did not train on it; the folds some
    member has no model for (its time ran out) are left out."""
    trained = min(len(b) for b in bags)
    fold_of = np.full(len(y), -1)
    for f, (_, va) in enumerate(folds[:trained]):
        fold_of[va] = f
    rows = np.flatnonzero(fold_of >= 0)
    if not len(rows):
        return None

    def predict(idx: np.ndarray, X: np.ndarray) -> np.ndarray:
        out = None
        for f in np.unique(fold_of[idx]):
            sel = fold_of[idx] == f
            p = combine([b[f].predict(X[sel]) for b in bags], weights, stacker, temperature)
            out = np.empty((len(idx),) + p.shape[1:]) if out is None else out
            out[sel] = p
        return out

    return permutation_importance(predict, rows, M, y, columns, groups, metric, deadline, seed)


def partial_dependence(answer: Callable[[np.ndarray], np.ndarray], M: np.ndarray, column: str, position: int,
                       grid: np.ndarray, labels: list[Any], outputs: list[str]) -> dict[str, Any]:
    """The mean answer over the rows of ``M`` with the prepared feature at ``position`` set to each value of
    ``grid`` (shown as ``labels``): one curve per output (the value, or each class's probability)."""
    Z = np.repeat(M[None], len(grid), axis=0)
    Z[:, :, position] = grid[:, None]
    out = answer(Z.reshape(-1, M.shape[1]))
    out = (out[:, None] if out.ndim == 1 else out).reshape(len(grid), len(M), -1).mean(axis=1)
    return {"column": column, "x": labels, "curves": {name: out[:, k].tolist() for k, name in enumerate(outputs)}}


def pd_grid(values: np.ndarray, levels: list[str] | None) -> tuple[np.ndarray, list[Any]]:
    """The values to set a feature to: its categories' codes (at most ``PD_GRID``), or quantiles of its values."""
    if levels is not None:
        codes = np.arange(min(len(levels), PD_GRID), dtype=float)
        return codes, [levels[int(c)] for c in codes]
    finite = values[np.isfinite(values)]
    if not len(finite):
        return np.zeros(0), []
    grid = np.unique(np.quantile(finite, np.linspace(0.02, 0.98, PD_GRID)))
    return grid, [float(v) for v in grid]
