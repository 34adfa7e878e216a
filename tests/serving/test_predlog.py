"""The prediction log: segments written atomically, read back and expired; rows queued off the request path
and typed by the Schema at write time."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

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
