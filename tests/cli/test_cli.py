"""The CLI's happy paths, run as a subprocess: fit, predict (csv, parquet, stdout), evaluate, --sql, --help."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

FIT_FAST = ("--time-limit", 5, "--preset", "fast")


@pytest.fixture(scope="module")
def multiclass_fit(tmp_path_factory, run_cli, make_table):
    """A fit, with its output shown, on integer class labels 0, 1, 2: (process, bundle, training csv)."""
    root = tmp_path_factory.mktemp("multiclass")
    df = make_table(n=240, seed=2, task="multiclass")
    df["y"] = df["y"].map({"a": 0, "b": 1, "c": 2})
    df.to_csv(root / "train.csv", index=False)
    run = run_cli("fit", "train.csv", "--target", "y", *FIT_FAST, "--out", "model", cwd=root)
    return run, root / "model", root / "train.csv"


@pytest.fixture(scope="module")
def regression_fit(tmp_path_factory, run_cli, make_table):
    """A regression fit whose data comes from a DuckDB query over a parquet file: (process, bundle, parquet)."""
    root = tmp_path_factory.mktemp("regression")
    make_table(n=200, seed=3, task="regression").to_parquet(root / "train.parquet")
    run = run_cli("fit", "--sql", "SELECT * FROM 'train.parquet'", "--target", "y", *FIT_FAST, "--quiet",
                  "--out", "model", cwd=root)
    return run, root / "model", root / "train.parquet"


@pytest.fixture
def new_rows(binary_bundle) -> pd.DataFrame:
    """Forty rows of the binary model's training table, shuffled, target dropped."""
    df = pd.read_csv(binary_bundle[1]).drop(columns=["y"])
    return df.sample(n=40, random_state=0).reset_index(drop=True)


def test_help_lists_the_commands(run_cli):
    run = run_cli("--help")
    assert run.returncode == 0, run.stderr
    for command in ("fit", "predict", "evaluate"):
        assert command in run.stdout


@pytest.mark.parametrize(
    ("args", "expect"),
    [(("fit", "train.csv"), "--target"), (("frobnicate",), "frobnicate"), (("evaluate", "m", "d.csv", "--out", "x"),
                                                                            "--out"),
     (("fit", "train.csv", "--target", "y", "--max-latency-ms", "0"), "--max-latency-ms")],
    ids=["missing-option", "unknown-command", "unknown-option", "latency-not-positive"],
)
def test_usage_errors_exit_2_without_a_traceback(run_cli, tmp_path, args, expect):
    run = run_cli(*args, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert expect in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_fit_prints_a_leaderboard_and_writes_a_bundle(multiclass_fit):
    run, bundle, _ = multiclass_fit
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "Leaderboard (multiclass, validation logloss)" in run.stdout
    assert "model" in run.stdout and ("lightgbm" in run.stdout or "linear" in run.stdout)
    assert "Saved model to model" in run.stdout
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["task"] == "multiclass" and manifest["target"] == "y" and manifest["classes"] == [0, 1, 2]
    assert all((bundle / name).is_file() for name in manifest["files"])
    assert not list(bundle.parent.glob(".model.*"))  # no temporary or old bundle left beside it


def test_fit_reads_data_from_a_sql_query(regression_fit):
    run, bundle, _ = regression_fit
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""  # --quiet
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["task"] == "regression" and manifest["target"] == "y"
    assert {c["name"] for c in manifest["schema"]["columns"]} == {"num", "cat", "flag", "when", "note"}


def _check_classification(preds: pd.DataFrame, labels: list[str], n_rows: int) -> None:
    assert list(preds.columns) == [*labels, "prediction"]
    assert len(preds) == n_rows
    proba = preds[labels].to_numpy(dtype=float)
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert (preds["prediction"].astype(str).to_numpy() == np.asarray(labels)[proba.argmax(axis=1)]).all()


def test_predict_writes_csv_and_parquet_with_the_contract_columns_in_input_order(run_cli, tmp_path, binary_bundle,
                                                                                  new_rows):
    new_rows.to_csv(tmp_path / "new.csv", index=False)
    new_rows.iloc[::-1].to_csv(tmp_path / "reversed.csv", index=False)
    for data, out in (("new.csv", "preds.csv"), ("reversed.csv", "reversed.parquet")):
        run = run_cli("predict", binary_bundle[0], data, "--out", out, cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        assert run.stdout == ""
    forward = pd.read_csv(tmp_path / "preds.csv")
    backward = pd.read_parquet(tmp_path / "reversed.parquet")
    _check_classification(forward, ["no", "yes"], len(new_rows))
    _check_classification(backward, ["no", "yes"], len(new_rows))
    pd.testing.assert_frame_equal(backward.iloc[::-1].reset_index(drop=True), forward, check_dtype=False, atol=1e-9)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.csv", "preds.csv", "reversed.csv", "reversed.parquet"]


def test_predict_without_out_prints_csv_to_stdout(run_cli, tmp_path, binary_bundle):
    df = pd.read_csv(binary_bundle[1]).head(25).assign(comment="unused")  # extra columns and the target are fine
    df.to_parquet(tmp_path / "new.parquet")
    run = run_cli("predict", binary_bundle[0], "new.parquet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    _check_classification(pd.read_csv(io.StringIO(run.stdout)), ["no", "yes"], 25)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.parquet"]


def test_predict_names_integer_classes_by_their_string(run_cli, tmp_path, multiclass_fit):
    _, bundle, train = multiclass_fit
    pd.read_csv(train).drop(columns=["y"]).head(30).to_csv(tmp_path / "new.csv", index=False)
    run = run_cli("predict", bundle, "new.csv", "--out", "preds.parquet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    preds = pd.read_parquet(tmp_path / "preds.parquet")
    _check_classification(preds, ["0", "1", "2"], 30)
    assert set(preds["prediction"]) <= {"0", "1", "2"}


def test_predict_regression_writes_one_prediction_column(run_cli, tmp_path, regression_fit):
    _, bundle, train = regression_fit
    df = pd.read_parquet(train)
    df.drop(columns=["y"]).to_csv(tmp_path / "new.csv", index=False)
    run = run_cli("predict", bundle, "new.csv", "--out", "preds.csv", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    preds = pd.read_csv(tmp_path / "preds.csv")
    assert list(preds.columns) == ["prediction"] and len(preds) == len(df)
    assert np.isfinite(preds["prediction"]).all()
    assert np.corrcoef(preds["prediction"], df["y"])[0, 1] > 0.8  # in input order, so it tracks the target


def test_evaluate_prints_a_metrics_table(run_cli, binary_bundle):
    run = run_cli("evaluate", binary_bundle[0], binary_bundle[1])
    assert run.returncode == 0, run.stderr
    for metric in ("auc", "logloss", "accuracy", "n_rows"):
        assert metric in run.stdout


def test_evaluate_json_is_parseable(run_cli, tmp_path, binary_bundle):
    pd.read_csv(binary_bundle[1]).head(50).to_csv(tmp_path / "test.csv", index=False)
    run = run_cli("evaluate", binary_bundle[0], "test.csv", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    metrics = json.loads(run.stdout)
    assert metrics["n_rows"] == 50
    assert 0.5 < metrics["auc"] <= 1.0 and 0 <= metrics["accuracy"] <= 1


def test_evaluate_json_for_regression(run_cli, regression_fit):
    _, bundle, train = regression_fit
    run = run_cli("evaluate", bundle, "--sql", f"SELECT * FROM '{train}' LIMIT 60", "--json")
    assert run.returncode == 0, run.stderr
    metrics = json.loads(run.stdout)
    assert {"rmse", "mae", "r2"} <= metrics.keys() and metrics["n_rows"] == 60
