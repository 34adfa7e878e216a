"""Refit: replace a member's bag of fold models by one model trained on all rows, when time allows.

The fold models told us how long to train (e.g. the boosting rounds that early stopping
chose); one model on all the data usually predicts better than the average of k models
that each saw (k-1)/k of it, and it is k times cheaper to serve.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

from mlpilot.models import FAMILIES
from mlpilot.models.base import FitContext
from mlpilot.search.budget import Budget
from mlpilot.search.trial import TrialResult

logger = logging.getLogger(__name__)

__all__ = ["refit_full"]

SAFETY = 1.5  # a refit sees k/(k-1) as many rows as a fold model, and timings vary


def refit_full(results: list[TrialResult], order: list[int], X: np.ndarray, y: np.ndarray, ctx: FitContext,
               budget: Budget) -> set[int]:
    """Refit the trials at ``order`` (most important first) on all rows, in place; returns those refit."""
    done = set()
    for i in order:
        r = results[i]
        per_fold = r.fit_seconds / max(1, len(r.models))
        if per_fold * SAFETY > budget.remaining():
            logger.info("No time to refit %s on all rows (%.1f s left); it keeps its %d fold models.",
                        r.name, budget.remaining(), len(r.models))
            continue
        family = FAMILIES[r.family]
        config = family.refit_config(r.config, r.models)
        t0 = time.monotonic()
        try:
            model = family.fit(X, y, config, dataclasses.replace(ctx, deadline=budget.hard_deadline))
        except (ValueError, MemoryError, RuntimeError, ArithmeticError) as err:
            logger.warning("Refit of %s failed (%s); it keeps its fold models.", r.name, err)
            continue
        r.models, r.fit_seconds = [model], r.fit_seconds + time.monotonic() - t0
        r.notes.append("refit on all rows")
        done.add(i)
    return done
