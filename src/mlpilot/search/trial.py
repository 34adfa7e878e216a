"""One trial: a family and a configuration, bagged over the folds, with out-of-fold predictions."""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlpilot.evaluate.latency import median_ms
from mlpilot.evaluate.metrics import Metric
from mlpilot.models.base import FitContext, FittedModel, ModelFamily

logger = logging.getLogger(__name__)

__all__ = ["Candidate", "TrialResult", "run_trial"]

Folds = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Candidate:
    name: str
    family: ModelFamily
    config: dict[str, Any]
    share: float | None = None  # the most of the time left this trial may take; None: the search's trial_share


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
    latency_ms: float  # one model (the first fold's) predicting one row
    refit_config: dict[str, Any]  # the configuration for one model on all rows (from the fold models)
    notes: list[str] = field(default_factory=list)

    def serving_ms(self) -> float:
        """Single-row latency of this member as it stands: every model of its bag predicts."""
        return self.latency_ms * max(1, len(self.models))


def _oof_shape(y: np.ndarray, ctx: FitContext) -> tuple[int, ...]:
    return (len(y), ctx.n_classes) if ctx.task.is_classification else (len(y),)


def _fill_unfinished(X: np.ndarray, oof: np.ndarray, models: list[FittedModel], folds: Folds) -> None:
    """Predict the rows of the folds left untrained with the bag so far (in-sample: a fallback only)."""
    for _, va in folds[len(models):]:
        oof[va] = sum(m.predict(X[va]) for m in models) / len(models)


def run_trial(cand: Candidate, X: np.ndarray, y: np.ndarray, folds: Folds, ctx: FitContext, metric: Metric,
              must_finish: bool = False) -> TrialResult | None:
    """Fit ``cand`` on every fold; each fold gets an equal share of the time left before the deadline.

    Past the deadline a trial gives up (None) unless ``must_finish`` (the search has no model yet):
    then it keeps the folds trained so far, and trains at least one. A fold that fails raises: the
    executor reports the error, and the search skips the candidate with it.
    """
    cand.family.warm_up()  # imports (torch: 1-2 s) before the folds share the time out
    oof = np.zeros(_oof_shape(y, ctx))
    models, fit_s, pred_s, notes = [], 0.0, 0.0, []
    start = time.monotonic()
    for i, (tr, va) in enumerate(folds):
        late = ctx.deadline is not None and time.monotonic() > ctx.deadline
        if late and not must_finish:
            return None
        if late and models:
            _fill_unfinished(X, oof, models, folds)
            notes.append(f"time ran out: kept {len(models)} of {len(folds)} folds")
            logger.warning("Time ran out: %s keeps %d of %d folds.", cand.name, len(models), len(folds))
            break
        deadline = None if ctx.deadline is None else start + (ctx.deadline - start) * (i + 1) / len(folds)
        fold_ctx = dataclasses.replace(ctx, deadline=deadline, seed=ctx.seed + i)
        t0 = time.monotonic()
        model = cand.family.fit(X[tr], y[tr], cand.config, fold_ctx, X[va], y[va])
        t1 = time.monotonic()
        oof[va] = model.predict(X[va])
        fit_s += t1 - t0
        pred_s += time.monotonic() - t1
        models.append(model)
    latency = median_ms(lambda: models[0].predict(X[folds[0][1][:1]]))
    return TrialResult(cand.name, cand.family.key, cand.config, models, oof, metric(y, oof), fit_s, pred_s,
                       latency, cand.family.refit_config(cand.config, models), notes)
