"""The prediction log's segments and the join of labels that come back late and for some rows only."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pytest

from mlpilot.data.task import Task
from mlpilot.monitoring.performance import join_feedback, live_performance, wilson_interval
from mlpilot.serving.predlog import (FEEDBACK, PREDICTIONS, Answered, LogStore, SegmentWriter, loggable_inputs,
                                    prediction_rows)


def test_segments_are_written_atomically_read_back_and_expired(tmp_path):
    store = LogStore(tmp_path, retention_days=1)
    store.write("m", PREDICTIONS, pd.DataFrame({"request_id": ["a"], "row": [0], "ts": [1.0]}))
    old = tmp_path / "m" / PREDICTIONS / f"{int((time.time() - 3 * 86400) * 1000):013d}-1-old.parquet"
    pd.DataFrame({"request_id": ["z"], "row": [0], "ts": [0.0]}).to_parquet(old)
    store.write("m", PREDICTIONS, pd.DataFrame({"request_id": ["b"], "row": [0], "ts": [2.0]}))
    assert not old.exists()  # past the retention
    assert store.read("m", PREDICTIONS)["request_id"].tolist() == ["a", "b"]
    assert not [p for p in os.listdir(tmp_path / "m" / PREDICTIONS) if not p.endswith(".parquet")]
    assert store.read("other", PREDICTIONS).empty


def test_writer_flushes_in_the_background_and_on_stop(tmp_path):
    store = LogStore(tmp_path)
    writer = SegmentWriter(store, lambda kind, items: pd.concat(items, ignore_index=True), flush_rows=3,
                           flush_seconds=60)
    writer.start()
    writer.add("m", FEEDBACK, pd.DataFrame({"request_id": ["a", "b", "c"], "row": [0, 0, 0], "label": ["x"] * 3}), 3)
    deadline = time.time() + 10
    while not store.segments("m", FEEDBACK) and time.time() < deadline:
        time.sleep(0.02)
    assert len(store.read("m", FEEDBACK)) == 3  # a full buffer is written without waiting for the timer
    writer.add("m", FEEDBACK, pd.DataFrame({"request_id": ["d"], "row": [0], "label": ["y"]}), 1)
    writer.stop()
    assert len(store.read("m", FEEDBACK)) == 4


def test_inputs_are_typed_by_the_schema(make_table):
    from mlpilot.data.schema import infer_schema

    df = make_table(n=50)
    schema = infer_schema(df, "y")
    request = pd.DataFrame({"num": ["1.5", None], "cat": ["red", None], "flag": [True, False], "extra": [1, 2],
                            "when": ["2021-01-01", None], "note": ["a b c", "d"]})
    out = loggable_inputs(request, schema)
    assert "f:extra" not in out.columns
    assert out["f:num"].dtype == np.float64 and out["f:num"].iloc[0] == 1.5 and np.isnan(out["f:num"].iloc[1])
    assert out["f:cat"].iloc[0] == "red" and pd.isna(out["f:cat"].iloc[1])
    one = Answered("r1", 3, schema, request, ["yes", "no"], [{"no": 0.2, "yes": 0.8}, {"no": 0.7, "yes": 0.3}], 1.0)
    small = request.iloc[:1]
    two = Answered("r2", 2, schema, (tuple(small.columns), small.to_numpy(dtype=object)), ["no"],
                   [{"no": 0.9, "yes": 0.1}], 2.0)  # a small request, queued as (columns, values)
    rows = prediction_rows([one, two])
    assert rows["request_id"].tolist() == ["r2", "r1", "r1"] and rows["row"].tolist() == [0, 0, 1]
    assert rows["version"].tolist() == [2, 3, 3] and rows["ts"].tolist() == [2.0, 1.0, 1.0]
    assert rows["p:yes"].tolist() == [0.1, 0.8, 0.3] and rows["prediction"].tolist() == ["no", "yes", "no"]
    assert rows["f:num"].iloc[1] == 1.5 and "f:extra" not in rows.columns


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
