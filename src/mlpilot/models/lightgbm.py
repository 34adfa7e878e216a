"""LightGBM: gradient-boosted trees with native categorical splits and early stopping."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from mlpilot.data.task import Task
from mlpilot.models.base import FitContext, FittedModel, ModelFamily, refit_rounds, split_contributions

__all__ = ["LightGBMFamily", "LightGBMModel"]

EARLY_STOPPING_ROUNDS = 50
MIN_LOGLOSS_GAIN = 1e-6  # smaller gains per round are noise (e.g. on separable data)
MAX_ROUNDS = 5000
SMALL_BATCH = 2000
SMALL_DATA_ROWS = 4000  # training rows below which one thread is faster than two


def _objective(ctx: FitContext) -> dict[str, Any]:
    if ctx.task is Task.REGRESSION:
        return {"objective": "regression", "metric": "l2"}
    if ctx.task is Task.BINARY:
        return {"objective": "binary", "metric": "binary_logloss"}
    return {"objective": "multiclass", "metric": "multi_logloss", "num_class": ctx.n_classes}


def _deadline_callback(deadline: float | None):
    """Stop boosting once the deadline has passed (the trees so far are kept)."""
    import lightgbm as lgb

    def callback(env) -> None:
        if deadline is not None and time.monotonic() > deadline and env.iteration > 0:
            raise lgb.callback.EarlyStopException(env.iteration, env.evaluation_result_list or [])

    callback.order = 40
    return callback


class LightGBMModel(FittedModel):
    family = "lightgbm"

    def __init__(self, booster, task: Task):
        self.booster = booster
        self.task = task

    def predict(self, X: np.ndarray) -> np.ndarray:
        threads = 1 if len(X) < SMALL_BATCH else 0  # threads cost more than they save on a few rows
        p = self.booster.predict(X, num_iteration=self.booster.best_iteration or None, num_threads=threads)
        if self.task is Task.BINARY:
            return np.column_stack([1 - p, p])
        return p

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        threads = 1 if len(X) < SMALL_BATCH else 0
        raw = self.booster.predict(X, num_iteration=self.booster.best_iteration or None, pred_contrib=True,
                                   num_threads=threads)
        return split_contributions(np.asarray(raw, dtype=np.float64).reshape(len(X), -1, X.shape[1] + 1))

    def save(self, directory: Path, stem: str) -> list[str]:
        name = f"{stem}.lgb.txt"
        self.booster.save_model(str(directory / name), num_iteration=self.booster.best_iteration or None)
        return [name]

    @classmethod
    def load(cls, directory: Path, stem: str, meta: dict[str, Any]) -> LightGBMModel:
        import lightgbm as lgb

        booster = lgb.Booster(model_file=str(directory / f"{stem}.lgb.txt"))
        booster.best_iteration = 0
        return cls(booster, Task(meta["task"]))

    @property
    def rounds(self) -> int:
        return int(self.booster.best_iteration or self.booster.current_iteration())

    def meta(self) -> dict[str, Any]:
        return {"task": str(self.task), "n_trees": int(self.booster.num_trees())}


class LightGBMFamily(ModelFamily):
    key = "lightgbm"
    fitted_class = LightGBMModel

    def default_configs(self, task: Task) -> list[dict[str, Any]]:
        return [
            {"learning_rate": 0.1, "num_leaves": 31, "min_child_samples": 20},
            {"learning_rate": 0.05, "num_leaves": 63, "min_child_samples": 10, "feature_fraction": 0.8,
             "lambda_l2": 1.0},
            {"learning_rate": 0.1, "num_leaves": 15, "min_child_samples": 30, "feature_fraction": 0.6,
             "bagging_fraction": 0.8, "bagging_freq": 1, "extra_trees": True},
        ]

    def refit_config(self, config: dict[str, Any], fold_models: list[FittedModel]) -> dict[str, Any]:
        return {**config, "n_estimators": refit_rounds(fold_models, LightGBMModel)}

    def search_space(self, task: Task) -> dict[str, tuple]:
        return {
            "learning_rate": ("logfloat", 0.01, 0.2),
            "num_leaves": ("int", 7, 255),
            "min_child_samples": ("int", 2, 100),
            "feature_fraction": ("float", 0.4, 1.0),
            "lambda_l2": ("logfloat", 1e-3, 10.0),
        }

    def fit(self, X: np.ndarray, y: np.ndarray, config: dict[str, Any], ctx: FitContext,
            X_val: np.ndarray | None = None, y_val: np.ndarray | None = None) -> LightGBMModel:
        import lightgbm as lgb

        threads = 1 if len(X) < SMALL_DATA_ROWS else ctx.n_jobs  # on a few rows, syncing threads costs more
        params = {**_objective(ctx), "verbosity": -1, "seed": ctx.seed, "num_threads": threads,
                  "deterministic": True, "force_col_wise": True, "max_cat_to_onehot": 8,
                  "min_data_per_group": 10, "cat_smooth": 10, **config}
        rounds = int(params.pop("n_estimators", MAX_ROUNDS))
        cats = sorted(ctx.categorical)
        train = lgb.Dataset(X, y, categorical_feature=cats or "auto", free_raw_data=True)
        callbacks = [_deadline_callback(ctx.deadline)]
        valid = []
        if X_val is not None and y_val is not None and len(y_val):
            valid = [lgb.Dataset(X_val, y_val, reference=train, categorical_feature=cats or "auto")]
            gain = MIN_LOGLOSS_GAIN if ctx.task.is_classification else 0.0
            callbacks.append(lgb.early_stopping(EARLY_STOPPING_ROUNDS, first_metric_only=True, verbose=False,
                                                min_delta=gain))
        elif "n_estimators" not in config:
            rounds = 300
        booster = lgb.train(params, train, num_boost_round=rounds, valid_sets=valid, callbacks=callbacks)
        return LightGBMModel(booster, ctx.task)
