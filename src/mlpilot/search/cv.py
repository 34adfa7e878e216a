"""Cross-validation folds and out-of-fold predictions."""

from __future__ import annotations

import warnings

import numpy as np

from mlpilot.data.task import Task

__all__ = ["make_folds"]


def make_folds(y: np.ndarray, task: Task, n_splits: int, seed: int,
               copies: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """k shuffled folds, stratified for classification (classes rarer than k are spread as far as they go).

    ``copies`` (per row, the position of the first row equal to it) puts every copy of a row in the fold
    of its first copy, so that no row is validated by a model trained on its copy.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    if copies is not None:
        firsts, inverse = np.unique(copies, return_inverse=True)
        if 2 <= len(firsts) < len(y):
            fold_of = np.empty(len(firsts), dtype=np.int64)
            for k, (_, va) in enumerate(make_folds(y[firsts], task, n_splits, seed)):
                fold_of[va] = k
            row_fold = fold_of[inverse]
            return [(np.flatnonzero(row_fold != k), np.flatnonzero(row_fold == k)) for k in range(fold_of.max() + 1)]

    n_splits = max(2, min(n_splits, len(y)))
    if task.is_classification and np.bincount(y.astype(int)).max() >= n_splits:
        splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "least populated class has only 2 members"
            return [(tr, va) for tr, va in splitter.split(np.zeros(len(y)), y)]
    splitter = KFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [(tr, va) for tr, va in splitter.split(np.zeros(len(y)))]
