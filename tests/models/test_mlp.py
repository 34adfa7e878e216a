"""The MLP family: quality on held-out rows, save/load without torch, deadline, absent classes, seeding."""

import sys
import time

import numpy as np
import pytest

pytest.importorskip("torch", reason="the MLP family trains with PyTorch, which is not installed")

from mlpilot.data.task import Task  # noqa: E402
from mlpilot.models.base import FitContext  # noqa: E402
from mlpilot.models.mlp import MLPFamily, MLPModel  # noqa: E402
from synthetic import make_data  # noqa: E402

FAMILY = MLPFamily()
FAST = {"width": 64, "depth": 2, "max_epochs": 5}


def _data(task, n=1000, seed=0):
    return make_data(task, n, seed)


@pytest.fixture(scope="module", params=list(Task), ids=str)
def fitted(request):
    """A model trained on rows 0-699, early-stopped on 700-849; rows 850-999 are held out."""
    task = request.param
    X, y, k = _data(task)
    ctx = FitContext(task, k, {4: 4}, seed=0, n_jobs=1)
    model = FAMILY.fit(X[:700], y[:700], FAMILY.default_configs(task)[0], ctx, X[700:850], y[700:850])
    return task, k, X, y, model


def test_predictions_have_the_right_shape_and_quality(fitted):
    task, k, X, y, model = fitted
    pred = model.predict(X)
    assert not np.isnan(pred).any()
    assert 1 <= model.best_epoch <= 200
    if task is Task.REGRESSION:
        assert pred.shape == (len(X),)
        assert np.corrcoef(pred[850:], y[850:])[0, 1] > 0.95
    else:
        assert pred.shape == (len(X), k)
        assert (pred >= 0).all()
        np.testing.assert_allclose(pred.sum(axis=1), 1.0, rtol=1e-6)
        assert (pred[850:].argmax(axis=1) == y[850:]).mean() > (0.85 if k == 2 else 0.75)


def test_save_load_round_trip_needs_no_torch_and_no_pickle(fitted, tmp_path, monkeypatch):
    _, _, X, _, model = fitted
    files = model.save(tmp_path, "m")
    assert sorted(files) == ["m.mlp.json", "m.mlp.npz"]
    monkeypatch.setitem(sys.modules, "torch", None)  # any `import torch` now fails
    again = MLPModel.load(tmp_path, "m", model.meta())
    np.testing.assert_allclose(again.predict(X), model.predict(X), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(again.predict(X[:1]), model.predict(X)[:1], rtol=1e-6, atol=1e-9)


def test_stops_at_its_deadline():
    X, y, _ = _data(Task.REGRESSION, n=3000)
    ctx = FitContext(Task.REGRESSION, 0, {}, n_jobs=1, deadline=time.monotonic() + 0.5)
    t0 = time.monotonic()
    model = FAMILY.fit(X[:2500], y[:2500], {"max_epochs": 100000, "patience": 100000}, ctx, X[2500:], y[2500:])
    assert time.monotonic() - t0 < 3.0
    assert 1 <= model.best_epoch < 100000
    assert not np.isnan(model.predict(X)).any()


def test_a_class_missing_from_the_training_rows_still_gets_a_column():
    X, y, _ = _data(Task.MULTICLASS, n=300)
    keep = y != 2
    ctx = FitContext(Task.MULTICLASS, 3, {4: 4}, n_jobs=1)
    p = FAMILY.fit(X[keep], y[keep], FAST, ctx).predict(X)
    assert p.shape == (len(X), 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    assert p[:, 2].mean() < 0.05


def test_the_same_seed_gives_the_same_model():
    X, y, k = _data(Task.BINARY, n=300)

    def fit(seed):
        ctx = FitContext(Task.BINARY, k, {4: 4}, seed=seed, n_jobs=1)
        return FAMILY.fit(X[:240], y[:240], FAST, ctx, X[240:], y[240:]).predict(X)

    first = fit(0)
    np.testing.assert_array_equal(fit(0), first)
    assert not np.array_equal(fit(1), first)


def test_refit_trains_the_fold_models_mean_best_epoch_without_validation():
    X, y, _ = _data(Task.REGRESSION, n=300)
    folds = [MLPModel(None, [], "relu", Task.REGRESSION, best_epoch=e) for e in (4, 6)]
    config = FAMILY.refit_config(FAST, folds)
    assert config == {**FAST, "epochs": 6}  # round(5 * 1.1)
    model = FAMILY.fit(X, y, config, FitContext(Task.REGRESSION, 0, {4: 4}, n_jobs=1))
    assert model.best_epoch == 6


def test_too_few_rows_is_a_value_error():
    X, y, _ = _data(Task.REGRESSION, n=1)
    with pytest.raises(ValueError, match="at least 2 training rows"):
        FAMILY.fit(X, y, FAST, FitContext(Task.REGRESSION, 0, {4: 4}))


def test_a_deadline_shortens_the_learning_rate_schedule_so_that_it_still_ends_annealed():
    from mlpilot.models.mlp import FINAL_LR_FRACTION, _Horizon

    horizon = _Horizon(200 * 10)  # 200 epochs of 10 steps planned
    horizon.fit_to(steps_done=50, steps_per_epoch=10, seconds_per_epoch=0.1, seconds_left=2.0)  # 18 more fit
    assert horizon.total == 50 + 18 * 10
    assert horizon(horizon.total) == pytest.approx(FINAL_LR_FRACTION)  # annealed when the time is up
    assert horizon(horizon.total // 2) > 0.5
    horizon.fit_to(steps_done=60, steps_per_epoch=10, seconds_per_epoch=0.001, seconds_left=100.0)
    assert horizon.total == 200 * 10  # more time than planned: the plan, never longer


def test_a_network_stopped_by_its_deadline_is_no_worse_than_its_first_epochs():
    X, y, _ = _data(Task.MULTICLASS, n=3000)
    ctx = FitContext(Task.MULTICLASS, int(y.max()) + 1, {}, n_jobs=1, deadline=time.monotonic() + 1.0)
    model = FAMILY.fit(X[:2500], y[:2500], {"max_epochs": 100000, "patience": 100000}, ctx, X[2500:], y[2500:])
    one = FAMILY.fit(X[:2500], y[:2500], {"max_epochs": 1}, FitContext(Task.MULTICLASS, int(y.max()) + 1, {}, n_jobs=1),
                     X[2500:], y[2500:])

    def loss(m):
        p = m.predict(X[2500:])
        return -np.mean(np.log(np.clip(p[np.arange(500), y[2500:]], 1e-12, None)))

    assert model.best_epoch > 1 and loss(model) < loss(one)
