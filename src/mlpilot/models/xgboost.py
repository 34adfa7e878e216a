"""XGBoost: histogram gradient-boosted trees with native categorical splits and early stopping."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from mlpilot.data.task import Task
from mlpilot.models.base import FitContext, FittedModel, ModelFamily, refit_rounds, split_contributions

__all__ = ["XGBoostFamily", "XGBoostModel"]

EARLY_STOPPING_ROUNDS = 50
MIN_LOGLOSS_GAIN = 1e-4  # smaller gains over EARLY_STOPPING_ROUNDS rounds are noise (separable data)
MAX_ROUNDS = 5000
ROUNDS_WITHOUT_VALIDATION = 300
SMALL_BATCH = 2000


def _objective(ctx: FitContext) -> dict[str, Any]:
    if ctx.task is Task.REGRESSION:
        return {"objective": "reg:squarederror", "eval_metric": "rmse"}
    if ctx.task is Task.BINARY:
        return {"objective": "binary:logistic", "eval_metric": "logloss"}
    return {"objective": "multi:softprob", "eval_metric": "mlogloss", "num_class": ctx.n_classes}


def _feature_types(n_features: int, categorical: dict[int, int]) -> list[str]:
    return ["c" if j in categorical else "q" for j in range(n_features)]


def _deadline_callback(deadline: float | None):
    """Stop boosting once the deadline has passed (the trees so far are kept)."""
    import xgboost as xgb

    class Deadline(xgb.callback.TrainingCallback):
        def after_iteration(self, model, epoch: int, evals_log) -> bool:
            return deadline is not None and time.monotonic() > deadline

    return Deadline()


class XGBoostModel(FittedModel):
    """A booster cut to its best iteration, so that every tree it holds is used."""

    family = "xgboost"

    def __init__(self, booster, task: Task):
        self.booster = booster
        self.task = task
        self._threads: int | None = None

    def predict(self, X: np.ndarray) -> np.ndarray:
        threads = 1 if len(X) < SMALL_BATCH else 0  # threads cost more than they save on a few rows
        if threads != self._threads:  # the booster's own setting is what inplace_predict uses
            self.booster.set_param({"nthread": threads})
            self._threads = threads
        p = np.asarray(self.booster.inplace_predict(X), dtype=np.float64)
        if self.task is Task.REGRESSION:
            return p
        if self.task is Task.BINARY:
            return np.column_stack([1 - p, p])
        return p / p.sum(axis=1, keepdims=True)  # float32 rounding: rows sum to 1 in float64

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import xgboost as xgb

        data = xgb.DMatrix(X, feature_types=self.booster.feature_types, enable_categorical=True)
        raw = self.booster.predict(data, pred_contribs=True)  # float32, like XGBoost's predictions
        return split_contributions(np.asarray(raw, dtype=np.float64).reshape(len(X), -1, X.shape[1] + 1))

    def save(self, directory: Path, stem: str) -> list[str]:
        name = f"{stem}.xgb.ubj"
        self.booster.save_model(str(directory / name))
        return [name]

    @classmethod
    def load(cls, directory: Path, stem: str, meta: dict[str, Any]) -> XGBoostModel:
        import xgboost as xgb

        booster = xgb.Booster()
        booster.load_model(str(directory / f"{stem}.xgb.ubj"))
        return cls(booster, Task(meta["task"]))

    @property
    def rounds(self) -> int:
        return int(self.booster.num_boosted_rounds())

    def meta(self) -> dict[str, Any]:
        return {"task": str(self.task), "n_rounds": self.rounds}


class XGBoostFamily(ModelFamily):
    key = "xgboost"
    relative_cost = 3.0
    requires = ("xgboost",)
    fitted_class = XGBoostModel

    def default_configs(self, task: Task) -> list[dict[str, Any]]:
        return [
            {"eta": 0.1, "max_depth": 6, "subsample": 0.8, "colsample_bytree": 0.8, "min_child_weight": 1.0},
            {"eta": 0.05, "max_depth": 8, "subsample": 0.8, "colsample_bytree": 0.6, "min_child_weight": 2.0,
             "lambda": 2.0},
            {"eta": 0.1, "max_depth": 4, "subsample": 0.7, "colsample_bytree": 0.5, "min_child_weight": 5.0,
             "alpha": 0.1},
        ]

    def refit_config(self, config: dict[str, Any], fold_models: list[FittedModel]) -> dict[str, Any]:
        return {**config, "n_estimators": refit_rounds(fold_models, XGBoostModel)}

    def search_space(self, task: Task) -> dict[str, tuple]:
        return {
            "eta": ("logfloat", 0.01, 0.3),
            "max_depth": ("int", 3, 10),
            "min_child_weight": ("logfloat", 0.5, 20.0),
            "subsample": ("float", 0.5, 1.0),
            "colsample_bytree": ("float", 0.4, 1.0),
            "lambda": ("logfloat", 1e-3, 10.0),
        }

    def fit(self, X: np.ndarray, y: np.ndarray, config: dict[str, Any], ctx: FitContext,
            X_val: np.ndarray | None = None, y_val: np.ndarray | None = None) -> XGBoostModel:
        import xgboost as xgb

        params = {**_objective(ctx), "tree_method": "hist", "nthread": ctx.n_jobs, "seed": ctx.seed,
                  "max_cat_to_onehot": 8, "verbosity": 0, **config}
        rounds = int(params.pop("n_estimators", MAX_ROUNDS))
        types = _feature_types(X.shape[1], ctx.categorical)
        train = xgb.QuantileDMatrix(X, y, feature_types=types, enable_categorical=True, nthread=ctx.n_jobs)
        callbacks = []
        evals = []
        if X_val is not None and y_val is not None and len(y_val):
            valid = xgb.QuantileDMatrix(X_val, y_val, ref=train, feature_types=types, enable_categorical=True,
                                        nthread=ctx.n_jobs)
            evals = [(valid, "valid")]
            gain = MIN_LOGLOSS_GAIN if ctx.task.is_classification else 0.0
            callbacks.append(xgb.callback.EarlyStopping(rounds=EARLY_STOPPING_ROUNDS, min_delta=gain))
        elif "n_estimators" not in config:
            rounds = ROUNDS_WITHOUT_VALIDATION
        callbacks.append(_deadline_callback(ctx.deadline))  # last: xgboost skips the callbacks after a stop
        booster = xgb.train(params, train, num_boost_round=rounds, evals=evals, callbacks=callbacks,
                            verbose_eval=False)
        if evals:
            booster = booster[: booster.best_iteration + 1]  # drop the trees after the best round
        return XGBoostModel(booster, ctx.task)
