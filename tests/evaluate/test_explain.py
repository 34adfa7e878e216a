"""Explanations end to end: a seeded table where 3 of 10 columns carry the signal; importance and contributions
from fit, Predictor.explain, `mlpilot explain`, and the model page (drawn by Chromium)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import mlpilot
from mlpilot.data.task import Task
from mlpilot.evaluate.page import model_specs
from mlpilot.models import FAMILIES

SIGNAL = ["x0", "x1", "x3"]
COLUMNS = [f"x{i}" for i in range(10)]


def signal_table(n: int = 1500, seed: int = 0, task: str = "binary") -> pd.DataFrame:
    """Ten columns (x3 a category), of which only x0, x1 and x3 move the target; plus an identifier."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n, 10)), columns=COLUMNS)
    df["x3"] = rng.choice(list("abcd"), n)
    signal = 2 * df["x0"] - 1.5 * df["x1"] + df["x3"].map({"a": -1.5, "b": 0.0, "c": 1.0, "d": 2.0})
    if task == "regression":
        df["y"] = signal + 0.1 * rng.normal(size=n)
    else:
        df["y"] = np.where(rng.random(n) < 1 / (1 + np.exp(-signal)), "sick", "well")
    df["patient_id"] = np.arange(100000, 100000 + n)
    return df


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A balanced-preset ensemble fitted on the binary table (deterministic), saved."""
    df = signal_table()
    out = tmp_path_factory.mktemp("explain") / "model"
    predictor = mlpilot.fit(df, "y", time_limit=60, deterministic=True, seed=0, out=out)
    return predictor, df, out


def test_the_signal_columns_rank_on_top_with_an_uncertainty_and_dropped_columns_are_listed(fitted):
    predictor, _, out = fitted
    e = predictor.info["explanations"]
    ranked = [c["column"] for c in e["importance"]["columns"]]
    assert set(ranked[:3]) == set(SIGNAL) and set(ranked) == set(COLUMNS)
    top, rest = e["importance"]["columns"][:3], e["importance"]["columns"][3:]
    assert all(c["importance"] - 2 * c["std"] > max(r["importance"] for r in rest) for c in top)
    assert e["importance"]["repeats"] >= 2 and all(c["std"] >= 0 for c in top)
    assert e["dropped"] == [{"column": "patient_id", "reason": predictor.schema.column("patient_id").dropped}]
    assert "patient_id" not in ranked  # dropped, not unimportant
    assert [c["column"] for c in e["partial_dependence"]] == ranked[:3]
    assert json.loads((out / "manifest.json").read_text())["explanations"] == e  # kept in the bundle


def test_per_row_contributions_add_up_and_the_signal_columns_dominate(fitted):
    predictor, df, out = fitted
    X = df.drop(columns="y").head(100)
    for model in (predictor, mlpilot.load(out)):
        table = model.explain(X)
        assert list(table.columns) == ["class", "prediction", "baseline"] + COLUMNS
        assert np.abs(table[COLUMNS].sum(axis=1) - (table["prediction"] - table["baseline"])).max() < 1e-9
        assert np.allclose(table["prediction"], model.predict_proba(X)["well"], atol=1e-12)
        share = table[COLUMNS].abs()
        assert (share[SIGNAL].sum(axis=1) / share.sum(axis=1)).mean() > 0.8


@pytest.mark.parametrize("family", ["lightgbm", "xgboost", "catboost"])
def test_a_boosted_tree_model_is_explained_exactly(family):
    df = signal_table(n=600, task="regression")
    config = FAMILIES[family].default_configs(Task.REGRESSION)[0]
    predictor = mlpilot.fit(df, "y", configs=[{"name": f"{family}_1", "family": family, "config": config}],
                            deterministic=True, seed=0)
    X = df.drop(columns="y").head(50)
    table = predictor.explain(X)
    assert np.abs(table[COLUMNS].sum(axis=1) - (table["prediction"] - table["baseline"])).max() < 1e-6
    assert np.allclose(table["prediction"], predictor.predict(X), atol=1e-6)
    assert table["baseline"].nunique() == 1
    share = table[COLUMNS].abs()
    assert (share[SIGNAL].sum(axis=1) / share.sum(axis=1)).mean() > 0.8


def test_multiclass_explains_each_rows_predicted_class_or_the_one_asked():
    df = signal_table(n=600)
    df["y"] = pd.cut(2 * df["x0"] - 1.5 * df["x1"], [-np.inf, -1, 1, np.inf], labels=["low", "mid", "high"]).astype(str)
    predictor = mlpilot.fit(df, "y", preset="fast", deterministic=True, seed=0)
    X = df.drop(columns="y").head(30)
    proba = predictor.predict_proba(X)
    table = predictor.explain(X)
    assert table["class"].tolist() == proba.idxmax(axis=1).tolist()
    mid = predictor.explain(X, class_="mid")
    assert (mid["class"] == "mid").all() and np.allclose(mid["prediction"], proba["mid"])
    with pytest.raises(mlpilot.errors.ConfigError, match="'top'.*high, low, mid"):
        predictor.explain(X, class_="top")


def test_mlpilot_explain_writes_the_contributions_and_the_page(fitted, run_cli, tmp_path):
    _, df, out = fitted
    data = tmp_path / "new.csv"
    df.head(20).to_csv(data, index=False)  # with the target and the dropped column: both are ignored
    run = run_cli("explain", out, data, "--out", tmp_path / "why.parquet", "--report", tmp_path / "why.html")
    assert run.returncode == 0, run.stderr
    table = pd.read_parquet(tmp_path / "why.parquet")
    assert len(table) == 20 and list(table.columns[:3]) == ["class", "prediction", "baseline"]
    html = (tmp_path / "why.html").read_text()
    for plot in ("plot-importance", "plot-row", "plot-pd-0"):
        assert f'id="{plot}"' in html
    assert "patient_id" in html and "Dropped before training" in html
    bad = run_cli("explain", out, data, "--class", "maybe", "--out", tmp_path / "x.csv")
    assert bad.returncode == 2 and "--class is 'maybe'" in bad.stderr and "Traceback" not in bad.stderr
    df.head(3).assign(x0="high").to_csv(data, index=False)
    bad = run_cli("explain", out, data)
    assert bad.returncode == 2 and "x0" in bad.stderr and "Traceback" not in bad.stderr


def test_fit_prints_the_importance_and_writes_the_report(run_cli, tmp_path, chromium_dom):
    data = tmp_path / "train.csv"
    signal_table(n=500).to_csv(data, index=False)
    run = run_cli("fit", data, "--target", "y", "--time-limit", 20, "--preset", "fast", "--out", tmp_path / "m",
                  "--report", tmp_path / "fit.html")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.split("Column importance", 1)[1].splitlines()
    assert {line.split()[0] for line in lines[1:4]} == set(SIGNAL)
    assert "Dropped before training" in run.stdout and "patient_id (identifier" in run.stdout
    page = tmp_path / "fit.html"
    specs = json.loads(re.search(r'<script type="application/json" id="plot-specs">(.*?)</script>',
                                 page.read_text(), re.S).group(1))
    assert {"plot-importance", "plot-row", "plot-pd-0"} <= specs.keys()
    dom = chromium_dom(page)
    assert f'data-plots="{len(specs)}"' in dom and 'data-error="' not in dom
    assert len(re.findall(r'data-rendered="1"', dom)) == len(specs)


def test_the_page_shows_that_no_importance_was_computed():
    assert "plot-importance" not in model_specs({"importance": None, "partial_dependence": []}, None, [], "y")


def test_the_table_keeps_a_features_own_name_and_refuses_a_class_for_regression():
    from mlpilot.evaluate.contributions import Contributions
    from mlpilot.evaluate.explain import contribution_frame

    c = Contributions(np.array([[[0.5], [-0.25]]]), np.array([[1.0]]), np.array([[1.25]]))
    table = contribution_frame(c, ["prediction", "age"], Task.REGRESSION, None)
    assert list(table.columns) == ["_prediction", "baseline", "prediction", "age"]
    assert table.iloc[0].tolist() == [1.25, 1.0, 0.5, -0.25]
    with pytest.raises(mlpilot.errors.ConfigError, match="regression"):
        contribution_frame(c, ["prediction", "age"], Task.REGRESSION, None, class_="yes")
