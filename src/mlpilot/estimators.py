"""scikit-learn estimators: AutoClassifier and AutoRegressor.

Each wraps :func:`mlpilot.pipeline.fit`: ``fit`` validates the data the way scikit-learn
does, turns it into a table and runs the whole search; the trained
:class:`~mlpilot.bundle.predictor.Predictor` is kept as ``predictor_``.

>>> from mlpilot import AutoClassifier
>>> clf = AutoClassifier(time_limit=30).fit(X_train, y_train)  # doctest: +SKIP
>>> clf.predict_proba(X_test)[:, 1]  # doctest: +SKIP
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    assert_all_finite,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from mlpilot import pipeline
from mlpilot.evaluate.metrics import METRICS
from mlpilot.exceptions import ConfigError, NotFittedError
from mlpilot.search.presets import PRESETS

__all__ = ["AutoClassifier", "AutoRegressor"]


class EstimatorNotFittedError(NotFittedError, SklearnNotFittedError):
    """Caught by ``except mlpilot.errors.NotFittedError`` and by scikit-learn's own NotFittedError."""

TARGET_NAME = "__mlpilot_target__"
MIN_SAMPLES = 2


def _is_mixed_frame(X: Any) -> bool:
    """True for a DataFrame with a column that is not numbers or booleans (text, dates, categories)."""
    if not isinstance(X, pd.DataFrame):
        return False
    return not all(pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t) for t in X.dtypes)


def _free_name(columns: list[str]) -> str:
    """A column name for the target that no feature column has."""
    name = TARGET_NAME
    while name in columns:
        name += "_"
    return name


class _AutoEstimator(BaseEstimator):
    """What AutoClassifier and AutoRegressor share: validation, the call to the pipeline, the table."""

    _y_numeric: bool  # regression: y is converted to floats

    def __init__(self, time_limit: float = 60.0, metric: str = "auto", preset: str = "balanced",
                 random_state: int | np.random.RandomState | None = 0):
        self.time_limit = time_limit
        self.metric = metric
        self.preset = preset
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # LightGBM splits on missing values; linear models impute
        return tags

    # ------------------------------------------------------------------ data
    def _columns(self) -> list[str]:
        """The table's column names: the DataFrame's own (as fitted), else x0, x1, ..."""
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            return [str(c) for c in names]
        return [f"x{i}" for i in range(self.n_features_in_)]

    def _fit_table(self, X: Any, y: Any) -> tuple[pd.DataFrame, np.ndarray]:
        """The features as a table (new copy) and y as a 1-d array, checked as scikit-learn does."""
        y_numeric = self._y_numeric
        if _is_mixed_frame(X):
            X, y = validate_data(self, X, y, skip_check_array=True)
            y = column_or_1d(y, warn=True)
            assert_all_finite(y, input_name="y", estimator_name=type(self).__name__)
            check_consistent_length(X, y)
            if len(X) < MIN_SAMPLES:
                raise ValueError(f"Found array with {len(X)} sample(s) (shape={X.shape}) while a minimum of "
                                 f"{MIN_SAMPLES} is required by {type(self).__name__}.")
            if y_numeric:
                y = y.astype(np.float64)
            return X.set_axis(self._columns(), axis=1), y
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", ensure_min_samples=MIN_SAMPLES,
                             y_numeric=y_numeric)
        return pd.DataFrame(X, columns=self._columns()), y

    def _check_fitted(self) -> None:
        """Raise mlpilot's NotFittedError (a scikit-learn NotFittedError too) before ``fit``."""
        try:
            check_is_fitted(self, "predictor_")
        except SklearnNotFittedError as err:
            raise EstimatorNotFittedError(str(err)) from err

    def _table(self, X: Any) -> pd.DataFrame:
        """New data as a table with the training column names, after checking the model is fitted."""
        self._check_fitted()
        if _is_mixed_frame(X):
            X = validate_data(self, X, reset=False, skip_check_array=True)
            return X.set_axis(self._columns(), axis=1)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan")
        return pd.DataFrame(X, columns=self._columns())

    # ------------------------------------------------------------------ training
    def _pipeline_params(self) -> dict[str, Any]:
        """The parameters checked and turned into keyword arguments of :func:`mlpilot.pipeline.fit`."""
        name = type(self).__name__
        limit = self.time_limit
        if not (isinstance(limit, numbers.Real) and not isinstance(limit, bool) and np.isfinite(limit)
                and limit > 0):
            raise ConfigError(f"The 'time_limit' parameter of {name} must be a positive number of seconds; "
                              f"got {limit!r}.")
        if not (isinstance(self.preset, str) and self.preset in PRESETS):
            raise ConfigError(f"The 'preset' parameter of {name} must be one of {', '.join(PRESETS)}; "
                              f"got {self.preset!r}.")
        metrics = ["auto"] + [m for m, v in METRICS.items() if v.classification is not self._y_numeric]
        if not (isinstance(self.metric, str) and self.metric in metrics):
            raise ConfigError(f"The 'metric' parameter of {name} must be one of {', '.join(metrics)}; "
                              f"got {self.metric!r}.")
        if isinstance(self.random_state, numbers.Integral) and not isinstance(self.random_state, bool):
            seed = int(self.random_state)
        else:
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        return {"time_limit": float(limit), "preset": self.preset, "metric": self.metric, "seed": seed}

    def _fit_pipeline(self, table: pd.DataFrame, target: np.ndarray, task: str, params: dict[str, Any]) -> None:
        name = _free_name(list(table.columns))
        table[name] = target
        keep = [c for c in table.columns if c != name]  # an estimator uses every column it is given
        self.predictor_ = pipeline.fit(table, name, task=task, keep=keep, **params)

    # ------------------------------------------------------------------ reports
    def leaderboard(self) -> pd.DataFrame:
        """Every model tried, best first, with its out-of-fold score and timings."""
        self._check_fitted()
        return self.predictor_.leaderboard()


class AutoClassifier(ClassifierMixin, _AutoEstimator):
    """Trains and ensembles classifiers within ``time_limit`` seconds.

    Parameters
    ----------
    time_limit : float, default=60.0
        Seconds for the whole fit (search, ensembling).
    metric : str, default="auto"
        What the search optimises: "auto" (AUC for two classes, log loss for more),
        "auc", "logloss", "accuracy", "balanced_accuracy" or "f1".
    preset : {"fast", "balanced", "best"}, default="balanced"
        How many folds, configurations and ensembling rounds.
    random_state : int, RandomState instance or None, default=0
        Seed for fold splits and models.

    X may be an array or a DataFrame; a DataFrame may hold text, category and date columns,
    which are encoded by mlpilot's preprocessing. Missing values (NaN) are allowed in X.

    Attributes
    ----------
    predictor_ : mlpilot.Predictor
        The trained model (save it with ``predictor_.save(path)``).
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X was a DataFrame with string column names.
    """

    _y_numeric = False

    def fit(self, X: Any, y: Any) -> AutoClassifier:
        """Search and ensemble models for predicting ``y`` from ``X``; returns self."""
        params = self._pipeline_params()
        table, y = self._fit_table(X, y)
        check_classification_targets(y)
        classes, codes = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes in the data, but the "
                             f"data contains only one class: {classes[0]!r}.")
        self.classes_ = classes
        task = "binary" if len(classes) == 2 else "multiclass"
        self._fit_pipeline(table, codes.astype(np.int64), task, params)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities of shape (n_samples, n_classes), columns in the order of ``classes_``."""
        table = self._table(X)
        proba = self.predictor_.predict_proba(table)
        # The pipeline was trained on class indices, so its columns are 0..k-1.
        return proba[list(range(len(self.classes_)))].to_numpy(dtype=np.float64)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class label of each sample, with the dtype of ``classes_``."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class AutoRegressor(RegressorMixin, _AutoEstimator):
    """Trains and ensembles regressors within ``time_limit`` seconds.

    Parameters
    ----------
    time_limit : float, default=60.0
        Seconds for the whole fit (search, ensembling).
    metric : str, default="auto"
        What the search optimises: "auto" (RMSE), "rmse", "mae" or "r2".
    preset : {"fast", "balanced", "best"}, default="balanced"
        How many folds, configurations and ensembling rounds.
    random_state : int, RandomState instance or None, default=0
        Seed for fold splits and models.

    X may be an array or a DataFrame; a DataFrame may hold text, category and date columns,
    which are encoded by mlpilot's preprocessing. Missing values (NaN) are allowed in X.

    Attributes
    ----------
    predictor_ : mlpilot.Predictor
        The trained model (save it with ``predictor_.save(path)``).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X was a DataFrame with string column names.
    """

    _y_numeric = True

    def fit(self, X: Any, y: Any) -> AutoRegressor:
        """Search and ensemble models for predicting ``y`` from ``X``; returns self."""
        params = self._pipeline_params()
        table, y = self._fit_table(X, y)
        self._fit_pipeline(table, np.asarray(y, dtype=np.float64), "regression", params)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values, shape (n_samples,)."""
        table = self._table(X)
        return np.asarray(self.predictor_.predict(table), dtype=np.float64)
