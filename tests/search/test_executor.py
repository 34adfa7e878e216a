"""The executor: trials in worker processes, stopped past their deadline or their memory limit."""

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from mlpilot.data.task import Task
from mlpilot.evaluate.metrics import get_metric
from mlpilot.models import FAMILIES
from mlpilot.models.base import FitContext
from mlpilot.search.budget import Budget
from mlpilot.search.cv import make_folds
from mlpilot.search.executor import ProcessPool, open_pool
from mlpilot.search.scheduler import SearchSpace, run_search
from mlpilot.search.trial import Candidate

HERE = Path(__file__).parent


@pytest.fixture()
def misbehaving(monkeypatch):
    """The module of misbehaving families, importable here and in the workers."""
    monkeypatch.syspath_prepend(str(HERE))
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    import misbehaving

    return misbehaving


def _space(budget, n=300, grace=0.5):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] > 0).astype(int)
    ctx = FitContext(Task.BINARY, 2, {}, n_jobs=1)
    return SearchSpace(X, y, make_folds(y, Task.BINARY, 3, 0), ctx, get_metric("auc", Task.BINARY),
                       budget, grace=grace)


def _trial_args(space, cand, deadline=None, must_finish=False):
    ctx = FitContext(space.ctx.task, space.ctx.n_classes, {}, n_jobs=1, deadline=deadline)
    return (cand, ctx, space.metric, must_finish)


def test_a_job_past_its_deadline_is_stopped_and_the_pool_goes_on(misbehaving):
    space = _space(Budget.starting_now(60))
    with ProcessPool(1) as pool:
        pool.share(space.X, space.y, space.folds)
        t0 = time.monotonic()
        job = pool.submit("trial", _trial_args(space, Candidate("s", misbehaving.Sleeper(), {"seconds": 60})),
                          kill_at=t0 + 1.0)
        [(done, outcome)] = pool.wait()
        assert done == job and not outcome.ok
        assert "past its deadline" in outcome.error
        assert time.monotonic() - t0 < 10
        pool.submit("trial", _trial_args(space, Candidate("lgb", FAMILIES["lightgbm"], {})), kill_at=None)
        [(_, again)] = pool.wait()
        assert again.ok and again.value.score > 0.9


def test_a_job_over_the_memory_limit_is_stopped(misbehaving):
    space = _space(Budget.starting_now(60))
    with ProcessPool(1, memory_limit_mb=400) as pool:
        pool.share(space.X, space.y, space.folds)
        pool.submit("trial", _trial_args(space, Candidate("h", misbehaving.Hog(), {"mb": 1500, "seconds": 30})),
                    kill_at=time.monotonic() + 60)
        [(_, outcome)] = pool.wait()
        assert not outcome.ok and "memory limit of 400 MB" in outcome.error
        assert outcome.seconds < 30


def test_a_crashing_worker_is_reported_with_its_last_words(misbehaving):
    space = _space(Budget.starting_now(60))
    with ProcessPool(1) as pool:
        pool.share(space.X, space.y, space.folds)
        pool.submit("trial", _trial_args(space, Candidate("c", misbehaving.Crasher(), {})), kill_at=None)
        [(_, outcome)] = pool.wait()
        assert not outcome.ok
        assert "exit code 3" in outcome.error and "the model library crashed" in outcome.error


def test_worker_log_records_reach_the_parent(misbehaving, caplog):
    space = _space(Budget.starting_now(60))
    with ProcessPool(1) as pool:
        pool.share(space.X, space.y, space.folds)
        pool.submit("trial", _trial_args(space, Candidate("c", misbehaving.Chatty(), {})), kill_at=None)
        [(_, outcome)] = pool.wait()
    assert outcome.ok
    assert [r.getMessage() for r in caplog.records if r.name == "misbehaving"] == ["chatty saw 200 rows"] * 3


def test_the_search_stops_a_runaway_trial_and_skips_what_cannot_fit_in_memory(misbehaving):
    space = _space(Budget.starting_now(8.0))
    cands = [Candidate("lgb", FAMILIES["lightgbm"], {}),
             Candidate("sleeper", misbehaving.Sleeper(), {"seconds": 120}),
             Candidate("huge", misbehaving.Hog(), {"mb": 1, "seconds": 0, "declared_mb": 10**7}),
             Candidate("linear", FAMILIES["linear"], {})]
    skipped = []
    t0 = time.monotonic()
    with ProcessPool(2, memory_limit_mb=4000) as pool:
        results = run_search(cands, space, pool=pool, skipped=skipped)
    assert time.monotonic() - t0 < 8.0 + 0.5 + 5  # the budget, the grace, closing the pool
    assert {r.name for r in results} == {"lgb", "linear"}
    reasons = {s.name: s.reason for s in skipped}
    assert "past its deadline" in reasons["sleeper"]
    assert "more than the memory limit" in reasons["huge"]


def test_when_even_the_first_trial_runs_out_of_time_nothing_more_is_started(misbehaving):
    """A starved machine (a niced retraining under load): once the first trial is stopped at its last call, the
    other candidates are not each given a new worker only to be stopped at once; the error names the first one."""
    from dataclasses import replace

    from mlpilot.exceptions import TimeBudgetError

    space = replace(_space(Budget.starting_now(1.0), grace=0.2), last_call=time.monotonic() + 1.5, time_limit=10)
    cands = [Candidate(f"s{i}", misbehaving.Sleeper(), {"seconds": 60}) for i in range(5)]
    skipped = []
    with ProcessPool(1) as pool, pytest.raises(TimeBudgetError) as err:
        run_search(cands, space, pool=pool, skipped=skipped)
    assert "--time-limit 10 s (s0: stopped: still running" in str(err.value)
    assert [(s.name, s.reason) for s in skipped[1:]] == [(f"s{i}", "no time left") for i in range(1, 5)]


def test_trials_run_side_by_side_on_two_workers(misbehaving):
    space = _space(Budget.starting_now(60))
    cands = [Candidate(f"s{i}", misbehaving.Sleeper(), {"seconds": 0.5}) for i in range(4)]
    with ProcessPool(2) as pool:
        pool.share(space.X, space.y, space.folds)
        run_search(cands[:1], space, pool=pool)  # start-up (imports) out of the timing
        t0 = time.monotonic()
        results = run_search(cands, space, pool=pool)
        elapsed = time.monotonic() - t0
    assert [r.name for r in results] == ["s0", "s1", "s2", "s3"]  # in the order of submission
    assert elapsed < 4 * 3 * 0.5  # 4 trials x 3 folds x 0.5 s one after the other: 6 s


def test_open_pool_picks_workers_from_the_data_and_the_settings(monkeypatch):
    monkeypatch.setenv("MLPILOT_THREADS", "2")
    monkeypatch.delenv("MLPILOT_WORKERS", raising=False)
    for rows, limit, deterministic, side, expect in [(1000, 60, False, True, (2, 1)), (1000, 60, False, False, (1, 2)),
                                                     (100_000, 60, False, True, (1, 2)), (1000, 60, True, True, (1, 2)),
                                                     (1000, 3, False, True, (0, 2))]:
        pool, n_jobs = open_pool(rows, limit, deterministic, side_by_side=side)
        with pool:
            assert (pool.n_workers if isinstance(pool, ProcessPool) else 0, n_jobs) == expect
    monkeypatch.setenv("MLPILOT_WORKERS", "0")
    pool, _ = open_pool(1000, 60)
    assert type(pool).__name__ == "InlinePool"


def test_a_script_without_a_main_guard_can_fit(tmp_path):
    """Workers are started as `python -m mlpilot.search.worker`, not by re-running the caller's script."""
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        import numpy as np, pandas as pd, mlpilot
        rng = np.random.default_rng(0)
        df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
        df["y"] = (df.a > 0).astype(int)
        model = mlpilot.fit(df, "y", time_limit=12, preset="fast")
        print("trained", len(model.leaderboard()))
    """))
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("trained") == 1


def test_a_workers_models_come_back_as_files_and_read_back_identical():
    from mlpilot.search.worker import StoredModel, load_model

    space = _space(Budget.starting_now(60))
    with ProcessPool(1) as pool:
        pool.share(space.X, space.y, space.folds)
        pool.submit("trial", _trial_args(space, Candidate("lgb", FAMILIES["lightgbm"], {})), kill_at=None)
        [(_, outcome)] = pool.wait()
        result = outcome.value
        assert len(result.models) == 3 and all(isinstance(m, StoredModel) for m in result.models)
        assert result.refit_config["n_estimators"] >= 1  # computed in the worker, from the fold models
        for model, (_, va) in zip(result.models, space.folds):
            np.testing.assert_allclose(load_model(model).predict(space.X[va]), result.oof[va], rtol=1e-12)


def test_a_trial_saving_its_models_gets_until_its_wrap_up_time(misbehaving):
    space = _space(Budget.starting_now(60))
    cand = Candidate("s", misbehaving.SlowSaver(), {})
    with ProcessPool(1) as pool:
        pool.share(space.X, space.y, space.folds)
        now = time.monotonic()
        pool.submit("trial", _trial_args(space, cand), kill_at=now + 1.5, wrap_up_at=now + 30)
        [(_, saved)] = pool.wait()
        assert saved.ok, saved.error  # 3 folds x 3 s of saving, past kill_at but before wrap_up_at
        pool.submit("trial", _trial_args(space, cand), kill_at=time.monotonic() + 1.5)
        [(_, stopped)] = pool.wait()
        assert not stopped.ok and "past its deadline" in stopped.error


def test_a_worker_holding_too_much_memory_after_its_job_is_replaced(monkeypatch):
    from mlpilot.search import executor

    space = _space(Budget.starting_now(60))
    lgb = Candidate("lgb", FAMILIES["lightgbm"], {})
    with ProcessPool(1) as pool:
        pool.share(space.X, space.y, space.folds)
        pids = []
        for recycle_mb in (1e6, 0.0, 1e6):  # kept, then replaced after its job, then kept
            monkeypatch.setattr(executor, "RECYCLE_MB", recycle_mb)
            pool.submit("trial", _trial_args(space, lgb), kill_at=None)
            pids.append(pool._workers[0].process.pid)
            [(_, outcome)] = pool.wait()
            assert outcome.ok and outcome.value.score > 0.9
        assert pids[0] == pids[1] != pids[2]
        assert len(pool._workers) == 1
