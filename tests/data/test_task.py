"""Tests of mlpilot.data.task: inferring the learning task from the target, and refusing targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlpilot.data.task import MAX_CLASSES, MAX_INTEGER_CLASSES, Task, check_target, infer_task
from mlpilot.exceptions import ConfigError, DataError, TaskError


def _y(values, name: str = "y", dtype=None) -> pd.Series:
    return pd.Series(values, name=name, dtype=dtype)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["yes", "no", "no", "yes", "no"], Task.BINARY),
        ([True, False, True, True], Task.BINARY),
        ([0, 1, 1, 0, 1], Task.BINARY),
        ([2.5, 7.25, 2.5, 7.25], Task.BINARY),
        (["cat", "dog", "bird", "cat"], Task.MULTICLASS),
        ([1, 2, 3, 1, 2, 3, 4], Task.MULTICLASS),
        ([1.0, 2.0, 3.0, 1.0, 2.0], Task.MULTICLASS),
        (list(range(MAX_INTEGER_CLASSES + 1)), Task.REGRESSION),
        ([0.1, 0.25, 3.5, 7.0, 1.5], Task.REGRESSION),
    ],
    ids=["binary-strings", "booleans", "binary-ints", "two-floats", "multiclass-strings", "few-integers",
         "integral-floats", "many-integers", "floats"],
)
def test_infer_task_from_the_target_values(values, expected):
    assert infer_task(_y(values)) is expected


def test_infer_task_floats_are_regression():
    y = _y(np.random.default_rng(0).normal(size=200))
    assert infer_task(y) is Task.REGRESSION
    assert infer_task(y, "auto") is Task.REGRESSION


def test_infer_task_refuses_text_with_too_many_classes():
    y = _y([f"customer-{i}" for i in range(MAX_CLASSES + 1)], name="customer")
    with pytest.raises(TaskError, match=r"Target column 'customer' holds text with 501 distinct values"):
        infer_task(y)


@pytest.mark.parametrize(
    ("values", "requested", "expected"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], "multiclass", Task.MULTICLASS),
        ([1, 2, 3, 1, 2, 3], "regression", Task.REGRESSION),
        ([0, 1, 1, 0], "binary", Task.BINARY),
        (["a", "b", "a"], "multiclass", Task.BINARY),  # two classes are always binary
        ([1, 2, 3, 1], Task.REGRESSION, Task.REGRESSION),
        ([1, 2, 3, 1], " Regression ", Task.REGRESSION),
    ],
    ids=["int-multiclass", "int-regression", "binary", "multiclass-of-two", "enum", "case-and-spaces"],
)
def test_infer_task_follows_the_requested_task(values, requested, expected):
    assert infer_task(_y(values), requested) is expected


def test_infer_task_refuses_an_unknown_task():
    with pytest.raises(ConfigError, match=r"--task is 'ranking'; allowed: auto, binary, multiclass, regression"):
        infer_task(_y([1, 2, 1]), "ranking")


def test_infer_task_refuses_regression_on_text():
    with pytest.raises(TaskError, match=r"Target column 'y' holds text values \(e\.g\. 'a'\).*needs numbers"):
        infer_task(_y(["a", "b", "c"]), "regression")


def test_infer_task_refuses_regression_on_booleans():
    with pytest.raises(TaskError, match=r"holds true/false values \(e\.g\. True\)"):
        infer_task(_y([True, False, True]), "regression")


def test_infer_task_refuses_binary_for_three_classes():
    with pytest.raises(TaskError, match=r"Target column 'y' has 3 distinct values, but --task binary needs exactly 2"):
        infer_task(_y(["a", "b", "c"]), "binary")


def test_infer_task_refuses_multiclass_with_too_many_classes():
    y = _y(np.arange(MAX_CLASSES + 1, dtype=float) + 0.5)
    with pytest.raises(TaskError, match=r"has 501 distinct values; multiclass allows at most 500"):
        infer_task(y, "multiclass")


def test_check_target_drops_the_missing_values():
    y = _y(["a", None, "b", np.nan, "a"])
    kept = check_target(y)
    assert kept.tolist() == ["a", "b", "a"]
    assert kept.index.tolist() == [0, 2, 4]


@pytest.mark.parametrize(
    ("values", "shown"),
    [(["yes"] * 5, "'yes'"), ([3, 3, 3, None], "3"), ([1.5, None, 1.5], "1.5"), ([True, True], "True")],
    ids=["text", "ints-with-null", "floats", "bool"],
)
def test_check_target_refuses_a_single_value(values, shown):
    with pytest.raises(TaskError, match=rf"Target column 'y' has the single value {shown} in all \d+ labelled rows"):
        check_target(_y(values))


@pytest.mark.parametrize("dtype", [object, float, "string"])
def test_check_target_refuses_all_nulls(dtype):
    with pytest.raises(TaskError, match=r"Target column 'y' is empty: all 4 values are missing"):
        check_target(_y([None] * 4, dtype=dtype))


def test_check_target_refuses_infinite_values():
    with pytest.raises(TaskError, match=r"Target column 'price' has 2 infinite value\(s\)"):
        check_target(_y([1.0, np.inf, 2.0, -np.inf], name="price"))


def test_task_errors_are_data_errors_and_value_errors():
    with pytest.raises(TaskError) as info:
        check_target(_y([None, None]))
    assert isinstance(info.value, DataError) and isinstance(info.value, ValueError)
    assert Task.BINARY.is_classification and Task.MULTICLASS.is_classification
    assert not Task.REGRESSION.is_classification
