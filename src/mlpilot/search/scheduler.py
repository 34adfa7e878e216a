"""The search loop: try candidates in order while the budget lasts, then tune the best family."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mlpilot.evaluate.metrics import Metric
from mlpilot.exceptions import TimeBudgetError
from mlpilot.models.base import FitContext
from mlpilot.search.budget import Budget
from mlpilot.search.trial import Candidate, TrialResult, run_trial

logger = logging.getLogger(__name__)

__all__ = ["run_search", "Event", "SearchSpace"]

Event = Callable[[str, dict], None]
MIN_TRIAL_SECONDS = 1.0


@dataclass(frozen=True)
class SearchSpace:
    """What to search: the data, its folds, the fit context, the metric, and the clock."""

    X: np.ndarray
    y: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]
    ctx: FitContext
    metric: Metric
    budget: Budget
    trial_share: float = 1.0  # the most of the time left that one trial may take


def _expected_seconds(cand: Candidate, done: list[TrialResult]) -> float:
    same = [r.fit_seconds + r.predict_seconds for r in done if r.family == cand.family.key]
    return max(same) if same else 0.0


def _affordable(cand: Candidate, results: list[TrialResult], budget: Budget) -> bool:
    left = budget.remaining()
    return not results or (left >= MIN_TRIAL_SECONDS and _expected_seconds(cand, results) <= 1.5 * left)


def _run_one(cand: Candidate, space: SearchSpace, results: list[TrialResult], notify: Event) -> TrialResult | None:
    notify("trial_start", {"name": cand.name, "family": cand.family.key})
    t0 = time.monotonic()
    budget = space.budget
    deadline = None if budget.unlimited else min(budget.deadline,
                                                 t0 + space.trial_share * max(0.0, budget.remaining()))
    trial_ctx = dataclasses.replace(space.ctx, deadline=deadline)
    result = run_trial(cand, space.X, space.y, space.folds, trial_ctx, space.metric, must_finish=not results)
    if result is not None:
        results.append(result)
        logger.info("%s: %s %.5f in %.1f s", cand.name, space.metric.name, result.score, time.monotonic() - t0)
    notify("trial_end", {"name": cand.name, "score": None if result is None else result.score,
                         "seconds": time.monotonic() - t0})
    return result


def _tune(space: SearchSpace, results: list[TrialResult], max_trials: int, notify: Event) -> None:
    """Spend the time left on TPE suggestions for the family of the best trial so far."""
    from mlpilot.models import FAMILIES
    from mlpilot.search.hpo import TPESearch

    task = space.ctx.task
    ranked = sorted(results, key=lambda r: space.metric.loss_from_score(r.score))
    best = next((r for r in ranked if FAMILIES[r.family].search_space(task)), None)
    if best is None:
        return
    family = FAMILIES[best.family]
    tpe = TPESearch(space.metric, space.ctx.seed)
    for r in results:
        if r.family == family.key:
            tpe.seed_with(family, task, r)
    for _ in range(max_trials):
        cand = tpe.ask(family, task, best.config)
        if not _affordable(cand, results, space.budget):
            tpe.tell(family, cand.name, None)
            break
        tpe.tell(family, cand.name, _run_one(cand, space, results, notify))


def run_search(candidates: Sequence[Candidate], space: SearchSpace, on_event: Event | None = None,
               hpo_trials: int = 0) -> list[TrialResult]:
    """Run the candidates in order while the budget lasts (the first one always runs), then up to
    ``hpo_trials`` tuned configurations of the best family.

    One trial may take at most ``space.trial_share`` of the time left when it starts, so that a
    slow family cannot crowd out the others.
    """
    notify = on_event or (lambda kind, info: None)
    results: list[TrialResult] = []
    for cand in candidates:
        if not _affordable(cand, results, space.budget):
            logger.info("Skipping %s: %.1f s left.", cand.name, space.budget.remaining())
            continue
        _run_one(cand, space, results, notify)
    if results and hpo_trials:
        _tune(space, results, hpo_trials, notify)
    if not results:
        raise TimeBudgetError(f"No model could be trained within --time-limit {space.budget.limit:.0f} s; "
                              "allow more time (at least 10 s is advised).")
    return results
