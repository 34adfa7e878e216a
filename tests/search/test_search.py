import math
import time

import numpy as np
import pytest

from mlpilot.data.task import Task
from mlpilot.evaluate.metrics import get_metric
from mlpilot.exceptions import TimeBudgetError
from mlpilot.models import FAMILIES
from mlpilot.models.base import FitContext
from mlpilot.search.budget import Budget
from mlpilot.search.candidates import candidates_for
from mlpilot.search.cv import make_folds
from mlpilot.search.presets import get_preset
from mlpilot.search.scheduler import SearchSpace, _expected_seconds, run_search
from mlpilot.search.trial import Candidate, TrialResult


def test_folds_cover_every_row_once_and_keep_rare_classes():
    y = np.array([0] * 50 + [1] * 30 + [2] * 2)
    folds = make_folds(y, Task.MULTICLASS, 5, seed=0)
    seen = np.concatenate([va for _, va in folds])
    assert sorted(seen) == list(range(len(y)))
    assert all(set(y[tr]) >= {0, 1} for tr, _ in folds)


def test_copies_of_a_row_share_its_fold():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    copies = np.arange(300)
    copies[250:] = rng.integers(0, 250, 50)  # the last 50 rows repeat earlier ones
    y[250:] = y[copies[250:]]
    folds = make_folds(y, Task.BINARY, 5, seed=0, copies=copies)
    assert len(folds) == 5
    assert sorted(np.concatenate([va for _, va in folds])) == list(range(300))
    fold_of = np.empty(300, dtype=int)
    for k, (tr, va) in enumerate(folds):
        fold_of[va] = k
        assert len(np.intersect1d(tr, va)) == 0
    assert (fold_of[250:] == fold_of[copies[250:]]).all()
    plain = make_folds(y, Task.BINARY, 5, 0)
    assert make_folds(y, Task.BINARY, 5, 0, np.arange(300))[0][1].tolist() == plain[0][1].tolist()


def _problem(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def _fast_search():
    """The ``fast`` preset's candidates searched on a small binary problem, 3 folds."""
    X, y = _problem()
    ctx = FitContext(Task.BINARY, 2, {}, n_jobs=1)
    cands = candidates_for(get_preset("fast"), Task.BINARY)
    return run_search(cands, SearchSpace(X, y, make_folds(y, Task.BINARY, 3, 0), ctx,
                                         get_metric("auc", Task.BINARY), Budget.starting_now(30)))


def test_search_returns_out_of_fold_predictions_for_every_candidate():
    results = _fast_search()
    y = _problem()[1]
    assert [r.name for r in results] == [c.name for c in candidates_for(get_preset("fast"), Task.BINARY)]
    for r in results:
        assert r.oof.shape == (len(y), 2) and r.score > 0.9 and len(r.models) == 3


def test_search_stops_at_the_budget_but_always_returns_a_model():
    X, y = _problem(n=5000)
    ctx = FitContext(Task.BINARY, 2, {}, n_jobs=1)
    slow = {"learning_rate": 0.0005, "n_estimators": 100000}
    cands = [Candidate(f"slow_{i}", FAMILIES["lightgbm"], slow) for i in range(5)]
    t0 = time.monotonic()
    results = run_search(cands, SearchSpace(X, y, make_folds(y, Task.BINARY, 3, 0), ctx,
                                            get_metric("auc", Task.BINARY), Budget.starting_now(1.5)))
    assert time.monotonic() - t0 < 4.0
    assert 1 <= len(results) < 5


def test_search_with_no_time_left_still_trains_the_first_candidate():
    X, y = _problem()
    ctx = FitContext(Task.BINARY, 2, {}, n_jobs=1)
    cands = candidates_for(get_preset("fast"), Task.BINARY)
    results = run_search(cands, SearchSpace(X, y, make_folds(y, Task.BINARY, 3, 0), ctx,
                                            get_metric("auc", Task.BINARY), Budget.starting_now(0.0)))
    assert len(results) == 1


def test_all_failing_candidates_raise_time_budget_error():
    class Broken:
        key = "broken"
        requires = ()

        def warm_up(self):
            pass

        def fit(self, *a, **k):
            raise ValueError("boom")

    X, y = _problem()
    ctx = FitContext(Task.BINARY, 2, {}, n_jobs=1)
    with pytest.raises(TimeBudgetError, match=r"No model could be trained within --time-limit 5 s \(b: ValueError: boom\)"):
        run_search([Candidate("b", Broken(), {})], SearchSpace(X, y, make_folds(y, Task.BINARY, 3, 0), ctx,
                                                               get_metric("auc", Task.BINARY), Budget.starting_now(5)))


def test_a_trial_takes_at_most_its_share_of_the_time_left():
    X, y = _problem(n=5000)
    ctx = FitContext(Task.BINARY, 2, {}, n_jobs=1)
    slow = {"learning_rate": 0.0005, "n_estimators": 100000}
    cands = [Candidate(f"slow_{i}", FAMILIES["lightgbm"], slow) for i in range(3)]
    results = run_search(cands, SearchSpace(X, y, make_folds(y, Task.BINARY, 3, 0), ctx,
                                            get_metric("auc", Task.BINARY), Budget.starting_now(3.0), 0.4))
    assert len(results) >= 2  # the first trial left time for the next


def test_tuning_spends_the_time_left_on_the_best_family_then_the_next():
    X, y = _problem(n=600)
    ctx = FitContext(Task.BINARY, 2, {}, n_jobs=1)
    cands = candidates_for(get_preset("fast"), Task.BINARY)
    metric = get_metric("auc", Task.BINARY)
    results = run_search(cands, SearchSpace(X, y, make_folds(y, Task.BINARY, 3, 0), ctx, metric,
                                            Budget.starting_now(60)), hpo_trials=4)
    fixed, tuned = results[:len(cands)], results[len(cands):]
    ranked = [r.family for r in sorted(fixed, key=lambda r: -r.score)]
    assert [r.family for r in tuned] == [ranked[0]] * 4 + [f for f in ("lightgbm", "linear") if f != ranked[0]] * 4
    assert all("_hpo" in r.name for r in tuned)
    assert len({str(sorted(r.config.items())) for r in tuned}) == 8  # eight different configurations


def test_with_an_unlimited_budget_only_the_best_family_is_tuned():
    X, y = _problem(n=600)
    ctx = FitContext(Task.BINARY, 2, {}, n_jobs=1)
    cands = candidates_for(get_preset("fast"), Task.BINARY)
    results = run_search(cands, SearchSpace(X, y, make_folds(y, Task.BINARY, 3, 0), ctx,
                                            get_metric("auc", Task.BINARY), Budget.starting_now(math.inf)),
                         hpo_trials=3)
    tuned = results[len(cands):]
    assert len(tuned) == 3 and len({r.family for r in tuned}) == 1


def test_a_candidates_own_share_caps_its_time():
    X, y = _problem(n=5000)
    ctx = FitContext(Task.BINARY, 2, {}, n_jobs=1)
    slow = {"learning_rate": 0.0005, "n_estimators": 100000}
    cands = [Candidate("slow_short", FAMILIES["lightgbm"], slow, share=0.1),
             Candidate("quick", FAMILIES["linear"], FAMILIES["linear"].default_configs(Task.BINARY)[0])]
    results = run_search(cands, SearchSpace(X, y, make_folds(y, Task.BINARY, 3, 0), ctx,
                                            get_metric("auc", Task.BINARY), Budget.starting_now(8)))
    assert [r.name for r in results] == ["slow_short", "quick"]
    assert results[0].fit_seconds < 2.5


def _timed(family: str, seconds: float) -> TrialResult:
    return TrialResult(f"{family}_t", family, {}, [], np.zeros(3), 0.5, seconds, 0.0, 0.1, {})


def test_a_family_not_tried_yet_is_expected_to_take_the_quickest_trial_scaled_down_by_its_prior_cost():
    done = [_timed("lightgbm", 20.0), _timed("lightgbm", 26.0)]
    expected = {key: _expected_seconds(Candidate(f"{key}_1", FAMILIES[key], {}), done) for key in FAMILIES}
    assert expected["lightgbm"] == 26.0  # its own slowest trial
    # a 100-class LightGBM took 20 s: a linear model or k-NN is not expected to take as long
    assert expected["linear"] == pytest.approx(20.0 * FAMILIES["linear"].relative_cost)
    assert expected["knn"] < 2.0
    # a prior never makes a family look slower than the quickest trial: catboost is expected at 20 s, not 300
    assert expected["catboost"] == expected["mlp"] == 20.0
    done.append(_timed("linear", 0.5))
    assert _expected_seconds(Candidate("knn_1", FAMILIES["knn"], {}), done) == pytest.approx(0.5)


def test_a_familys_start_up_is_paid_before_its_folds_share_the_time():
    """A cold start (torch's import and first optimizer: 1-2 s) must not eat the first fold's share."""
    from mlpilot.search.trial import run_trial

    class SlowStart:
        key, requires = "slow_start", ()
        deadlines: list[tuple[float, float]] = []

        def warm_up(self):
            time.sleep(1.0)

        def fit(self, X, y, config, ctx, X_val=None, y_val=None):
            self.deadlines.append((time.monotonic(), ctx.deadline))
            return FAMILIES["linear"].fit(X, y, {}, ctx)

        def refit_config(self, config, models):
            return config

    X, y = _problem()
    family, folds, metric = SlowStart(), make_folds(y, Task.BINARY, 2, 0), get_metric("auc", Task.BINARY)
    ctx = FitContext(Task.BINARY, 2, {}, n_jobs=1, deadline=time.monotonic() + 2.0)
    run_trial(Candidate("s", family, {}), X, y, folds, ctx, metric)
    started, deadline = family.deadlines[0]
    assert deadline - started > 0.3  # half of the second left after the start-up, not what is left of the first
