"""k-nearest neighbours: the shared family checks, absent classes, the row cap, plain-array bundles."""

import json

import numpy as np
import pytest

from mlpilot.data.task import Task
from mlpilot.exceptions import BundleError, ConfigError
from mlpilot.models import knn
from mlpilot.models.base import FitContext
from mlpilot.models.knn import KNNFamily, KNNModel
from synthetic import check_family, make_data as _data

FAMILY = KNNFamily()
CONFIGS = FAMILY.default_configs(Task.BINARY)
CASES = [(task, i) for task in Task for i in range(len(CONFIGS))]


@pytest.mark.parametrize(("task", "i"), CASES, ids=[f"{t}-config{i}" for t, i in CASES])
def test_knn_fits_predicts_and_round_trips(task, i, tmp_path):
    files = check_family(FAMILY, task, FAMILY.default_configs(task)[i], tmp_path)
    assert sorted(files) == ["m.knn.json", "m.knn_X.npy", "m.knn_y.npy"]


def test_knn_handles_a_class_missing_from_its_training_rows():
    X, y, _ = _data(Task.MULTICLASS)
    keep = y != 2
    model = FAMILY.fit(X[keep], y[keep], CONFIGS[0], FitContext(Task.MULTICLASS, 3, {4: 4}))
    p = model.predict(X)
    assert p.shape == (len(X), 3)
    assert (p[:, 2] == 0).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)


def test_knn_keeps_a_seeded_sample_of_rows(monkeypatch, tmp_path):
    monkeypatch.setattr(knn, "MAX_ROWS", 100)
    X, y, _ = _data(Task.REGRESSION)
    ctx = FitContext(Task.REGRESSION, 0, {4: 4}, seed=3)
    model = FAMILY.fit(X, y, CONFIGS[1], ctx)
    assert model.Z.shape[0] == 100 and model.meta()["rows"] == 100
    np.testing.assert_array_equal(FAMILY.fit(X, y, CONFIGS[1], ctx).Z, model.Z)
    model.save(tmp_path, "m")
    np.testing.assert_array_equal(KNNModel.load(tmp_path, "m", model.meta()).predict(X), model.predict(X))


def test_knn_needs_no_more_neighbours_than_rows():
    X, y, k = _data(Task.BINARY, n=8)
    p = FAMILY.fit(X, y, {"n_neighbors": 50, "weights": "uniform"}, FitContext(Task.BINARY, 2, {4: 4})).predict(X)
    np.testing.assert_allclose(p, np.tile([np.mean(y == 0), np.mean(y == 1)], (len(X), 1)))


def test_knn_bundle_with_pickled_arrays_is_refused(tmp_path):
    X, y, k = _data(Task.BINARY)
    model = FAMILY.fit(X, y, CONFIGS[0], FitContext(Task.BINARY, k, {4: 4}))
    model.save(tmp_path, "m")
    np.save(tmp_path / "m.knn_y.npy", np.array([{"a": 1}] * len(y), dtype=object), allow_pickle=True)
    with pytest.raises(BundleError, match="'m.knn.\\*' cannot be read"):
        KNNModel.load(tmp_path, "m", model.meta())


def test_knn_bundle_with_mismatched_arrays_is_refused(tmp_path):
    X, y, k = _data(Task.BINARY)
    model = FAMILY.fit(X, y, CONFIGS[0], FitContext(Task.BINARY, k, {4: 4}))
    model.save(tmp_path, "m")
    np.save(tmp_path / "m.knn_y.npy", y[:10])
    with pytest.raises(BundleError, match=r"shapes \(300, \d+\) and \(10,\)"):
        KNNModel.load(tmp_path, "m", model.meta())
    assert json.loads((tmp_path / "m.knn.json").read_text())["params"] == CONFIGS[0]


@pytest.mark.parametrize(("config", "message"), [
    ({"weights": "cosine"}, "knn weights is 'cosine'; allowed: uniform, distance"),
    ({"n_neighbors": 0}, "knn n_neighbors is 0; allowed: a whole number, at least 1"),
    ({"n_neighbors": 2.5}, "knn n_neighbors is 2.5"),
    ({"metric": "cosine"}, r"unknown parameters \['metric'\]"),
])
def test_knn_rejects_bad_configs(config, message):
    X, y, _ = _data(Task.REGRESSION)
    with pytest.raises(ConfigError, match=message):
        FAMILY.fit(X, y, config, FitContext(Task.REGRESSION, 0))
