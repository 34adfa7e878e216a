"""Refit: replace a member's bag of fold models by one model trained on all rows, when time allows.

The fold models told us how long to train (e.g. the boosting rounds that early stopping
chose); one model on all the data usually predicts better than the average of k models
that each saw (k-1)/k of it, and it is k times cheaper to serve. Refits run on the
executor's workers (the data the search shared), several at once when there are several;
one still running at the deadline is stopped and its member keeps its fold models.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import deque

from mlpilot.models.base import FitContext
from mlpilot.search.budget import Budget
from mlpilot.models import FAMILIES
from mlpilot.search.executor import Pool
from mlpilot.search.trial import TrialResult

logger = logging.getLogger(__name__)

__all__ = ["refit_full"]

SAFETY = 1.5  # a refit sees k/(k-1) as many rows as a fold model, and timings vary


def _affordable(r: TrialResult, budget: Budget) -> bool:
    per_fold = r.fit_seconds / max(1, len(r.models))
    if budget.unlimited or per_fold * SAFETY <= budget.remaining():
        return True
    logger.info("No time to refit %s on all rows (%.1f s left); it keeps its %d fold models.",
                r.name, budget.remaining(), len(r.models))
    return False


def refit_full(results: list[TrialResult], order: list[int], ctx: FitContext, budget: Budget, pool: Pool,
               grace: float = 1.0) -> set[int]:
    """Refit the trials at ``order`` (most important first) on all rows, in place; returns those refit.

    A refit is stopped ``grace`` seconds past the budget's deadline."""
    refit_ctx = dataclasses.replace(ctx, deadline=budget.hard_deadline)
    kill_at = None if budget.unlimited else budget.deadline + grace
    queue, running, done = deque(order), {}, set()
    while queue or running:
        while queue and pool.idle() > 0:
            i = queue.popleft()
            r = results[i]
            if _affordable(r, budget):
                running[pool.submit("refit", (r.family, r.refit_config, refit_ctx), kill_at,
                                    libraries=FAMILIES[r.family].requires)] = i
        if not running:
            break
        for job, outcome in pool.wait():
            i = running.pop(job)
            r = results[i]
            if not outcome.ok:
                logger.warning("Refit of %s failed (%s); it keeps its %d fold models.", r.name, outcome.error,
                               len(r.models))
                continue
            model, seconds = outcome.value
            r.models, r.fit_seconds = [model], r.fit_seconds + seconds
            r.notes.append("refit on all rows")
            done.add(i)
    return done
