"""The search loop: try candidates in order while the budget lasts."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence

import numpy as np

from mlpilot.evaluate.metrics import Metric
from mlpilot.exceptions import TimeBudgetError
from mlpilot.models.base import FitContext
from mlpilot.search.budget import Budget
from mlpilot.search.trial import Candidate, TrialResult, run_trial

logger = logging.getLogger(__name__)

__all__ = ["run_search", "Event"]

Event = Callable[[str, dict], None]
MIN_TRIAL_SECONDS = 1.0


def _expected_seconds(cand: Candidate, done: list[TrialResult]) -> float:
    same = [r.fit_seconds + r.predict_seconds for r in done if r.family == cand.family.key]
    return max(same) if same else 0.0


def run_search(candidates: Sequence[Candidate], X: np.ndarray, y: np.ndarray,
               folds: list[tuple[np.ndarray, np.ndarray]], ctx: FitContext, metric: Metric,
               budget: Budget, on_event: Event | None = None, trial_share: float = 1.0) -> list[TrialResult]:
    """Run the candidates in order; stop when the budget is spent. The first one always runs.

    One trial may take at most ``trial_share`` of the time left when it starts, so that a slow
    family cannot crowd out the others.
    """
    notify = on_event or (lambda kind, info: None)
    results: list[TrialResult] = []
    for cand in candidates:
        left = budget.remaining()
        if results and (left < MIN_TRIAL_SECONDS or _expected_seconds(cand, results) > 1.5 * left):
            logger.info("Skipping %s: %.1f s left.", cand.name, left)
            continue
        notify("trial_start", {"name": cand.name, "family": cand.family.key})
        t0 = time.monotonic()
        deadline = None if budget.unlimited else min(budget.deadline, t0 + trial_share * max(0.0, left))
        trial_ctx = dataclasses.replace(ctx, deadline=deadline)
        result = run_trial(cand, X, y, folds, trial_ctx, metric, must_finish=not results)
        if result is not None:
            results.append(result)
            logger.info("%s: %s %.5f in %.1f s", cand.name, metric.name, result.score, time.monotonic() - t0)
        notify("trial_end", {"name": cand.name, "score": None if result is None else result.score,
                             "seconds": time.monotonic() - t0})
    if not results:
        raise TimeBudgetError(f"No model could be trained within --time-limit {budget.limit:.0f} s; "
                              "allow more time (at least 10 s is advised).")
    return results
