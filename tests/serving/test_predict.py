import io
import re

import pandas as pd
import pytest

import mlpilot


def _metric(client, name: str, **labels) -> float:
    """The value of one Prometheus sample (0 when absent)."""
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_json_rows_get_the_champions_predictions(client, rows, binary_bundle):
    bundle, train = binary_bundle
    r = client.post("/v1/models/churn/predict", json={"rows": rows})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "churn" and body["version"] == 1 and re.fullmatch(r"[0-9a-f]{32}", body["request_id"])
    local = mlpilot.load(bundle).predict_proba(pd.DataFrame(rows))
    assert body["predictions"] == [str(c) for c in local.idxmax(axis=1)]
    assert [p["yes"] for p in body["probabilities"]] == pytest.approx(local["yes"].tolist(), rel=1e-9)
    assert _metric(client, "mlpilot_requests_total", model="churn", version="1", route="v1", status="200") == 1
    assert _metric(client, "mlpilot_request_latency_seconds_count", model="churn", version="1", route="v1") == 1
    assert _metric(client, "mlpilot_rows_predicted_total", model="churn", version="1") == 5


def test_a_file_upload_is_scored_as_a_batch(client, binary_bundle):
    _, train = binary_bundle
    df = pd.read_csv(train).drop(columns="y").head(40)
    csv = df.to_csv(index=False).encode()
    r = client.post("/v1/models/churn/predict", files={"file": ("new.csv", csv, "text/csv")})
    assert r.status_code == 200, r.text
    assert len(r.json()["predictions"]) == 40
    raw = client.post("/v1/models/churn/predict", content=csv, headers={"content-type": "text/csv"})
    assert raw.json()["predictions"] == r.json()["predictions"]
    buf = io.BytesIO()
    df.to_parquet(buf)
    pq = client.post("/v1/models/churn/predict", files={"file": ("new.parquet", buf.getvalue(), "application/octet-stream")})
    assert pq.status_code == 200 and pq.json()["predictions"] == r.json()["predictions"]


@pytest.mark.parametrize("change, status, words", [
    (lambda rows: [{k: v for k, v in r.items() if k != "num"} for r in rows], 422, ["Column 'num'", "missing"]),
    (lambda rows: [{**r, "num": "lots"} for r in rows], 422, ["Column 'num'", "'lots'", "numbers"]),
    (lambda rows: [{**r, "when": "someday"} for r in rows], 422, ["Column 'when'", "not a date"]),
    (lambda rows: [{**r, "num": [1, 2]} for r in rows], 422, ["rows.0.num"]),
    (lambda rows: [], 422, ["'rows' is empty"]),
    (lambda rows: rows * 11, 413, ["55 rows", "limit of 50", "MLPILOT_MAX_ROWS"]),
])
def test_bad_rows_get_a_4xx_that_names_the_problem(client, rows, change, status, words):
    r = client.post("/v1/models/churn/predict", json={"rows": change(rows)})
    assert r.status_code == status, r.text
    assert all(w in r.json()["error"] for w in words), r.json()


def test_bad_bodies_are_4xx_never_500(client, rows):
    cases = [
        (b"{not json", {"content-type": "application/json"}, 422),
        (b'{"rows": [{"num": 1}], "extra": 1}', {"content-type": "application/json"}, 422),
        (b"<xml/>", {"content-type": "application/xml"}, 422),
        (b"a,b\n1,2\n", {"content-type": "text/csv"}, 422),
        (b"\x00\x01garbage", {"content-type": "application/vnd.apache.parquet"}, 422),
        (b"x" * 30_000, {"content-type": "application/json"}, 413),
    ]
    for body, headers, status in cases:
        r = client.post("/v1/models/churn/predict", content=body, headers=headers)
        assert r.status_code == status, (body[:40], r.status_code, r.text)
        assert r.json()["error"]
    assert client.post("/v1/models/nope/predict", json={"rows": rows}).status_code == 404
    assert "served: churn" in client.post("/v1/models/nope/predict", json={"rows": rows}).json()["error"]
    assert _metric(client, "mlpilot_request_errors_total", model="churn", version="1", kind="SchemaError") >= 1
    assert _metric(client, "mlpilot_requests_total", model="churn", version="1", route="v1", status="422") >= 4


def test_several_models_are_served_by_name(registry, make_client, rows, binary_bundle):
    bundle, _ = binary_bundle
    registry.register(bundle, "other")
    client = make_client(names=("churn", "other"))
    assert client.post("/v1/models/other/predict", json={"rows": rows}).json()["model"] == "other"
    assert client.post("/v1/models/churn/predict", json={"rows": rows}).json()["model"] == "churn"
    assert client.get("/").json()["models"] == ["churn", "other"]
    everything = make_client(names=())  # no names: every registered model
    assert everything.get("/").json()["models"] == ["churn", "other"]


def test_an_infinite_number_counts_as_missing_as_in_training(client):
    row = '{"rows": [{"num": %s, "cat": "red", "flag": true, "when": "2021-01-01", "note": "x"}]}'
    answers = [client.post("/v1/models/churn/predict", content=row % v, headers={"content-type": "application/json"})
               for v in ("Infinity", "null", "1e999")]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json()["probabilities"] == answers[1].json()["probabilities"] == answers[2].json()["probabilities"]


def test_an_unseen_category_is_accepted_and_counted(client, rows):
    r = client.post("/v1/models/churn/predict", json={"rows": [{**rows[0], "cat": "purple"}]})
    assert r.status_code == 200, r.text
    assert _metric(client, "mlpilot_unseen_categories_total", model="churn", column="cat") == 1


def test_a_moved_champion_is_served_without_a_restart(client, registry, rows):
    assert client.post("/v1/models/churn/predict", json={"rows": rows}).json()["version"] == 1
    registry.promote("churn", 2)  # from outside the service, as `mlpilot models promote` would
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if client.post("/v1/models/churn/predict", json={"rows": rows}).json()["version"] == 2:
            break
        time.sleep(0.05)
    assert client.post("/v1/models/churn/predict", json={"rows": rows}).json()["version"] == 2
    assert _metric(client, "mlpilot_model_version", model="churn") == 2
