"""Random forests and extra trees: the shared family checks, the deadline, absent classes, safe loading."""

import os
import time

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from mlpilot.data.task import Task
from mlpilot.exceptions import BundleError, ConfigError
from mlpilot.models.base import FitContext
from mlpilot.models.forest import MIN_FIRST_CHUNK, ExtraTreesFamily, RandomForestFamily
from synthetic import check_family, make_data as _data

FOREST_FAMILIES = [RandomForestFamily(), ExtraTreesFamily()]
CASES = [(family, task) for family in FOREST_FAMILIES for task in Task]
FEW_TREES = {"n_estimators": 40}  # keeps the tests fast; the shared test runs the default configs


def _binary_model(family):
    X, y, k = _data(Task.BINARY)
    return family.fit(X, y, FEW_TREES, FitContext(Task.BINARY, k, {4: 4})), X


@pytest.mark.parametrize(("family", "task"), CASES, ids=[f"{f.key}-{t}" for f, t in CASES])
def test_forest_fits_predicts_and_round_trips(family, task, tmp_path):
    config = {**family.default_configs(task)[0], **FEW_TREES}
    assert check_family(family, task, config, tmp_path) == ["m.skops"]


@pytest.mark.parametrize("family", FOREST_FAMILIES, ids=lambda f: f.key)
def test_forest_stops_at_its_deadline(family):
    X, y, _ = _data(Task.REGRESSION, n=3000)
    ctx = FitContext(Task.REGRESSION, 0, {}, n_jobs=1, deadline=time.monotonic() + 0.3)
    t0 = time.monotonic()
    model = family.fit(X, y, {"n_estimators": 100_000}, ctx)
    assert time.monotonic() - t0 < 3.0
    assert MIN_FIRST_CHUNK <= model.n_trees < 100_000


def test_forest_past_its_deadline_still_grows_one_chunk():
    X, y, _ = _data(Task.REGRESSION)
    ctx = FitContext(Task.REGRESSION, 0, {}, n_jobs=1, deadline=time.monotonic() - 1.0)
    model = RandomForestFamily().fit(X, y, {"n_estimators": 1000}, ctx)
    assert model.n_trees == MIN_FIRST_CHUNK
    assert model.predict(X).shape == (len(X),)


def test_refit_uses_the_trees_the_folds_had_time_for():
    family = RandomForestFamily()
    X, y, _ = _data(Task.REGRESSION)
    ctx = FitContext(Task.REGRESSION, 0, {}, n_jobs=1)
    folds = [family.fit(X, y, {"n_estimators": n}, ctx) for n in (10, 20)]
    assert family.refit_config({"n_estimators": 40}, folds) == {"n_estimators": 15}
    assert family.refit_config({"n_estimators": 10}, folds) == {"n_estimators": 10}


@pytest.mark.parametrize("family", FOREST_FAMILIES, ids=lambda f: f.key)
def test_forest_handles_a_class_missing_from_its_training_rows(family, tmp_path):
    X, y, _ = _data(Task.MULTICLASS)
    keep = y != 1
    model = family.fit(X[keep], y[keep], FEW_TREES, FitContext(Task.MULTICLASS, 3, {4: 4}, n_jobs=1))
    p = model.predict(X)
    assert p.shape == (len(X), 3)
    assert (p[:, 1] == 0).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    model.save(tmp_path, "m")
    np.testing.assert_array_equal(family.fitted_class.load(tmp_path, "m", model.meta()).predict(X), p)


def test_forest_file_with_an_untrusted_type_is_refused(tmp_path):
    family = RandomForestFamily()
    model, _ = _binary_model(family)
    model.forest.callback_ = os.system  # a function reference: what a tampered file would carry
    model.save(tmp_path, "m")
    with pytest.raises(BundleError, match=r"'m.skops' contains types .*system"):
        family.fitted_class.load(tmp_path, "m", model.meta())


def test_forest_file_with_another_estimator_is_refused(tmp_path):
    X, y, _ = _data(Task.BINARY)
    sio.dump(LogisticRegression().fit(np.nan_to_num(X), y), tmp_path / "m.skops")
    with pytest.raises(BundleError, match="holds a LogisticRegression; a binary random_forest model is a "
                                          "RandomForestClassifier"):
        RandomForestFamily.fitted_class.load(tmp_path, "m", {"task": "binary", "n_classes": 2})


def test_forest_file_that_is_not_skops_is_refused(tmp_path):
    (tmp_path / "m.skops").write_bytes(b"not a zip file")
    with pytest.raises(BundleError, match="'m.skops' cannot be read as a skops file"):
        ExtraTreesFamily.fitted_class.load(tmp_path, "m", {"task": "regression", "n_classes": 0})


def test_forest_rejects_an_unknown_parameter():
    X, y, _ = _data(Task.REGRESSION)
    with pytest.raises(ConfigError, match="extra_trees config .* unknown parameter"):
        ExtraTreesFamily().fit(X, y, {"n_trees": 5}, FitContext(Task.REGRESSION, 0))
