"""Live performance: labels that come back late and for some rows only, joined with the logged predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlpilot.data.task import Task
from mlpilot.monitoring.performance import join_feedback, live_performance, wilson_interval


def test_the_latest_label_of_a_row_counts_and_unlabelled_rows_are_left_out():
    preds = pd.DataFrame({"request_id": ["a", "a", "b", "c"], "row": [0, 1, 0, 0], "prediction": ["x", "y", "x", "y"],
                          "p:x": [0.9, 0.2, 0.6, 0.1], "p:y": [0.1, 0.8, 0.4, 0.9]})
    feedback = pd.DataFrame({"request_id": ["a", "b", "a", "zz"], "row": [0, 0, 0, 0], "label": ["y", "x", "x", "x"],
                             "ts": [1.0, 2.0, 3.0, 4.0]})
    joined = join_feedback(preds, feedback)
    assert sorted(zip(joined["request_id"], joined["label"])) == [("a", "x"), ("b", "x")]
    perf = live_performance(joined, Task.BINARY, ["x", "y"], "logloss")
    assert perf["n_labelled"] == 2 and perf["accuracy"] == 1.0
    assert perf["score"] == pytest.approx(-(np.log(0.9) + np.log(0.6)) / 2)


def test_wilson_interval_holds_the_proportion_and_narrows_with_rows():
    low, high = wilson_interval(80, 100)
    assert low < 0.8 < high
    low2, high2 = wilson_interval(800, 1000)
    assert high2 - low2 < high - low


def test_regression_performance_with_its_interval():
    rng = np.random.default_rng(0)
    y = rng.normal(size=400)
    labelled = pd.DataFrame({"prediction": y + rng.normal(scale=0.5, size=400), "label": [f"{v}" for v in y]})
    perf = live_performance(labelled, Task.REGRESSION, None, "rmse")
    low, high = perf["score_interval"]
    assert low < perf["score"] < high and 0.4 < perf["score"] < 0.6
