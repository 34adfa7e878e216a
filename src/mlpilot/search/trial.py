"""One trial: a family and a configuration, bagged over the folds, with out-of-fold predictions."""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlpilot.evaluate.metrics import Metric
from mlpilot.models.base import FitContext, FittedModel, ModelFamily

logger = logging.getLogger(__name__)

__all__ = ["Candidate", "TrialResult", "run_trial"]


@dataclass(frozen=True)
class Candidate:
    name: str
    family: ModelFamily
    config: dict[str, Any]


@dataclass
class TrialResult:
    name: str
    family: str
    config: dict[str, Any]
    models: list[FittedModel]
    oof: np.ndarray
    score: float
    fit_seconds: float
    predict_seconds: float
    notes: list[str] = field(default_factory=list)


def _oof_shape(y: np.ndarray, ctx: FitContext) -> tuple[int, ...]:
    return (len(y), ctx.n_classes) if ctx.task.is_classification else (len(y),)


def run_trial(cand: Candidate, X: np.ndarray, y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]],
              ctx: FitContext, metric: Metric) -> TrialResult | None:
    """Fit ``cand`` on every fold; each fold gets an equal share of the time left before the deadline.

    Returns None when a fold fails; the error is logged and the search goes on.
    """
    oof = np.zeros(_oof_shape(y, ctx))
    models, fit_s, pred_s = [], 0.0, 0.0
    start = time.monotonic()
    for i, (tr, va) in enumerate(folds):
        deadline = None if ctx.deadline is None else start + (ctx.deadline - start) * (i + 1) / len(folds)
        fold_ctx = dataclasses.replace(ctx, deadline=deadline, seed=ctx.seed + i)
        t0 = time.monotonic()
        try:
            model = cand.family.fit(X[tr], y[tr], cand.config, fold_ctx, X[va], y[va])
            t1 = time.monotonic()
            oof[va] = model.predict(X[va])
        except (ValueError, MemoryError, RuntimeError, ArithmeticError) as err:
            logger.warning("Model %s failed on fold %d and is skipped: %s", cand.name, i + 1, err)
            return None
        fit_s += t1 - t0
        pred_s += time.monotonic() - t1
        models.append(model)
    score = metric(y, oof)
    return TrialResult(cand.name, cand.family.key, cand.config, models, oof, score, fit_s, pred_s)
