"""The service's explanations: POST /v1/models/{name}/explain, and explain: true on predict."""

import pandas as pd
import pytest

import mlpilot


def test_the_explain_route_answers_contributions_that_add_up_to_the_prediction(client, rows, binary_bundle):
    bundle, _ = binary_bundle
    r = client.post("/v1/models/churn/explain", json={"rows": rows[:3]})
    assert r.status_code == 200, r.text
    body = r.json()
    local = mlpilot.load(bundle)
    features = [c.name for c in local.schema.features]
    assert len(body["explanations"]) == 3 and body["predictions"] == body["predictions"][:3]
    proba = local.predict_proba(pd.DataFrame(rows[:3]))
    for i, e in enumerate(body["explanations"]):
        assert e["class"] == "yes"  # binary: the positive class
        assert set(e["contributions"]) == set(features)
        assert sum(e["contributions"].values()) == pytest.approx(e["prediction"] - e["baseline"], abs=1e-9)
        assert e["prediction"] == pytest.approx(proba["yes"].iloc[i], rel=1e-9)
    assert body["dropped"] == {c.name: c.dropped for c in local.schema.columns if c.dropped}
    local_table = local.explain(pd.DataFrame(rows[:3]))
    assert [e["contributions"][features[0]] for e in body["explanations"]] == \
        pytest.approx(local_table[features[0]].tolist(), abs=1e-12)


def test_a_class_may_be_chosen_and_an_unknown_one_is_a_422_naming_the_classes(client, rows):
    r = client.post("/v1/models/churn/explain", json={"rows": rows[:1], "class": "no"})
    assert r.status_code == 200, r.text
    e = r.json()["explanations"][0]
    assert e["class"] == "no" and e["prediction"] == pytest.approx(r.json()["probabilities"][0]["no"], rel=1e-9)
    bad = client.post("/v1/models/churn/explain", json={"rows": rows[:1], "class": "maybe"})
    assert bad.status_code == 422 and "'maybe'" in bad.json()["error"] and "no, yes" in bad.json()["error"]


def test_predict_with_explain_true_adds_the_explanations(client, rows):
    plain = client.post("/v1/models/churn/predict", json={"rows": rows[:2]}).json()
    assert plain["explanations"] is None
    r = client.post("/v1/models/churn/predict", json={"rows": rows[:2], "explain": True})
    assert r.status_code == 200, r.text
    assert r.json()["predictions"] == plain["predictions"] and len(r.json()["explanations"]) == 2


def test_bad_rows_to_explain_are_a_422_naming_the_column(client, rows):
    row = dict(rows[0], num="not a number")
    r = client.post("/v1/models/churn/explain", json={"rows": [row]})
    assert r.status_code == 422 and "num" in r.json()["error"]
    assert client.post("/v1/models/nope/explain", json={"rows": rows[:1]}).status_code == 404
    assert client.post("/v1/models/churn/explain", json={"rows": []}).status_code == 422


def test_a_file_can_be_explained_too_and_the_route_is_counted_in_the_metrics(client, binary_bundle):
    _, train = binary_bundle
    csv = pd.read_csv(train).drop(columns="y").head(12).to_csv(index=False).encode()
    r = client.post("/v1/models/churn/explain", files={"file": ("new.csv", csv, "text/csv")})
    assert r.status_code == 200, r.text
    assert len(r.json()["explanations"]) == 12
    metrics = client.get("/metrics").text
    assert 'mlpilot_requests_total{model="churn",route="explain",status="200",version="1"} 1.0' in metrics
