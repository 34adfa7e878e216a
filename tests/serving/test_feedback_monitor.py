"""The service logs every answered row, takes labels back as feedback, and reports drift and live performance."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from mlpilot.serving.app import ServeSettings
from mlpilot.serving.predlog import PREDICTIONS, LogStore
from mlpilot.service import build_app


@pytest.fixture
def logged(registry, tmp_path):
    settings = ServeSettings(("churn",), registry, None, 5_000, 20_000_000, 0.05, log_root=tmp_path / "logs")
    with TestClient(build_app(settings), raise_server_exceptions=False) as client:
        yield client, LogStore(tmp_path / "logs")


@pytest.fixture
def table(binary_bundle) -> pd.DataFrame:
    return pd.read_csv(binary_bundle[1])


def _rows(df: pd.DataFrame) -> list[dict]:
    return df.astype(object).where(df.notna(), None).to_dict(orient="records")


def test_every_answered_row_is_logged_with_its_request_id(logged, rows):
    client, store = logged
    first = client.post("/v1/models/churn/predict", json={"rows": rows}).json()
    client.post("/v1/models/churn/predict", json={"rows": [{"num": "oops"}]})  # refused: not logged
    kinds = {str: "BYTES", bool: "BOOL", float: "FP64", int: "INT64"}
    v2 = client.post("/v2/models/churn/infer", json={"id": "my-v2-id", "inputs": [
        {"name": c, "shape": [1], "datatype": kinds[type(v)], "data": [v]} for c, v in rows[0].items()]})
    assert v2.status_code == 200, v2.text
    client.get("/v1/models/churn/monitor")  # flushes the log
    log = store.read("churn", PREDICTIONS)
    assert sorted(set(log["request_id"])) == sorted([first["request_id"], "my-v2-id"])
    mine = log[log["request_id"] == first["request_id"]].sort_values("row")
    assert mine["row"].tolist() == list(range(len(rows))) and (mine["version"] == first["version"]).all()
    assert mine["prediction"].tolist() == [str(p) for p in first["predictions"]]
    assert mine["f:num"].tolist() == pytest.approx([r["num"] for r in rows])


def test_feedback_is_joined_and_scored(logged, table):
    client, _ = logged
    sample = table.sample(300, random_state=1)
    answer = client.post("/v1/models/churn/predict", json={"rows": _rows(sample.drop(columns="y"))}).json()
    labels = [{"request_id": answer["request_id"], "row": i, "label": y} for i, y in enumerate(sample["y"])][:200]
    sent = client.post("/v1/models/churn/feedback", json={"labels": labels})
    assert sent.status_code == 200 and sent.json() == {"model": "churn", "accepted": 200}
    state = client.get("/v1/models/churn/monitor").json()
    perf = state["performance"]
    assert state["n_predictions"] == 300 and perf["n_labelled"] == 200
    hits = sum(p == y for p, y in zip(answer["predictions"][:200], sample["y"][:200]))
    assert perf["accuracy"] == pytest.approx(hits / 200)
    low, high = perf["score_interval"]
    assert low <= perf["score"] <= high and perf["metric"] == "auc"
    assert state["drifted"] == []  # rows like the training rows


def test_shifted_inputs_are_flagged(logged, table):
    client, _ = logged
    shifted = table.drop(columns="y").sample(400, replace=True, random_state=2)
    shifted["num"] = shifted["num"] + 3.0
    shifted["cat"] = "red"
    client.post("/v1/models/churn/predict", json={"rows": _rows(shifted)})
    state = client.get("/v1/models/churn/monitor", params={"psi": 0.2}).json()
    assert {"num", "cat"} <= set(state["drifted"])
    assert state["features"]["num"]["psi"] > 0.2 and state["windows"]


@pytest.mark.parametrize("body, code, message", [
    ({"labels": []}, 422, "labels"),
    ({"labels": [{"request_id": "x", "label": None}]}, 422, "label"),
    ({"labels": [{"request_id": "x", "row": -1, "label": "yes"}]}, 422, "row"),
])
def test_bad_feedback_is_a_4xx_naming_the_field(logged, body, code, message):
    client, _ = logged
    answer = client.post("/v1/models/churn/feedback", json=body)
    assert answer.status_code == code and message in answer.text


def test_feedback_and_monitor_of_an_unknown_model_are_404(logged):
    client, _ = logged
    assert client.post("/v1/models/nope/feedback", json={"labels": [{"request_id": "x", "label": 1}]}).status_code == 404
    assert client.get("/v1/models/nope/monitor").status_code == 404
    assert client.get("/v1/models/churn/monitor", params={"p_value": 2}).status_code == 422
