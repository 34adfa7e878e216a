"""k-nearest neighbours (scikit-learn) on standardised, one-hot features, saved as plain arrays.

Features are encoded by :class:`mlpilot.models.linear.LinearEncoder` (median imputation,
z-scores clipped to ±10, missing indicators, one-hot codes), so every column weighs about
the same in the distance.

A neighbours model *is* its training rows, so it keeps at most ``MAX_ROWS`` of them (a
seeded random sample) and at most ``MAX_CELLS`` encoded values, stored as float32: a bundle
file is at most 16 MB and a prediction compares each row with at most 20,000 others.
The payload is ``stem.knn.json`` (encoder and parameters) and two ``.npy`` arrays (the
encoded rows, their targets), read with ``allow_pickle=False``; loading refits the
scikit-learn estimator on them, which only builds the search index.
"""

from __future__ import annotations

import json
import numbers
from pathlib import Path
from typing import Any

import numpy as np

from mlpilot.data.task import Task
from mlpilot.exceptions import BundleError, ConfigError
from mlpilot.models.base import FitContext, FittedModel, ModelFamily, widen_classes
from mlpilot.models.linear import LinearEncoder

__all__ = ["KNNFamily", "KNNModel"]

MAX_ROWS = 20_000
MAX_CELLS = 4_000_000  # rows x encoded columns kept: 16 MB as float32
MIN_ROWS = 1_000  # kept even when the encoded matrix is very wide
WEIGHTS = ("uniform", "distance")
SMALL_BATCH = 500  # rows below which one thread answers faster (two threads: 11 ms a row, one: 0.3 ms)


def _estimator(Z: np.ndarray, y: np.ndarray, params: dict[str, Any], task: Task, n_jobs: int | None = None):
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    cls = KNeighborsRegressor if task is Task.REGRESSION else KNeighborsClassifier
    k = min(int(params["n_neighbors"]), len(Z))
    return cls(n_neighbors=k, weights=params["weights"], n_jobs=n_jobs).fit(Z, y)


class KNNModel(FittedModel):
    family = "knn"

    def __init__(self, encoder: LinearEncoder, Z: np.ndarray, y: np.ndarray, params: dict[str, Any],
                 task: Task, n_classes: int, n_jobs: int | None = None):
        self.encoder, self.Z, self.y, self.params = encoder, Z, y, params
        self.task, self.n_classes, self.n_jobs = task, n_classes, n_jobs
        self.estimator = _estimator(Z, y, params, task, n_jobs)

    def predict(self, X: np.ndarray) -> np.ndarray:
        Q = self.encoder.transform(X).astype(np.float32)
        self.estimator.n_jobs = None if len(Q) < SMALL_BATCH else self.n_jobs
        if self.task is Task.REGRESSION:
            return self.estimator.predict(Q)
        return widen_classes(self.estimator.predict_proba(Q), self.estimator.classes_, self.n_classes)

    def save(self, directory: Path, stem: str) -> list[str]:
        names = [f"{stem}.knn.json", f"{stem}.knn_X.npy", f"{stem}.knn_y.npy"]
        payload = {"encoder": self.encoder.state, "params": self.params, "task": str(self.task),
                   "n_classes": self.n_classes}
        (directory / names[0]).write_text(json.dumps(payload))
        np.save(directory / names[1], self.Z, allow_pickle=False)
        np.save(directory / names[2], self.y, allow_pickle=False)
        return names

    @classmethod
    def load(cls, directory: Path, stem: str, meta: dict[str, Any]) -> KNNModel:
        try:
            d = json.loads((directory / f"{stem}.knn.json").read_text())
            Z = np.load(directory / f"{stem}.knn_X.npy", allow_pickle=False)
            y = np.load(directory / f"{stem}.knn_y.npy", allow_pickle=False)
        except (OSError, ValueError) as err:
            raise BundleError(f"Model files '{stem}.knn.*' cannot be read: {err}") from err
        if Z.ndim != 2 or Z.dtype != np.float32 or y.shape != (len(Z),) or y.dtype.kind not in "if":
            raise BundleError(f"Model files '{stem}.knn_*.npy' hold arrays of shapes {Z.shape} and {y.shape} "
                              f"({Z.dtype}, {y.dtype}); expected (rows, columns) float32 and (rows,) numbers.")
        return cls(LinearEncoder(d["encoder"]), Z, y, d["params"], Task(d["task"]), int(d["n_classes"]))

    def meta(self) -> dict[str, Any]:
        return {"task": str(self.task), "rows": len(self.Z)}


class KNNFamily(ModelFamily):
    key = "knn"
    relative_cost = 0.05
    fitted_class = KNNModel

    def default_configs(self, task: Task) -> list[dict[str, Any]]:
        # distance-weighted k=15 first: smoother probabilities (k=5 uniform gives only 0, 0.2, ... 1)
        return [{"n_neighbors": 15, "weights": "distance"}, {"n_neighbors": 5, "weights": "uniform"}]

    def search_space(self, task: Task) -> dict[str, tuple]:
        return {"n_neighbors": ("int", 1, 100), "weights": ("choice", *WEIGHTS)}

    def fit(self, X: np.ndarray, y: np.ndarray, config: dict[str, Any], ctx: FitContext,
            X_val: np.ndarray | None = None, y_val: np.ndarray | None = None) -> KNNModel:
        params = _check_config(config)
        encoder = LinearEncoder.fit(X, ctx.categorical)
        width = max(1, encoder.transform(X[:1]).shape[1])
        keep = _sample(len(X), min(MAX_ROWS, max(MIN_ROWS, MAX_CELLS // width)), ctx.seed)
        Z = encoder.transform(X[keep]).astype(np.float32)
        target = y[keep].astype(np.int64) if ctx.task.is_classification else y[keep].astype(np.float64)
        return KNNModel(encoder, Z, target, params, ctx.task, ctx.n_classes, ctx.n_jobs)


def _check_config(config: dict[str, Any]) -> dict[str, Any]:
    """The config with defaults filled in, as plain JSON values; ConfigError for anything else."""
    unknown = sorted(set(config) - {"n_neighbors", "weights"})
    if unknown:
        raise ConfigError(f"knn config has unknown parameters {unknown}; allowed: n_neighbors, weights.")
    k, weights = config.get("n_neighbors", 5), config.get("weights", "uniform")
    if weights not in WEIGHTS:
        raise ConfigError(f"knn weights is {weights!r}; allowed: {', '.join(WEIGHTS)}.")
    if isinstance(k, bool) or not isinstance(k, numbers.Real) or not float(k).is_integer() or k < 1:
        raise ConfigError(f"knn n_neighbors is {k!r}; allowed: a whole number, at least 1.")
    return {"n_neighbors": int(k), "weights": str(weights)}


def _sample(n: int, cap: int, seed: int) -> np.ndarray:
    """Row positions to keep: all of them, or a seeded random ``cap`` of them in their original order."""
    if n <= cap:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, cap, replace=False))
