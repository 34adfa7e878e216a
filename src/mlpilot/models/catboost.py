"""CatBoost: symmetric gradient-boosted trees with ordered target statistics for categorical codes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from mlpilot.data.task import Task
from mlpilot.models.base import FitContext, FittedModel, ModelFamily, refit_rounds, split_contributions

__all__ = ["CatBoostFamily", "CatBoostModel"]

EARLY_STOPPING_ROUNDS = 50
MIN_LOGLOSS_GAIN = 1e-6  # smaller gains per round are noise (as in the LightGBM family)
MAX_ROUNDS = 5000
ROUNDS_WITHOUT_VALIDATION = 300
SMALL_BATCH = 2000
MISSING_CODE = -1  # CatBoost wants integer categories: a missing code becomes a category of its own


def _objective(ctx: FitContext) -> dict[str, Any]:
    if ctx.task is Task.REGRESSION:
        return {"loss_function": "RMSE"}
    # class_names keeps one column per class even when a fold lacks some class
    loss = "Logloss" if ctx.task is Task.BINARY else "MultiClass"
    return {"loss_function": loss, "class_names": list(range(ctx.n_classes))}


def _pool(X: np.ndarray, categorical: list[int], y: np.ndarray | None = None):
    """A Pool whose categorical columns hold integers (CatBoost rejects float categories)."""
    import pandas as pd
    from catboost import Pool

    frame = pd.DataFrame(X, copy=False)
    for j in categorical:
        codes = X[:, j]
        frame[j] = np.where(np.isnan(codes), MISSING_CODE, codes).astype(np.int64)
    return Pool(frame, label=y, cat_features=categorical or None)


def _labels(y: np.ndarray, ctx: FitContext) -> np.ndarray:
    """Class indices as integers, to match ``class_names`` (a float 1.0 is another class name than 1)."""
    return y.astype(np.int64) if ctx.task.is_classification else y


class _Stop:
    """CatBoost callback: stop adding trees once the deadline has passed, or (classification) once
    the best validation loss of the last ``EARLY_STOPPING_ROUNDS`` rounds is less than
    ``min_gain`` a round below the best before them. CatBoost's own early stopping waits for no
    improvement at all, which on nearly separable data never comes: the log loss creeps down by
    1e-7 a round to the round limit."""

    def __init__(self, deadline: float | None, min_gain: float):
        self.deadline, self.min_gain = deadline, min_gain
        self.before = np.inf  # the best loss before the window

    def after_iteration(self, info) -> bool:
        if self.deadline is not None and time.monotonic() > self.deadline:
            return False  # False stops training; the trees so far are kept
        history = next(iter(info.metrics.get("validation", {}).values()), None)
        window = EARLY_STOPPING_ROUNDS
        if not self.min_gain or not history or len(history) <= window:
            return True
        self.before = min(self.before, history[-window - 1])
        return self.before - min(history[-window:]) >= self.min_gain * window


class CatBoostModel(FittedModel):
    """A CatBoost model already cut to its best iteration (use_best_model)."""

    family = "catboost"

    def __init__(self, model, task: Task, categorical: list[int]):
        self.model = model
        self.task = task
        self.categorical = categorical

    def predict(self, X: np.ndarray) -> np.ndarray:
        threads = 1 if len(X) < SMALL_BATCH else -1  # threads cost more than they save on a few rows
        kind = "RawFormulaVal" if self.task is Task.REGRESSION else "Probability"
        return self.model.predict(_pool(X, self.categorical), prediction_type=kind, thread_count=threads)

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raw = self.model.get_feature_importance(_pool(X, self.categorical), type="ShapValues", thread_count=1)
        return split_contributions(np.asarray(raw, dtype=np.float64).reshape(len(X), -1, X.shape[1] + 1))

    def save(self, directory: Path, stem: str) -> list[str]:
        name = f"{stem}.cbm"
        self.model.save_model(str(directory / name), format="cbm")
        return [name]

    @classmethod
    def load(cls, directory: Path, stem: str, meta: dict[str, Any]) -> CatBoostModel:
        from catboost import CatBoost

        model = CatBoost()
        model.load_model(str(directory / f"{stem}.cbm"), format="cbm")
        return cls(model, Task(meta["task"]), [int(j) for j in meta["categorical"]])

    @property
    def rounds(self) -> int:
        return int(self.model.tree_count_)

    def meta(self) -> dict[str, Any]:
        return {"task": str(self.task), "categorical": self.categorical, "n_trees": self.rounds}


class CatBoostFamily(ModelFamily):
    key = "catboost"
    relative_cost = 15.0
    requires = ("catboost",)
    fitted_class = CatBoostModel

    def default_configs(self, task: Task) -> list[dict[str, Any]]:
        return [
            {"depth": 6, "learning_rate": 0.08},
            {"depth": 8, "learning_rate": 0.05, "l2_leaf_reg": 3.0},
        ]

    def refit_config(self, config: dict[str, Any], fold_models: list[FittedModel]) -> dict[str, Any]:
        return {**config, "n_estimators": refit_rounds(fold_models, CatBoostModel)}

    def search_space(self, task: Task) -> dict[str, tuple]:
        return {
            "learning_rate": ("logfloat", 0.01, 0.2),
            "depth": ("int", 4, 10),
            "l2_leaf_reg": ("logfloat", 0.5, 30.0),
            "random_strength": ("logfloat", 0.1, 10.0),
        }

    def fit(self, X: np.ndarray, y: np.ndarray, config: dict[str, Any], ctx: FitContext,
            X_val: np.ndarray | None = None, y_val: np.ndarray | None = None) -> CatBoostModel:
        from catboost import CatBoost, CatBoostError

        # logging_level "Silent" is verbose=False that also mutes notes such as "class 2 not in the train set"
        params = {**_objective(ctx), "thread_count": ctx.n_jobs, "random_seed": ctx.seed,
                  "allow_writing_files": False, "logging_level": "Silent", **config}
        rounds = int(params.pop("n_estimators", MAX_ROUNDS))
        cats = sorted(ctx.categorical)
        train = _pool(X, cats, _labels(y, ctx))
        valid = None
        if X_val is not None and y_val is not None and len(y_val):
            valid = _pool(X_val, cats, _labels(y_val, ctx))
            params.update(early_stopping_rounds=EARLY_STOPPING_ROUNDS, use_best_model=True)
        elif "n_estimators" not in config:
            rounds = ROUNDS_WITHOUT_VALIDATION
        model = CatBoost({**params, "iterations": rounds})
        try:
            gain = MIN_LOGLOSS_GAIN if ctx.task.is_classification and valid is not None else 0.0
            model.fit(train, eval_set=valid, callbacks=[_Stop(ctx.deadline, gain)])
        except CatBoostError as err:  # a bare Exception subclass: the search skips only the usual errors
            raise RuntimeError(f"CatBoost could not fit {len(y)} rows: {err}") from err
        return CatBoostModel(model, ctx.task, cats)
