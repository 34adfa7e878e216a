"""`mlpilot import`: a scikit-learn pipeline (skops) or an ONNX graph, registered and served like mlpilot's own."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import mlpilot
from mlpilot.exceptions import ConfigError, SchemaError
from mlpilot.importer import import_model


def _table(n=300, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"age": rng.integers(20, 80, n).astype(float), "income": rng.normal(50, 15, n).round(2),
                       "plan": rng.choice(["basic", "plus", "pro"], n), "row_id": np.arange(n)})
    z = 0.05 * (df.age - 50) + 0.04 * (df.income - 50) + (df.plan == "pro") + rng.normal(scale=0.5, size=n)
    return df.assign(churned=np.where(z > 0.3, "yes", "no"), spend=(3 * z + 10).round(3))


def _skops_pipeline(tmp_path, regression=False):
    import skops.io as sio

    df = _table()
    X = df[["age", "income", "plan"]]
    prep = ColumnTransformer([("num", StandardScaler(), ["age", "income"]),
                              ("cat", OneHotEncoder(handle_unknown="ignore"), ["plan"])])
    model = make_pipeline(prep, Ridge() if regression else LogisticRegression())
    model.fit(X, df["spend"] if regression else df["churned"])
    path = tmp_path / "mine.skops"
    sio.dump(model, path)
    return path, model, df.drop(columns=["churned"] if regression else ["spend"])


def test_a_skops_pipeline_predicts_as_it_did(tmp_path):
    path, model, sample = _skops_pipeline(tmp_path)
    imported = import_model(path, sample.drop(columns="row_id"), "churned", out=tmp_path / "bundle")
    loaded = mlpilot.load(tmp_path / "bundle")
    new = _table(seed=1)[["age", "income", "plan"]]
    expected = model.predict_proba(new)
    got = loaded.predict_proba(new)
    assert list(got.columns) == ["no", "yes"]
    np.testing.assert_allclose(got.to_numpy(), expected)
    assert (loaded.predict(new) == model.predict(new)).all()
    assert imported.board[0]["val_auc"] > 0.8 and loaded.info["source"] == "import"
    with pytest.raises(SchemaError, match="Column 'plan'"):
        loaded.predict(new.drop(columns="plan"))


def test_a_skops_regression_pipeline(tmp_path):
    path, model, sample = _skops_pipeline(tmp_path, regression=True)
    loaded = import_model(path, sample.drop(columns="row_id"), "spend")
    new = _table(seed=2)[["age", "income", "plan"]]
    np.testing.assert_allclose(loaded.predict(new), model.predict(new))


def test_untrusted_types_and_bad_files_are_refused_with_the_fix(tmp_path):
    import skops.io as sio

    df = _table()
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(df[["age", "income"]], df["churned"])
    model.steps[0][1].custom = pd.Timestamp("2024-01-01")  # a type skops does not trust by default
    sio.dump(model, tmp_path / "odd.skops")
    with pytest.raises(ConfigError, match="--trust pandas"):
        import_model(tmp_path / "odd.skops", df[["age", "income", "churned"]], "churned")
    (tmp_path / "model.pkl").write_bytes(b"x")
    with pytest.raises(ConfigError, match="allowed: .skops, .onnx"):
        import_model(tmp_path / "model.pkl", df, "churned")


def test_an_onnx_graph_with_one_input_per_column(tmp_path):
    skl2onnx = pytest.importorskip("skl2onnx")
    pytest.importorskip("onnxruntime")
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    df = _table()
    X = df[["age", "income", "plan"]]
    prep = ColumnTransformer([("num", StandardScaler(), ["age", "income"]),
                              ("cat", OneHotEncoder(handle_unknown="ignore"), ["plan"])])
    model = make_pipeline(prep, LogisticRegression()).fit(X, df["churned"])
    onx = skl2onnx.convert_sklearn(model, initial_types=[("age", FloatTensorType([None, 1])),
                                                         ("income", FloatTensorType([None, 1])),
                                                         ("plan", StringTensorType([None, 1]))],
                                   target_opset=17)
    (tmp_path / "mine.onnx").write_bytes(onx.SerializeToString())
    import_model(tmp_path / "mine.onnx", df[["age", "income", "plan", "churned"]], "churned", out=tmp_path / "b")
    loaded = mlpilot.load(tmp_path / "b")
    new = _table(seed=3)[["age", "income", "plan"]]
    np.testing.assert_allclose(loaded.predict_proba(new).to_numpy(), model.predict_proba(new), atol=1e-5)


def test_import_registers_and_serves(tmp_path, run_cli, monkeypatch):
    path, model, sample = _skops_pipeline(tmp_path)
    sample.drop(columns="row_id").to_csv(tmp_path / "sample.csv", index=False)
    monkeypatch.setenv("MLPILOT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MLPILOT_DB_URL", raising=False)
    run = run_cli("import", path, "--sample", tmp_path / "sample.csv", "--target", "churned", "--name", "mine")
    assert run.returncode == 0, run.stderr
    assert "Registered mine version 1 (champion)" in run.stdout and "optimistic" in run.stdout
    from fastapi.testclient import TestClient

    from mlpilot.registry import Registry
    from mlpilot.serving.app import ServeSettings, create_app

    reg = Registry(tmp_path / "home")
    assert reg.get("mine", 1).source == "import"
    with TestClient(create_app(ServeSettings(("mine",), reg, poll_seconds=0))) as client:
        r = client.post("/v1/models/mine/predict", json={"rows": [{"age": 40, "income": 55.5, "plan": "pro"}]})
        assert r.status_code == 200, r.text
        expected = model.predict_proba(pd.DataFrame([{"age": 40, "income": 55.5, "plan": "pro"}]))[0, 1]
        assert r.json()["probabilities"][0]["yes"] == pytest.approx(expected)
        bad = client.post("/v1/models/mine/predict", json={"rows": [{"age": "old", "income": 1, "plan": "pro"}]})
        assert bad.status_code == 422 and "Column 'age'" in bad.json()["error"]
    reg.close()
