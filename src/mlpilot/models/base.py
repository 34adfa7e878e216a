"""What every model family provides. Adding a family is one file under models/.

A family declares a key, the tasks it supports, its default configurations and its
search space, and turns (X, y, config) into a :class:`FittedModel`. X is the float
matrix from :class:`mlpilot.prep.preprocessor.TablePreprocessor` (NaN for missing,
integer codes for categoricals); y is float values (regression) or class indices.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from mlpilot.data.task import Task

__all__ = ["FitContext", "FittedModel", "ModelFamily", "REFIT_ROUNDS_FACTOR", "refit_rounds", "split_contributions",
           "widen_classes"]

MB = 2**20
WORKER_MB = 250.0  # a worker process with the model libraries loaded
BAG_FOLDS = 5  # the fold models a trial keeps in memory (the presets' most)

# A fold model saw 4/5 of the rows (5 folds); on all of them, proportionally more boosting rounds.
REFIT_ROUNDS_FACTOR = 1.25


def refit_rounds(fold_models: list, kind: type) -> int:
    """Boosting rounds for one model on all rows: the fold models' mean (``.rounds``), scaled."""
    rounds = [m.rounds for m in fold_models if isinstance(m, kind)]
    return max(1, int(round(float(np.mean(rounds)) * REFIT_ROUNDS_FACTOR)))


def split_contributions(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A booster's contribution output, (rows, outputs, features + 1) with the expected score last, as
    ``FittedModel.contributions`` gives it: (rows, features, outputs) and (rows, outputs)."""
    return raw[:, :, :-1].transpose(0, 2, 1), raw[:, :, -1]


def widen_classes(proba: np.ndarray, present: np.ndarray, n_classes: int) -> np.ndarray:
    """(n, n_classes) probabilities from a model that saw only the class indices ``present``;
    the classes absent from its training rows get 0."""
    if proba.shape[1] == n_classes:
        return proba
    out = np.zeros((len(proba), n_classes))
    out[:, np.asarray(present).astype(int)] = proba
    return out


@dataclass(frozen=True)
class FitContext:
    """Everything a family needs to know beside the data."""

    task: Task
    n_classes: int
    categorical: dict[int, int] = field(default_factory=dict)
    seed: int = 0
    n_jobs: int = 1
    deadline: float | None = None  # time.monotonic() value after which training must wrap up

    def seconds_left(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()


class FittedModel(ABC):
    """A trained model. ``predict`` returns values (regression) or an (n, k) probability matrix."""

    family: ClassVar[str]

    @abstractmethod
    def predict(self, X: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def save(self, directory: Path, stem: str) -> list[str]:
        """Write the payload as files ``stem.*`` in ``directory``; return the file names."""

    @classmethod
    @abstractmethod
    def load(cls, directory: Path, stem: str, meta: dict[str, Any]) -> FittedModel: ...

    def meta(self) -> dict[str, Any]:
        """Small JSON facts needed by ``load`` besides the files (kept in the manifest)."""
        return {}

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Exact per-feature contributions to the raw score (boosted trees: tree SHAP from the library
        itself), as ``(phi, base)``: phi of shape (rows, features, outputs) and base of shape (rows,
        outputs), where outputs is 1 (regression: the value; binary: the log-odds) or the number of
        classes (their softmax scores), and ``phi.sum(axis=1) + base`` is the raw score. None for a model
        without them (explanations then estimate them from its predictions)."""
        return None


class ModelFamily(ABC):
    """A model family: declares what it can do and fits one configuration."""

    key: ClassVar[str]
    tasks: ClassVar[frozenset[Task]] = frozenset(Task)
    fitted_class: ClassVar[type[FittedModel]]
    requires: ClassVar[tuple[str, ...]] = ()  # modules needed to train (loading may need fewer)
    # a prior on how long a trial takes against LightGBM's first default (measured on the suite:
    # the portfolio's time_ratio); the search uses it for a family it has not timed yet
    relative_cost: ClassVar[float] = 1.0

    def available(self) -> bool:
        """Whether the libraries this family trains with are installed."""
        from importlib.util import find_spec

        return all(find_spec(module) is not None for module in self.requires)

    def warm_up(self) -> None:
        """Pay the one-off start-up costs of training (imports) before a trial's folds share its time out;
        a cold start would eat the first fold's share. A missing library is left to ``fit`` to report."""
        import importlib

        for name in self.requires:
            try:
                importlib.import_module(name)
            except ImportError:
                pass

    @abstractmethod
    def default_configs(self, task: Task) -> list[dict[str, Any]]:
        """Configurations worth trying first, best first."""

    def search_space(self, task: Task) -> dict[str, tuple]:
        """Hyperparameter ranges: name -> (kind, low, high) with kind 'int', 'float' or 'logfloat'."""
        return {}

    def refit_config(self, config: dict[str, Any], fold_models: list[FittedModel]) -> dict[str, Any]:
        """The configuration for one model on all rows, given the fold models (e.g. their rounds)."""
        return config

    def memory_mb(self, n_rows: int, n_cols: int, n_classes: int, config: dict[str, Any]) -> float:
        """A rough estimate of the memory a trial needs (MB), to skip one that cannot fit.
        The default: a worker with its libraries, and a few copies of the data."""
        return WORKER_MB + 4 * n_rows * n_cols * 8 / MB

    @abstractmethod
    def fit(self, X: np.ndarray, y: np.ndarray, config: dict[str, Any], ctx: FitContext,
            X_val: np.ndarray | None = None, y_val: np.ndarray | None = None) -> FittedModel:
        """Train on (X, y); (X_val, y_val), when given, may be used for early stopping."""
