import json

import numpy as np
import pandas as pd
import pytest

import baseline
import noise
import run
import scoring

N_TRAIN, N_TEST = 240, 80


def features(n, rng):
    x = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], n)
    return pd.DataFrame({
        "x num": x,  # a space: the adapter renames every column
        "colour": pd.Series(colour, dtype="string"),
        "flag": rng.random(n) > 0.5,
        "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        "noise": rng.normal(size=n),
    })


def write_split(root, task, seed=0):
    """A tiny split in the shared suite's layout; returns its folder."""
    rng = np.random.default_rng(seed)
    n = N_TRAIN + N_TEST
    X = features(n, rng)
    signal = X["x num"].to_numpy() + 1.5 * (X["colour"] == "red").to_numpy(dtype=float)
    if task == "regression":
        y, classes = pd.Series(3 * signal + rng.normal(0, 0.3, n)), None
    elif task == "binary":
        y = pd.Series(np.where(signal + rng.normal(0, 0.5, n) > 0.5, "yes", "no"))
        classes = ["no", "yes"]
    else:
        y = pd.Series(np.digitize(signal + rng.normal(0, 0.3, n), [0.0, 1.0]))  # 0, 1, 2
        classes = ["0", "1", "2"]
    X.loc[N_TRAIN, "colour"] = "purple"  # a category unseen in training
    X.loc[3, "colour"] = pd.NA
    split = root / task
    split.mkdir(parents=True)
    X.iloc[:N_TRAIN].assign(target=y.iloc[:N_TRAIN].to_numpy()).to_parquet(
        split / "train.parquet")
    X.iloc[N_TRAIN:].reset_index(drop=True).to_parquet(split / "test_X.parquet")
    pd.DataFrame({"target": y.iloc[N_TRAIN:].to_numpy()}).to_parquet(split / "test_y.parquet")
    info = {"target": "target", "task": task, "n_train": N_TRAIN, "n_test": N_TEST}
    if classes:
        info["classes"] = classes
    (split / "split.json").write_text(json.dumps(info))
    return split


def test_prep_follows_the_adapter():
    rng = np.random.default_rng(0)
    train, test = features(30, rng), features(10, rng)
    test.loc[0, "colour"] = "purple"

    X = baseline.prep(train)
    cats = {"f1": X["f1"].cat.categories}
    Xt = baseline.prep(test, cats)

    assert list(X.columns) == ["f0", "f1", "f2", "f3", "f4"]
    assert X["f2"].dtype == float and X["f3"].dtype == "int64"
    assert list(Xt["f1"].cat.categories) == list(cats["f1"])
    assert pd.isna(Xt.loc[0, "f1"])


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_write_baseline_writes_predictions_in_mlpilots_format(tmp_path, task):
    split = write_split(tmp_path / "splits", task)
    info = json.loads((split / "split.json").read_text())

    path, seconds = baseline.write_baseline(split, tmp_path / "work", seed=1)

    assert path == tmp_path / "work" / "baseline_preds.parquet" and seconds >= 0
    preds = pd.read_parquet(path)
    assert len(preds) == N_TEST
    y = pd.read_parquet(split / "test_y.parquet")["target"]
    metrics = scoring.score(task, y, preds, info.get("classes"))
    if task == "regression":
        assert list(preds.columns) == ["prediction"]
        assert metrics["r2"] > 0.5
        return
    assert list(preds.columns) == info["classes"] + ["prediction"]
    proba = preds[info["classes"]].to_numpy()
    assert np.allclose(proba.sum(axis=1), 1)
    assert set(preds["prediction"]) <= set(info["classes"])
    assert metrics["acc"] > 0.6
    again, _ = baseline.write_baseline(split, tmp_path / "again", seed=1)
    pd.testing.assert_frame_equal(pd.read_parquet(again), preds)


def test_compare_with_baseline_fits_it_when_missing(tmp_path):
    split = write_split(tmp_path / "splits", "binary")
    work = tmp_path / "work"
    work.mkdir()

    missing = run.compare_with_baseline("binary", split, work, 1)
    assert "no predictions kept" in missing["reason"]

    baseline.write_baseline(split, tmp_path / "other", seed=1)
    (tmp_path / "other" / "baseline_preds.parquet").rename(work / "preds.parquet")
    assert "--no-baseline" in run.compare_with_baseline("binary", split, work, 1, False)["reason"]

    result = run.compare_with_baseline("binary", split, work, 1)

    assert (work / "baseline_preds.parquet").exists() and result["baseline_s"] >= 0
    assert result["verdict"] == noise.TIE and result["diff"] == 0.0  # the same predictions


def test_summary_of_a_results_file_computes_the_verdicts(tmp_path, capsys):
    bench = tmp_path / "bench"
    write_split(bench / "splits", "regression")
    (bench / "peers.md").write_text("| dataset | task | metric | LightGBM defaults |\n"
                                    "|---|---|---|---|\n"
                                    "| regression | regression | RMSE ↓ | 1.0 |\n")
    work = tmp_path / "out" / "run1" / "regression"
    work.mkdir(parents=True)
    y = pd.read_parquet(bench / "splits" / "regression" / "test_y.parquet")["target"]
    pd.DataFrame({"prediction": y + 0.01}).to_parquet(work / "preds.parquet")  # near perfect
    results = tmp_path / "out" / "run1.jsonl"
    results.write_text(json.dumps({"run": "run1", "dataset": "regression", "task": "regression",
                                   "metric": "rmse", "score": 0.01, "status": "ok",
                                   "seed": 1}) + "\n")

    assert run.main(["--summary", str(results), "--bench-dir", str(bench)]) == 0

    out = capsys.readouterr().out
    assert "- regression: better: RMSE +" in out
    assert "not worse than LightGBM defaults (paired bootstrap, 90 %): 1/1" in out
    assert (work / "baseline_preds.parquet").exists()
