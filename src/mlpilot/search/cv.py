"""Cross-validation folds and out-of-fold predictions."""

from __future__ import annotations

import warnings

import numpy as np

from mlpilot.data.task import Task

__all__ = ["make_folds"]


def make_folds(y: np.ndarray, task: Task, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """k shuffled folds, stratified for classification (classes rarer than k are spread as far as they go)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    n_splits = max(2, min(n_splits, len(y)))
    if task.is_classification and np.bincount(y.astype(int)).max() >= n_splits:
        splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "least populated class has only 2 members"
            return [(tr, va) for tr, va in splitter.split(np.zeros(len(y)), y)]
    splitter = KFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [(tr, va) for tr, va in splitter.split(np.zeros(len(y)))]
