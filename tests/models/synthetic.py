"""The data every model family is checked on: a NaN column, a 4-code categorical column (4), a clear signal."""

import numpy as np

from mlpilot.data.task import Task


def make_data(task, n=300, seed=0):
    """(X, y, k): k classes for classification (0 for regression)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    X[:, 4] = rng.integers(0, 4, n)
    X[rng.random(n) < 0.1, 0] = np.nan
    signal = np.nan_to_num(X[:, 0]) + X[:, 1] - 0.5 * X[:, 4]
    if task is Task.REGRESSION:
        return X, signal + rng.normal(scale=0.1, size=n), 0
    k = 2 if task is Task.BINARY else 3
    y = np.digitize(signal, np.quantile(signal, np.linspace(0, 1, k + 1)[1:-1]))
    return X, y, k
