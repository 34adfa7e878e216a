"""The search loop: give the executor's workers candidates in order while the budget lasts, then
configurations suggested by TPE, most promising family first. The scheduler owns the clock: every trial
gets a deadline, and the executor stops one that runs past it by more than ``grace``."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from mlpilot.evaluate.metrics import Metric
from mlpilot.exceptions import TimeBudgetError
from mlpilot.models import FAMILIES
from mlpilot.models.base import FitContext
from mlpilot.search.budget import Budget
from mlpilot.search.executor import InlinePool, Outcome, Pool
from mlpilot.search.trial import Candidate, TrialResult

logger = logging.getLogger(__name__)

__all__ = ["run_search", "Event", "SearchSpace", "Skipped"]

Event = Callable[[str, dict], None]
MIN_TRIAL_SECONDS = 1.0
NO_TIME_LEFT = "no time left"  # why the candidates left when nothing could finish were not started
TRIALS_PER_PARAM = 10  # tuning trials a family gets per parameter of its search space (at most hpo_trials)


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
    grace: float = 1.0  # seconds a trial may run past its deadline before it is stopped
    last_call: float | None = None  # when even the first trial (which must give a model) is stopped
    time_limit: float | None = None  # the fit's --time-limit, of which ``budget`` is the search's part (messages)


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str


@dataclass
class _State:
    space: SearchSpace
    pool: Pool
    notify: Event
    results: dict[int, TrialResult] = field(default_factory=dict)
    running: dict[int, tuple[int, Candidate]] = field(default_factory=dict)  # job id -> (order, candidate)
    skipped: list[Skipped] = field(default_factory=list)
    submitted: int = 0

    def done(self) -> list[TrialResult]:
        return [self.results[k] for k in sorted(self.results)]


def _expected_seconds(cand: Candidate, done: list[TrialResult]) -> float:
    """The slowest trial of the candidate's family so far; for a family not tried yet, the fastest
    trial so far, scaled down where the family's prior cost (``relative_cost``) says it is quicker
    than that trial's family (a linear model after a 100-class LightGBM), never up: priors err."""
    same = [r.fit_seconds + r.predict_seconds for r in done if r.family == cand.family.key]
    if same:
        return max(same)
    cost = cand.family.relative_cost
    return min(((r.fit_seconds + r.predict_seconds) * min(1.0, cost / FAMILIES[r.family].relative_cost)
                for r in done), default=0.0)


def _affordable(cand: Candidate, results: list[TrialResult], budget: Budget) -> bool:
    left = budget.remaining()
    return not results or (left >= MIN_TRIAL_SECONDS and _expected_seconds(cand, results) <= 1.5 * left)


def _fits_in_memory(cand: Candidate, st: _State) -> bool:
    limit = st.pool.memory_limit_mb
    if limit is None:
        return True
    X, ctx = st.space.X, st.space.ctx
    need = cand.family.memory_mb(X.shape[0], X.shape[1], ctx.n_classes, cand.config)
    if need <= limit:
        return True
    reason = f"needs about {need:.0f} MB, more than the memory limit of {limit:.0f} MB"
    logger.warning("Skipping %s: it %s.", cand.name, reason)
    st.skipped.append(Skipped(cand.name, reason))
    return False


def _submit(cand: Candidate, st: _State) -> None:
    space, budget = st.space, st.space.budget
    t0 = time.monotonic()
    must_finish = not st.results
    if budget.unlimited:
        deadline = kill_at = None
    else:
        share = space.trial_share if cand.share is None else cand.share
        deadline = min(budget.deadline, t0 + share * max(0.0, budget.remaining()))
        kill_at = deadline + space.grace
        if must_finish and space.last_call is not None:
            kill_at = max(kill_at, space.last_call)
    ctx = replace(space.ctx, deadline=deadline)
    job = st.pool.submit("trial", (cand, ctx, space.metric, must_finish), kill_at, space.last_call,
                         cand.family.requires)
    st.running[job] = (st.submitted, cand)
    st.submitted += 1
    st.notify("trial_start", {"name": cand.name, "family": cand.family.key})


def _collect(st: _State, job: int, outcome: Outcome) -> tuple[Candidate, TrialResult | None]:
    order, cand = st.running.pop(job)
    result = outcome.value if outcome.ok else None
    if not outcome.ok:
        logger.warning("Model %s is skipped: %s.", cand.name, outcome.error)
        st.skipped.append(Skipped(cand.name, outcome.error))
    elif result is None:  # the trial gave up: its deadline came before its last fold
        st.skipped.append(Skipped(cand.name, "out of time: its deadline came before its last fold"))
    if result is not None:
        st.results[order] = result
        logger.info("%s: %s %.5f in %.1f s", cand.name, st.space.metric.name, result.score, outcome.seconds)
    st.notify("trial_end", {"name": cand.name, "score": None if result is None else result.score,
                            "seconds": outcome.seconds, "error": outcome.error})
    return cand, result


def _nothing_trained(space: SearchSpace, skipped: list[Skipped]) -> str:
    first = next((f" ({s.name}: {s.reason})" for s in skipped if s.reason != NO_TIME_LEFT), "")
    if space.budget.unlimited:
        return f"No model could be trained{first}."
    limit = space.time_limit if space.time_limit is not None else space.budget.limit
    return (f"No model could be trained within --time-limit {limit:.0f} s{first}; allow more time (at least 10 s is "
            "advised), or fit when the machine is less busy.")


class _Tuner:
    """TPE suggestions for one family after another, best family first (ranked by their best trial
    when the tuner starts): each gets up to ``max_trials`` configurations, fewer for a small search
    space (``TRIALS_PER_PARAM`` a parameter), and the next family starts when they are used up or
    no longer fit in the time left. ``all_families=False`` tunes the best family only."""

    def __init__(self, st: _State, max_trials: int, all_families: bool = True):
        from mlpilot.search.hpo import TPESearch

        space, results = st.space, st.done()
        self.task, self.max_trials = space.ctx.task, max_trials
        ranked = sorted(results, key=lambda r: space.metric.loss_from_score(r.score))
        best: dict[str, dict] = {}
        for r in ranked:  # each family's best config, in the order of their best scores
            if FAMILIES[r.family].search_space(self.task):
                best.setdefault(r.family, r.config)
        self.order = deque((FAMILIES[k], c) for k, c in list(best.items())[: None if all_families else 1])
        self.tpe = TPESearch(space.metric, space.ctx.seed)
        self.family, self.left = None, 0
        self._next_family(results)

    def _next_family(self, results: list[TrialResult]) -> bool:
        if not self.order:
            self.family, self.left = None, 0
            return False
        self.family, self.base = self.order.popleft()
        self.left = min(self.max_trials, TRIALS_PER_PARAM * len(self.family.search_space(self.task)))
        for r in results:
            self.seed(r)
        return True

    def seed(self, result: TrialResult) -> None:
        if self.family is not None and result.family == self.family.key and "_hpo" not in result.name:
            self.tpe.seed_with(self.family, self.task, result)

    def ask(self, st: _State) -> Candidate | None:
        while self.left > 0 or self._next_family(st.done()):
            if self.left <= 0:
                continue
            cand = self.tpe.ask(self.family, self.task, self.base)
            if _affordable(cand, st.done(), st.space.budget):
                self.left -= 1
                return cand
            self.tpe.tell(self.family, cand.name, None)
            self.left = 0  # this family no longer fits in the time left; a quicker one may
        return None

    def tell(self, cand: Candidate, result: TrialResult | None) -> None:
        if "_hpo" in cand.name:
            self.tpe.tell(cand.family, cand.name, result)
        elif result is not None:
            self.seed(result)


def _next(queue: deque[Candidate], st: _State, tuner: _Tuner | None) -> Candidate | None:
    last_call = st.space.last_call
    if not st.results and last_call is not None and time.monotonic() >= last_call:
        # nothing has finished and even the first trial's last call is past: a new worker would be stopped at once
        st.skipped.extend(Skipped(c.name, NO_TIME_LEFT) for c in queue)
        queue.clear()
        return None
    while queue:
        cand = queue.popleft()
        if not _affordable(cand, st.done(), st.space.budget):
            logger.info("Skipping %s: %.1f s left.", cand.name, st.space.budget.remaining())
        elif _fits_in_memory(cand, st):
            return cand
    return tuner.ask(st) if tuner is not None else None


def run_search(candidates: Sequence[Candidate], space: SearchSpace, on_event: Event | None = None,
               hpo_trials: int = 0, pool: Pool | None = None,
               skipped: list[Skipped] | None = None) -> list[TrialResult]:
    """Run the candidates in order while the budget lasts (the first one always runs), then tuned
    configurations: up to ``hpo_trials`` of the best family, then of the next best, while time is
    left (with an unlimited budget, the best family's only); results in the order of submission.

    One trial may take at most ``space.trial_share`` of the time left when it starts, so that a
    slow family cannot crowd out the others. Candidates stopped or skipped (time, memory, errors)
    are appended to ``skipped`` with the reason. ``pool`` runs the trials (default: in this process);
    the data is shared with it here, and stays shared for the refit.
    """
    pool = pool or InlinePool()
    pool.share(space.X, space.y, space.folds)
    st = _State(space, pool, on_event or (lambda kind, info: None))
    queue, tuner = deque(candidates), None
    while True:
        while pool.idle() > 0:
            if not queue and tuner is None and hpo_trials and st.results:
                tuner = _Tuner(st, hpo_trials, all_families=not space.budget.unlimited)
            cand = _next(queue, st, tuner)
            if cand is None:
                break
            _submit(cand, st)
        if not st.running:
            break
        for job, outcome in pool.wait():
            cand, result = _collect(st, job, outcome)
            if tuner is not None:
                tuner.tell(cand, result)
    if skipped is not None:
        skipped.extend(st.skipped)
    if not st.results:
        raise TimeBudgetError(_nothing_trained(space, st.skipped))
    return st.done()
