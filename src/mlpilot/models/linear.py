"""Linear models: logistic regression and ridge regression on standardised, one-hot features.

The fitted model is plain numbers (encoding statistics, coefficients), saved as JSON and
applied with numpy, so that loading executes no code and a single row costs microseconds.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from mlpilot.data.task import Task
from mlpilot.models.base import FitContext, FittedModel, ModelFamily

__all__ = ["LinearFamily", "LinearModel"]

MAX_ONEHOT = 30
Z_CLIP = 10.0


class LinearEncoder:
    """Median imputation, standardisation, missing indicators and one-hot codes, as plain arrays."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.numeric = np.asarray(state["numeric"], dtype=int)
        self.center = np.asarray(state["center"], dtype=float)
        self.scale = np.asarray(state["scale"], dtype=float)
        self.missing = np.asarray(state["missing"], dtype=int)
        self.onehot = {int(k): int(v) for k, v in state["onehot"].items()}

    @classmethod
    def fit(cls, X: np.ndarray, categorical: dict[int, int]) -> LinearEncoder:
        numeric = [j for j in range(X.shape[1]) if j not in categorical]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            center = np.nan_to_num(np.nanmedian(X[:, numeric], axis=0)) if numeric else np.zeros(0)
            filled = np.where(np.isnan(X[:, numeric]), center, X[:, numeric])
            scale = filled.std(axis=0) if numeric else np.zeros(0)
        scale = np.where(scale > 1e-12, scale, 1.0)
        missing = [j for j in numeric if np.isnan(X[:, j]).any()]
        onehot = {j: min(card, MAX_ONEHOT) for j, card in categorical.items()}
        return cls({"numeric": numeric, "center": center.tolist(), "scale": scale.tolist(),
                    "missing": missing, "onehot": onehot})

    def transform(self, X: np.ndarray) -> np.ndarray:
        num = X[:, self.numeric]
        num = np.clip((np.where(np.isnan(num), self.center, num) - self.center) / self.scale, -Z_CLIP, Z_CLIP)
        parts = [num, np.isnan(X[:, self.missing]).astype(float)]
        for j, width in self.onehot.items():
            codes = X[:, j]
            block = np.zeros((len(X), width + 1))
            known = ~np.isnan(codes)
            idx = np.minimum(np.nan_to_num(codes).astype(int), width - 1)
            block[np.flatnonzero(known), idx[known]] = 1.0
            block[~known, width] = 1.0
            parts.append(block)
        return np.hstack(parts)


class LinearModel(FittedModel):
    family = "linear"

    def __init__(self, encoder: LinearEncoder, coef: np.ndarray, intercept: np.ndarray, task: Task):
        self.encoder, self.coef, self.intercept, self.task = encoder, coef, intercept, task

    def predict(self, X: np.ndarray) -> np.ndarray:
        z = self.encoder.transform(X) @ self.coef.T + self.intercept
        if self.task is Task.REGRESSION:
            return z.ravel()
        if self.task is Task.BINARY:
            p = 1.0 / (1.0 + np.exp(-np.clip(z.ravel(), -500, 500)))
            return np.column_stack([1 - p, p])
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def save(self, directory: Path, stem: str) -> list[str]:
        name = f"{stem}.linear.json"
        payload = {"encoder": self.encoder.state, "coef": self.coef.tolist(),
                   "intercept": self.intercept.tolist(), "task": str(self.task)}
        (directory / name).write_text(json.dumps(payload))
        return [name]

    @classmethod
    def load(cls, directory: Path, stem: str, meta: dict[str, Any]) -> LinearModel:
        d = json.loads((directory / f"{stem}.linear.json").read_text())
        return cls(LinearEncoder(d["encoder"]), np.asarray(d["coef"], dtype=float),
                   np.asarray(d["intercept"], dtype=float), Task(d["task"]))


class LinearFamily(ModelFamily):
    key = "linear"
    relative_cost = 0.05
    fitted_class = LinearModel

    def default_configs(self, task: Task) -> list[dict[str, Any]]:
        return [{"C": 1.0}] if task.is_classification else [{"alpha": 1.0}]

    def search_space(self, task: Task) -> dict[str, tuple]:
        return {"C": ("logfloat", 1e-3, 1e2)} if task.is_classification else {"alpha": ("logfloat", 1e-3, 1e3)}

    def fit(self, X: np.ndarray, y: np.ndarray, config: dict[str, Any], ctx: FitContext,
            X_val: np.ndarray | None = None, y_val: np.ndarray | None = None) -> LinearModel:
        from sklearn.linear_model import LogisticRegression, Ridge

        encoder = LinearEncoder.fit(X, ctx.categorical)
        Z = encoder.transform(X)
        if ctx.task is Task.REGRESSION:
            model = Ridge(alpha=config.get("alpha", 1.0)).fit(Z, y)
            return LinearModel(encoder, np.atleast_2d(model.coef_), np.atleast_1d(model.intercept_), ctx.task)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lbfgs convergence warnings on hard sets
            model = LogisticRegression(C=config.get("C", 1.0), max_iter=500).fit(Z, y.astype(int))
        coef, intercept = model.coef_, model.intercept_
        if ctx.task is Task.MULTICLASS and len(model.classes_) < ctx.n_classes:
            coef, intercept = _expand_classes(model, ctx.n_classes)
        return LinearModel(encoder, coef, intercept, ctx.task)


def _expand_classes(model, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients for all classes when some were absent from a training fold (never predicted)."""
    coef = np.zeros((n_classes, model.coef_.shape[1]))
    intercept = np.full(n_classes, -30.0)
    if len(model.classes_) == 2:  # a binary sub-problem: one row of coefficients
        hi, lo = model.classes_[1], model.classes_[0]
        coef[hi], intercept[hi] = model.coef_[0], model.intercept_[0]
        coef[lo], intercept[lo] = 0.0, 0.0
        return coef, intercept
    coef[model.classes_] = model.coef_
    intercept[model.classes_] = model.intercept_
    return coef, intercept
