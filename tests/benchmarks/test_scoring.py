import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss, mean_squared_error, r2_score, roc_auc_score

import scoring


def test_binary_matches_sklearn():
    y = pd.Series([0, 1, 1, 0, 1, 0])
    p1 = np.array([0.1, 0.8, 0.6, 0.4, 0.3, 0.2])
    preds = pd.DataFrame({"0": 1 - p1, "1": p1, "prediction": ["0", "1", "1", "0", "0", "0"]})

    m = scoring.score("binary", y, preds, ["0", "1"])

    assert m["auc"] == pytest.approx(roc_auc_score(y, p1))
    assert m["logloss"] == pytest.approx(log_loss(y, np.column_stack([1 - p1, p1])))
    assert m["acc"] == pytest.approx(5 / 6)


def test_binary_auc_uses_the_column_of_the_second_class():
    y = pd.Series(["no", "yes", "yes", "no"])
    p_yes = np.array([0.2, 0.7, 0.9, 0.6])
    preds = pd.DataFrame({"yes": p_yes, "no": 1 - p_yes, "prediction": ["no", "yes", "yes", "yes"]})

    m = scoring.score("binary", y, preds, ["no", "yes"])

    assert m["auc"] == pytest.approx(roc_auc_score(y == "yes", p_yes))
    assert m["acc"] == pytest.approx(0.75)


def test_multiclass_renormalises_and_matches_sklearn():
    y = pd.Series(["a", "b", "c", "a"])
    raw = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.2], [0.2, 0.2, 0.8], [0.3, 0.3, 0.3]])
    preds = pd.DataFrame(raw, columns=["a", "b", "c"]).assign(prediction=["a", "b", "c", "b"])
    normed = raw / raw.sum(axis=1, keepdims=True)

    m = scoring.score("multiclass", y, preds, ["a", "b", "c"])

    assert m["logloss"] == pytest.approx(log_loss(y, normed, labels=["a", "b", "c"]))
    assert m["acc"] == pytest.approx(0.75)
    assert "auc" not in m


def test_logloss_clips_a_zero_probability_of_the_true_class():
    y = pd.Series([0, 1])
    preds = pd.DataFrame({"0": [1.0, 1.0], "1": [0.0, 0.0], "prediction": ["0", "0"]})

    m = scoring.score("binary", y, preds, ["0", "1"])

    assert m["logloss"] == pytest.approx(-math.log(1e-15) / 2)


def test_integer_labels_are_compared_as_strings():
    y = pd.Series([1, 2, 3], dtype="int64")
    preds = pd.DataFrame(np.eye(3), columns=["1", "2", "3"]).assign(prediction=["1", "2", "3"])

    m = scoring.score("multiclass", y, preds, ["1", "2", "3"])

    assert m["acc"] == 1.0
    assert m["logloss"] == pytest.approx(-math.log(1 - 2e-15), abs=1e-12)


def test_a_missing_class_column_counts_as_zero_probability():
    y = pd.Series(["a", "c"])
    preds = pd.DataFrame({"a": [0.9, 0.5], "b": [0.1, 0.5], "prediction": ["a", "a"]})

    m = scoring.score("multiclass", y, preds, ["a", "b", "c"])

    assert m["logloss"] == pytest.approx((-math.log(0.9) - math.log(1e-15)) / 2)


def test_regression_matches_sklearn():
    y = pd.Series([3.0, -0.5, 2.0, 7.0])
    p = np.array([2.5, 0.0, 2.0, 8.0])

    m = scoring.score("regression", y, pd.DataFrame({"prediction": p}))

    assert m["rmse"] == pytest.approx(math.sqrt(mean_squared_error(y, p)))
    assert m["r2"] == pytest.approx(r2_score(y, p))


def test_wrong_number_of_rows_is_an_error():
    preds = pd.DataFrame({"prediction": [1.0, 2.0]})
    with pytest.raises(ValueError, match="2 predictions for 3 test rows"):
        scoring.score("regression", pd.Series([1.0, 2.0, 3.0]), preds)


def test_unknown_test_label_is_an_error():
    preds = pd.DataFrame({"a": [1.0], "b": [0.0], "prediction": ["a"]})
    with pytest.raises(ValueError, match="not among the classes"):
        scoring.score("binary", pd.Series(["z"]), preds, ["a", "b"])


def test_main_metric_per_task():
    assert [scoring.main_metric(t) for t in ("binary", "multiclass", "regression")] == [
        "auc", "logloss", "rmse"]


def test_beats_is_strict_and_follows_the_direction():
    assert scoring.beats(0.91, 0.90, "auc")
    assert not scoring.beats(0.90, 0.90, "auc")
    assert scoring.beats(0.2, 0.3, "logloss")
    assert not scoring.beats(5.0, 4.0, "rmse")
