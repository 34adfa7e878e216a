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


def check_family(family, task, config, directory):
    """The shared check: fit on 240 rows, predict all; shapes, no NaN, probabilities sum to 1, held-out
    quality, and a save/load round trip with identical predictions. Returns the saved file names."""
    from mlpilot.models.base import FitContext

    X, y, k = make_data(task)
    ctx = FitContext(task, k, {4: 4}, seed=0, n_jobs=1)
    model = family.fit(X[:240], y[:240], config, ctx, X[240:], y[240:])
    pred = model.predict(X)
    assert not np.isnan(pred).any()
    if task is Task.REGRESSION:
        assert pred.shape == (len(X),)
        assert np.corrcoef(pred[240:], y[240:])[0, 1] > 0.8
    else:
        assert pred.shape == (len(X), k)
        np.testing.assert_allclose(pred.sum(axis=1), 1.0, rtol=1e-6)
        assert (pred[240:].argmax(axis=1) == y[240:]).mean() > 1.5 / k
    files = model.save(directory, "m")
    assert files and all((directory / f).is_file() for f in files)
    again = family.fitted_class.load(directory, "m", model.meta())
    np.testing.assert_allclose(again.predict(X), pred, rtol=1e-9, atol=1e-12)
    return files
