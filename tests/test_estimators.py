"""Tests of mlpilot.estimators: AutoClassifier and AutoRegressor as scikit-learn estimators."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, make_classification
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlpilot import AutoClassifier, AutoRegressor
from mlpilot.bundle.predictor import Predictor
from mlpilot.exceptions import ConfigError, DataError, NotFittedError

FAST = {"time_limit": 5, "preset": "fast"}

# Checks of scikit-learn's suite that these estimators cannot pass, with the reason.
# Every check passes today; keep this list as short as possible.
EXPECTED_FAILED_CHECKS: dict[str, str] = {}


@parametrize_with_checks([AutoClassifier(**FAST), AutoRegressor(**FAST)],
                         expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------- real data
def test_classifier_on_breast_cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    clf = AutoClassifier(**FAST).fit(X_tr, y_tr)
    assert clf.score(X_te, y_te) > 0.9
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    assert clf.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(clf.feature_names_in_, X.columns)
    assert isinstance(clf.predictor_, Predictor)
    proba = clf.predict_proba(X_te)
    assert proba.shape == (len(X_te), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    board = clf.leaderboard()
    assert isinstance(board, pd.DataFrame) and len(board) >= 1


def test_regressor_on_diabetes():
    X, y = load_diabetes(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0)
    reg = AutoRegressor(**FAST).fit(X_tr, y_tr)
    assert reg.score(X_te, y_te) > 0.3
    pred = reg.predict(X_te)
    assert pred.shape == (len(X_te),) and pred.dtype == np.float64
    assert not hasattr(reg, "feature_names_in_")
    assert reg.n_features_in_ == X.shape[1]


# ---------------------------------------------------------------- labels and inputs
def test_string_labels_keep_their_order_and_dtype():
    X, y = make_classification(n_samples=120, n_features=5, n_informative=3, n_classes=3, random_state=0)
    labels = np.array(["c", "a", "b"])[y]
    clf = AutoClassifier(**FAST).fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, ["a", "b", "c"])
    pred = clf.predict(X)
    assert pred.dtype == clf.classes_.dtype
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], pred)
    assert clf.score(X, labels) > 0.7


def test_dataframe_with_text_categories_and_missing_values():
    rng = np.random.default_rng(0)
    n = 200
    city = rng.choice(["Paris", "Lyon", "Nice"], n)
    age = rng.integers(18, 90, n).astype(float)
    age[::10] = np.nan
    X = pd.DataFrame({"city": city, "age": age, "kind": pd.Categorical(rng.choice(["a", "b"], n)),
                      "when": pd.date_range("2021-01-01", periods=n, freq="D").strftime("%Y-%m-%d")})
    y = np.where(city == "Paris", "yes", "no")
    clf = AutoClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(clf.feature_names_in_, ["city", "age", "kind", "when"])
    assert clf.score(X, y) > 0.95
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(X[["age", "city", "kind", "when"]])
    with pytest.raises(ValueError, match="missing:\n- when"):
        clf.predict(X.drop(columns="when"))


def test_target_name_cannot_collide_with_a_feature():
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    frame = pd.DataFrame(X, columns=["__mlpilot_target__", "a", "b", "c"])
    clf = AutoClassifier(**FAST).fit(frame, y)
    assert clf.predict(frame).shape == (80,)


def test_one_class_is_refused():
    X = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match="only one class"):
        AutoClassifier(**FAST).fit(X, np.ones(10))


def test_continuous_target_is_refused_by_the_classifier():
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match="Unknown label type"):
        AutoClassifier(**FAST).fit(X, np.linspace(0, 1, 20))


@pytest.mark.parametrize("time_limit", [0, -1, float("nan"), "60", None])
def test_bad_time_limit_is_refused_in_fit(time_limit):
    X, y = make_classification(n_samples=30, n_features=3, n_informative=2, n_redundant=0, random_state=0)
    clf = AutoClassifier(time_limit=time_limit)  # __init__ only stores
    assert clf.get_params()["time_limit"] is time_limit
    with pytest.raises(ConfigError, match="time_limit"):
        clf.fit(X, y)


@pytest.mark.parametrize(("params", "match"), [
    ({"preset": "turbo"}, "'preset' parameter of AutoClassifier must be one of fast, balanced, best; got 'turbo'"),
    ({"metric": "rmse"}, "'metric' parameter of AutoClassifier must be one of auto, auc, .*; got 'rmse'"),
    ({"metric": None}, "'metric' parameter"),
])
def test_bad_preset_or_metric_is_refused_in_fit(params, match):
    X, y = make_classification(n_samples=30, n_features=3, n_informative=2, n_redundant=0, random_state=0)
    with pytest.raises(ConfigError, match=match):
        AutoClassifier(time_limit=5, **params).fit(X, y)


def test_regressor_refuses_a_classification_metric():
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ConfigError, match="one of auto, rmse, mae, r2; got 'auc'"):
        AutoRegressor(time_limit=5, metric="auc").fit(X, y)


def test_regressor_honours_its_metric():
    X, y = load_diabetes(return_X_y=True)
    reg = AutoRegressor(**FAST, metric="mae").fit(X, y)
    assert reg.predictor_.metric == "mae"


# ---------------------------------------------------------------- scikit-learn protocol
@pytest.mark.parametrize("cls", [AutoClassifier, AutoRegressor])
def test_get_params_and_clone_round_trip(cls):
    metric = "accuracy" if cls is AutoClassifier else "mae"
    est = cls(time_limit=7.5, metric=metric, preset="fast", random_state=3)
    params = est.get_params()
    assert params == {"time_limit": 7.5, "metric": metric, "preset": "fast", "random_state": 3}
    copy = clone(est)
    assert copy is not est and copy.get_params() == params
    assert cls(**params).get_params() == params
    assert est.set_params(time_limit=9).time_limit == 9


@pytest.mark.parametrize("cls", [AutoClassifier, AutoRegressor])
def test_predict_before_fit_raises_not_fitted(cls):
    X = np.zeros((3, 2))
    est = cls(**FAST)
    with pytest.raises(NotFittedError, match="not fitted"):
        est.predict(X)
    with pytest.raises(SklearnNotFittedError):
        est.leaderboard()


def test_predict_proba_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError, match="not fitted"):
        AutoClassifier(**FAST).predict_proba(np.zeros((3, 2)))


def test_a_running_integer_feature_is_used():
    X = np.arange(40.0).reshape(-1, 1)
    reg = AutoRegressor(**FAST).fit(X, 2 * X[:, 0])
    assert reg.score(X, 2 * X[:, 0]) > 0.9


def test_same_seed_gives_same_predictions_and_pickle_keeps_them():
    X, y = make_classification(n_samples=150, n_features=6, random_state=1)
    a = AutoClassifier(**FAST, random_state=4).fit(X, y)
    b = AutoClassifier(**FAST, random_state=4).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X))
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(c.predict_proba(X), a.predict_proba(X))


def test_inside_pipeline_with_cross_val_score():
    X, y = load_breast_cancer(return_X_y=True)
    pipe = Pipeline([("scale", StandardScaler()), ("model", AutoClassifier(**FAST))])
    scores = cross_val_score(pipe, X, y, cv=3, scoring="accuracy")
    assert scores.shape == (3,) and scores.min() > 0.85


def test_regressor_in_cross_val_score():
    X, y = load_diabetes(return_X_y=True)
    scores = cross_val_score(AutoRegressor(**FAST), X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.2
