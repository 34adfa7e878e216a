import pandas as pd
import pytest

import mlpilot


def _tensors(rows: list[dict]) -> list[dict]:
    """One input tensor per column, as in KServe's tabular examples."""
    kinds = {"num": "FP64", "cat": "BYTES", "flag": "BOOL", "when": "BYTES", "note": "BYTES"}
    return [{"name": c, "shape": [len(rows)], "datatype": kinds[c], "data": [r[c] for r in rows]} for c in kinds]


def test_health_and_metadata(client):
    assert client.get("/v2/health/live").json() == {"live": True}
    assert client.get("/v2/health/ready").json() == {"ready": True}
    assert client.get("/v2").json()["name"] == "mlpilot"
    meta = client.get("/v2/models/churn").json()
    assert meta["name"] == "churn" and meta["versions"] == ["2", "1"] and meta["parameters"]["version"] == "1"
    assert {i["name"]: i["datatype"] for i in meta["inputs"]} == {
        "num": "FP64", "cat": "BYTES", "flag": "BOOL", "when": "BYTES", "note": "BYTES"}
    assert [o["name"] for o in meta["outputs"]] == ["predict", "predict_proba"]
    assert client.get("/v2/models/churn/ready").json()["ready"] is True
    assert client.get("/v2/models/churn/versions/2/ready").json()["ready"] is True
    missing = client.get("/v2/models/churn/versions/9/ready")
    assert missing.status_code == 404 and "has no version 9; it has 1, 2" in missing.json()["error"]


def test_infer_with_one_tensor_per_column(client, rows, binary_bundle):
    bundle, _ = binary_bundle
    r = client.post("/v2/models/churn/infer", json={"id": "req-1", "inputs": _tensors(rows)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model_name"] == "churn" and body["model_version"] == "1" and body["id"] == "req-1"
    out = {o["name"]: o for o in body["outputs"]}
    local = mlpilot.load(bundle).predict_proba(pd.DataFrame(rows))
    assert out["predict"]["data"] == [str(c) for c in local.idxmax(axis=1)] and out["predict"]["shape"] == [5]
    assert out["predict_proba"]["shape"] == [5, 2] and out["predict_proba"]["parameters"]["classes"] == ["no", "yes"]
    assert out["predict_proba"]["data"][1::2] == pytest.approx(local["yes"].tolist(), rel=1e-9)
    v2 = client.post("/v2/models/churn/versions/2/infer", json={"inputs": _tensors(rows), "outputs": [{"name": "predict"}]})
    assert v2.json()["model_version"] == "2" and [o["name"] for o in v2.json()["outputs"]] == ["predict"]


@pytest.mark.parametrize("change, words", [
    (lambda t: [x for x in t if x["name"] != "num"], ["Column 'num'", "missing"]),
    (lambda t: [{**x, "data": ["a"] * 5} if x["name"] == "num" else x for x in t], ["'num' is FP64", "'a'"]),
    (lambda t: [{**x, "shape": [4], "data": x["data"][:4]} if x["name"] == "cat" else x for x in t],
     ["'cat' has 4 rows", "first tensor has 5"]),
    (lambda t: [{**x, "shape": [5, 2]} if x["name"] == "cat" else x for x in t], ["'cat' has shape [5, 2]"]),
    (lambda t: t + [t[0]], ["'num' appears more than once"]),
    (lambda t: [{**x, "datatype": "FP128"} for x in t], ["datatype"]),
])
def test_bad_tensors_get_a_4xx_naming_the_tensor(client, rows, change, words):
    r = client.post("/v2/models/churn/infer", json={"inputs": change(_tensors(rows))})
    assert 400 <= r.status_code < 500, r.text
    assert all(w in r.json()["error"] for w in words), r.json()


def test_admin_routes_need_the_token(client, make_client, admin_headers):
    body = {"version": 2}
    assert client.post("/v1/admin/models/churn/promote", json=body).status_code == 401
    wrong = client.post("/v1/admin/models/churn/promote", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    off = make_client(admin_token=None)
    r = off.post("/v1/admin/models/churn/promote", json=body, headers=admin_headers)
    assert r.status_code == 404 and "MLPILOT_ADMIN_TOKEN" in r.json()["error"]


def test_promote_and_rollback_switch_the_served_version(client, admin_headers, rows):
    r = client.post("/v1/admin/models/churn/promote", json={"version": 2}, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"model": "churn", "alias": "champion", "version": 2, "previous": 1, "serving": 2}
    assert client.post("/v1/models/churn/predict", json={"rows": rows}).json()["version"] == 2
    back = client.post("/v1/admin/models/churn/rollback", json={}, headers=admin_headers)
    assert back.json()["serving"] == 1 and back.json()["previous"] == 2
    again = client.post("/v1/admin/models/churn/rollback", json={}, headers=admin_headers)
    assert again.status_code == 404 and "no earlier champion" in again.json()["error"]
    bad = client.post("/v1/admin/models/churn/promote", json={"version": 7}, headers=admin_headers)
    assert bad.status_code == 404 and "has no version 7" in bad.json()["error"]
    assert client.post("/v1/admin/reload", headers=admin_headers).json() == {"changed": []}


def test_the_openapi_document_lists_the_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    for route in ("/v1/models/{name}/predict", "/v2/models/{name}/infer", "/v2/health/ready",
                  "/v1/admin/models/{name}/promote"):
        assert route in paths
    assert client.get("/docs").status_code == 200
