"""XGBoost and CatBoost: the shared check per task, plus deadline, early stopping and refit rounds,
absent classes and unseen category codes. (LightGBM's own tests are in test_families.py.)"""

import time

import numpy as np
import pytest

from mlpilot.data.task import Task
from mlpilot.models.base import REFIT_ROUNDS_FACTOR, FitContext
from mlpilot.models.catboost import MAX_ROUNDS as CATBOOST_MAX_ROUNDS
from mlpilot.models.catboost import CatBoostFamily
from mlpilot.models.xgboost import MAX_ROUNDS as XGBOOST_MAX_ROUNDS
from mlpilot.models.xgboost import XGBoostFamily
from synthetic import check_family, make_data as _data

# family, its learning-rate parameter, its payload file, its largest number of rounds
BOOSTERS = [(XGBoostFamily(), "eta", "m.xgb.ubj", XGBOOST_MAX_ROUNDS),
            (CatBoostFamily(), "learning_rate", "m.cbm", CATBOOST_MAX_ROUNDS)]
IDS = [b[0].key for b in BOOSTERS]


@pytest.mark.parametrize("task", list(Task))
@pytest.mark.parametrize(("family", "rate", "payload", "max_rounds"), BOOSTERS, ids=IDS)
def test_fits_predicts_and_round_trips(family, rate, payload, max_rounds, task, tmp_path):
    assert check_family(family, task, family.default_configs(task)[0], tmp_path) == [payload]


@pytest.mark.parametrize(("family", "rate", "payload", "max_rounds"), BOOSTERS, ids=IDS)
def test_stops_at_its_deadline(family, rate, payload, max_rounds):
    X, y, _ = _data(Task.REGRESSION, n=3000)
    ctx = FitContext(Task.REGRESSION, 0, {4: 4}, n_jobs=1, deadline=time.monotonic() + 0.3)
    t0 = time.monotonic()
    model = family.fit(X, y, {rate: 0.001, "n_estimators": 100000}, ctx)
    assert time.monotonic() - t0 < 3.0
    assert 1 <= model.rounds < 100000


@pytest.mark.parametrize(("family", "rate", "payload", "max_rounds"), BOOSTERS, ids=IDS)
def test_early_stopping_keeps_the_best_rounds_and_refit_uses_them(family, rate, payload, max_rounds):
    X, y, k = _data(Task.BINARY)
    ctx = FitContext(Task.BINARY, k, {4: 4}, n_jobs=1)
    models = [family.fit(X[:240], y[:240], {rate: 0.3}, ctx, X[240:], y[240:]) for _ in range(2)]
    assert 1 <= models[0].rounds < max_rounds
    config = family.refit_config({rate: 0.3}, models)
    assert config == {rate: 0.3, "n_estimators": round(models[0].rounds * REFIT_ROUNDS_FACTOR)}
    assert family.fit(X, y, config, ctx).rounds == config["n_estimators"]


@pytest.mark.parametrize(("family", "rate", "payload", "max_rounds"), BOOSTERS, ids=IDS)
def test_a_class_missing_from_the_training_rows_still_gets_a_column(family, rate, payload, max_rounds):
    X, y, k = _data(Task.MULTICLASS)
    keep = y != 2
    ctx = FitContext(Task.MULTICLASS, 3, {4: 4}, n_jobs=1)
    model = family.fit(X[keep], y[keep], family.default_configs(Task.MULTICLASS)[0], ctx, X[240:], y[240:])
    p = model.predict(X)
    assert p.shape == (len(X), 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    assert p[:, 2].max() < 1e-3


@pytest.mark.parametrize(("family", "rate", "payload", "max_rounds"), BOOSTERS, ids=IDS)
def test_unseen_and_missing_categories_predict(family, rate, payload, max_rounds):
    X, y, k = _data(Task.BINARY)
    ctx = FitContext(Task.BINARY, k, {4: 4}, n_jobs=1)
    model = family.fit(X, y, family.default_configs(Task.BINARY)[0], ctx)
    X_new = X[:4].copy()
    X_new[:, 4] = [7.0, np.nan, 250.0, 0.0]
    p = model.predict(X_new)
    assert p.shape == (4, 2) and not np.isnan(p).any()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)


def test_a_fit_catboost_refuses_raises_a_runtime_error():
    X, y, k = _data(Task.BINARY)
    ctx = FitContext(Task.BINARY, k, {4: 4}, n_jobs=1)
    with pytest.raises(RuntimeError, match="CatBoost could not fit 100 rows"):
        CatBoostFamily().fit(X[:100], np.zeros(100), {"n_estimators": 5}, ctx)


def test_catboost_stops_once_the_log_loss_barely_moves():
    """Nearly separable data: the validation log loss keeps creeping down; training stops anyway."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 4))
    y = (X[:, 0] + 0.01 * rng.normal(size=600) > 0).astype(int)
    ctx = FitContext(Task.BINARY, 2, {}, n_jobs=1)
    model = CatBoostFamily().fit(X[:480], y[:480], {"depth": 6, "learning_rate": 0.08}, ctx, X[480:], y[480:])
    assert model.rounds < 1500
    assert (model.predict(X[480:]).argmax(axis=1) == y[480:]).mean() > 0.95
