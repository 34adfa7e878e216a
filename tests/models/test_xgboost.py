"""XGBoost family: the shared checks per task, plus deadline, early stopping, absent classes and unseen codes."""

import time

import numpy as np
import pytest

from mlpilot.data.task import Task
from mlpilot.models.base import FitContext
from mlpilot.models.xgboost import MAX_ROUNDS, XGBoostFamily, XGBoostModel
from synthetic import check_family, make_data as _data

FAMILY = XGBoostFamily()


@pytest.mark.parametrize("task", list(Task))
def test_fits_predicts_and_round_trips(task, tmp_path):
    assert check_family(FAMILY, task, FAMILY.default_configs(task)[0], tmp_path) == ["m.xgb.ubj"]


def test_stops_at_its_deadline():
    X, y, _ = _data(Task.REGRESSION, n=3000)
    ctx = FitContext(Task.REGRESSION, 0, {4: 4}, n_jobs=1, deadline=time.monotonic() + 0.3)
    t0 = time.monotonic()
    model = FAMILY.fit(X, y, {"eta": 0.001, "n_estimators": 100000}, ctx)
    assert time.monotonic() - t0 < 3.0
    assert 1 <= model.rounds < 100000


def test_early_stopping_keeps_the_best_rounds_and_refit_uses_them():
    X, y, k = _data(Task.BINARY)
    ctx = FitContext(Task.BINARY, k, {4: 4}, n_jobs=1)
    models = [FAMILY.fit(X[:240], y[:240], {"eta": 0.3}, ctx, X[240:], y[240:]) for _ in range(2)]
    assert 1 <= models[0].rounds < MAX_ROUNDS
    config = FAMILY.refit_config({"eta": 0.3}, models)
    assert config == {"eta": 0.3, "n_estimators": round(models[0].rounds * 1.1)}
    assert FAMILY.fit(X, y, config, ctx).rounds == config["n_estimators"]


def test_a_class_missing_from_the_training_rows_still_gets_a_column():
    X, y, k = _data(Task.MULTICLASS)
    keep = y != 2
    ctx = FitContext(Task.MULTICLASS, 3, {4: 4}, n_jobs=1)
    model = FAMILY.fit(X[keep], y[keep], FAMILY.default_configs(Task.MULTICLASS)[0], ctx, X[240:], y[240:])
    p = model.predict(X)
    assert p.shape == (len(X), 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    assert p[:, 2].max() < 1e-3


def test_unseen_and_missing_categories_predict():
    X, y, k = _data(Task.BINARY)
    ctx = FitContext(Task.BINARY, k, {4: 4}, n_jobs=1)
    model = FAMILY.fit(X, y, FAMILY.default_configs(Task.BINARY)[0], ctx)
    X_new = X[:4].copy()
    X_new[:, 4] = [7.0, np.nan, 250.0, 0.0]
    p = model.predict(X_new)
    assert p.shape == (4, 2) and not np.isnan(p).any()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
