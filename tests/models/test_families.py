"""One shared check over every model family: shapes, no NaN, probabilities sum to 1, save/load round trip."""

import time

import numpy as np
import pytest

from mlpilot.data.task import Task
from mlpilot.models import FAMILIES
from mlpilot.models.base import FitContext
from synthetic import check_family, make_data as _data


CASES = [(key, task) for key, fam in FAMILIES.items() for task in Task if task in fam.tasks]


@pytest.mark.parametrize(("key", "task"), CASES, ids=[f"{k}-{t}" for k, t in CASES])
def test_family_fits_predicts_and_round_trips(key, task, tmp_path):
    family = FAMILIES[key]
    check_family(family, task, family.default_configs(task)[0], tmp_path)


def test_lightgbm_stops_at_its_deadline():
    X, y, _ = _data(Task.REGRESSION, n=3000)
    ctx = FitContext(Task.REGRESSION, 0, {}, n_jobs=1, deadline=time.monotonic() + 0.3)
    t0 = time.monotonic()
    model = FAMILIES["lightgbm"].fit(X, y, {"learning_rate": 0.001, "n_estimators": 100000}, ctx)
    assert time.monotonic() - t0 < 3.0
    assert 1 <= model.booster.num_trees() < 100000


def test_linear_model_handles_a_class_missing_from_its_training_rows():
    X, y, k = _data(Task.MULTICLASS)
    keep = y != 2
    ctx = FitContext(Task.MULTICLASS, 3, {4: 4}, n_jobs=1)
    model = FAMILIES["linear"].fit(X[keep], y[keep], {"C": 1.0}, ctx)
    p = model.predict(X)
    assert p.shape == (len(X), 3)
    assert p[:, 2].max() < 1e-6
