import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor

from mlpilot.models.flat_forest import FlatForest


def _data(seed=0, n=400):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    X[rng.random(X.shape) < 0.1] = np.nan  # missing values take the side each node learned
    y = (np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) ** 2 > 0.5).astype(int) + (np.nan_to_num(X[:, 2]) > 1)
    return X, y, rng


@pytest.mark.parametrize("estimator", [RandomForestClassifier, ExtraTreesClassifier])
def test_flat_forest_gives_scikit_learns_class_probabilities(estimator):
    X, y, rng = _data()
    forest = estimator(n_estimators=40, max_leaf_nodes=64, class_weight="balanced", random_state=0).fit(X, y)
    new = rng.normal(size=(50, 5))
    new[rng.random(new.shape) < 0.2] = np.nan
    np.testing.assert_allclose(FlatForest([t.tree_ for t in forest.estimators_]).predict(new),
                               forest.predict_proba(new), rtol=0, atol=1e-12)


@pytest.mark.parametrize("estimator", [RandomForestRegressor, ExtraTreesRegressor])
def test_flat_forest_gives_scikit_learns_regression(estimator):
    X, y, rng = _data(1)
    target = y + rng.normal(size=len(y))
    forest = estimator(n_estimators=30, random_state=0).fit(X, target)
    new = np.vstack([X[:20], rng.normal(size=(5, 5))])
    np.testing.assert_allclose(FlatForest([t.tree_ for t in forest.estimators_]).predict(new)[:, 0],
                               forest.predict(new), rtol=0, atol=1e-9)
