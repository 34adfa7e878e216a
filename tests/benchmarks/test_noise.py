import time

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import noise
import peers
import report
import scoring


def binary_preds(p1):
    p1 = np.asarray(p1, dtype=float)
    return pd.DataFrame({"no": 1 - p1, "yes": p1,
                         "prediction": np.where(p1 > 0.5, "yes", "no")})


def binary_case(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    signal = y + rng.normal(0, 1.0, n)
    return pd.Series(np.where(y == 1, "yes", "no")), signal, rng


def squash(x):
    return 1 / (1 + np.exp(-x))


def test_resampled_auc_matches_sklearn_on_the_expanded_resample():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300).astype(bool)
    scores = np.round(rng.random(300) + 0.3 * y, 1)  # many ties
    counts = noise.resample_counts(300, 4, rng)
    auc = noise._AUC(y, scores)(counts)
    for row, value in zip(counts, auc):
        rows = np.repeat(np.arange(300), row)
        assert value == pytest.approx(roc_auc_score(y[rows], scores[rows]), abs=1e-12)


def test_resample_counts_draw_every_row_count_once():
    counts = noise.resample_counts(50, 7, np.random.default_rng(0))
    assert counts.shape == (7, 50)
    assert (counts.sum(axis=1) == 50).all()


@pytest.mark.parametrize(("lower", "upper", "expected"), [
    (0.001, 0.01, noise.BETTER), (-0.01, -0.001, noise.WORSE), (-0.01, 0.01, noise.TIE),
    (0.0, 0.0, noise.TIE), (None, 0.1, None), (float("nan"), 0.1, None),
])
def test_verdict(lower, upper, expected):
    assert noise.verdict(lower, upper) == expected


def test_binary_clearly_better_worse_and_identical():
    y, signal, rng = binary_case()
    good = binary_preds(squash(signal))
    bad = binary_preds(squash(signal + rng.normal(0, 2.0, len(y))))

    better = noise.paired_bootstrap("binary", y, good, bad, ["no", "yes"])
    worse = noise.paired_bootstrap("binary", y, bad, good, ["no", "yes"])
    same = noise.paired_bootstrap("binary", y, good, good.copy(), ["no", "yes"])

    assert better["verdict"] == noise.BETTER and better["lower"] > 0
    assert worse["verdict"] == noise.WORSE and worse["upper"] < 0
    assert same["verdict"] == noise.TIE
    assert same["diff"] == same["lower"] == same["upper"] == 0.0
    assert better["a"] == pytest.approx(scoring.score("binary", y, good, ["no", "yes"])["auc"])
    assert better["b"] == pytest.approx(scoring.score("binary", y, bad, ["no", "yes"])["auc"])
    assert better["diff"] == pytest.approx(better["a"] - better["b"])
    assert worse["diff"] == pytest.approx(-better["diff"])


def test_binary_slightly_noisier_is_a_tie():
    y, signal, rng = binary_case(n=500)
    a = binary_preds(squash(signal))
    b = binary_preds(squash(signal + rng.normal(0, 0.05, len(y))))

    result = noise.paired_bootstrap("binary", y, a, b, ["no", "yes"])

    assert result["verdict"] == noise.TIE
    assert result["lower"] < 0 < result["upper"]


def multiclass_case(n=1500, seed=1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    logits = 2.0 * np.eye(3)[y] + rng.normal(0, 1, (n, 3))
    return y, logits, rng


def softmax_preds(logits):
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return pd.DataFrame(p, columns=["a", "b", "c"]).assign(
        prediction=np.array(["a", "b", "c"])[p.argmax(axis=1)])


def test_multiclass_log_loss_is_oriented_lower_is_better():
    y, logits, rng = multiclass_case()
    labels = pd.Series(np.array(["a", "b", "c"])[y])
    good = softmax_preds(logits)
    bad = softmax_preds(logits + rng.normal(0, 1.5, logits.shape))
    slightly = softmax_preds(logits + rng.normal(0, 0.02, logits.shape))

    better = noise.paired_bootstrap("multiclass", labels, good, bad, ["a", "b", "c"])
    worse = noise.paired_bootstrap("multiclass", labels, bad, good, ["a", "b", "c"])
    tie = noise.paired_bootstrap("multiclass", labels, good, slightly, ["a", "b", "c"])

    assert better["verdict"] == noise.BETTER and better["a"] < better["b"]
    assert better["diff"] == pytest.approx(better["b"] - better["a"])
    assert better["a"] == pytest.approx(
        scoring.score("multiclass", labels, good, ["a", "b", "c"])["logloss"])
    assert worse["verdict"] == noise.WORSE
    assert tie["verdict"] == noise.TIE


def test_regression_rmse_verdicts():
    rng = np.random.default_rng(2)
    y = pd.Series(rng.normal(0, 10, 1000))
    close = pd.DataFrame({"prediction": y + rng.normal(0, 1, 1000)})
    far = pd.DataFrame({"prediction": y + rng.normal(0, 3, 1000)})
    close2 = pd.DataFrame({"prediction": close["prediction"] + rng.normal(0, 0.01, 1000)})

    better = noise.paired_bootstrap("regression", y, close, far)
    assert better["verdict"] == noise.BETTER
    assert better["a"] == pytest.approx(scoring.score("regression", y, close)["rmse"])
    assert noise.paired_bootstrap("regression", y, far, close)["verdict"] == noise.WORSE
    assert noise.paired_bootstrap("regression", y, close, close2)["verdict"] == noise.TIE
    assert noise.paired_bootstrap("regression", y, close, close)["verdict"] == noise.TIE


def test_the_bootstrap_is_deterministic_for_a_seed():
    y, signal, rng = binary_case(n=400)
    a = binary_preds(squash(signal))
    b = binary_preds(squash(signal + rng.normal(0, 0.5, len(y))))

    first = noise.paired_bootstrap("binary", y, a, b, ["no", "yes"], resamples=200, seed=5)
    again = noise.paired_bootstrap("binary", y, a, b, ["no", "yes"], resamples=200, seed=5)

    assert first == again


def test_a_wrong_number_of_predictions_is_an_error():
    with pytest.raises(ValueError, match="2 predictions for 3 test rows"):
        noise.paired_bootstrap("regression", pd.Series([1.0, 2.0, 3.0]),
                               pd.DataFrame({"prediction": [1.0, 2.0]}),
                               pd.DataFrame({"prediction": [1.0, 2.0, 3.0]}))


def test_a_thousand_resamples_of_ten_thousand_rows_are_fast():
    y, signal, rng = binary_case(n=10_000)
    a = binary_preds(squash(signal))
    b = binary_preds(squash(signal + rng.normal(0, 0.3, len(y))))

    start = time.process_time()  # CPU time: a loaded machine does not make it flaky
    noise.paired_bootstrap("binary", y, a, b, ["no", "yes"])
    assert time.process_time() - start < 5


def test_summary_prints_the_verdicts_and_the_not_worse_count():
    table = peers.parse_peers_text(
        "| dataset | task | metric | LightGBM defaults | AutoGluon medium |\n"
        "|---|---|---|---|---|\n"
        "| a | binary | AUC ↑ | 0.9000 | 0.9100 |\n| b | regression | RMSE ↓ | 10.0 | 9.0 |\n"
        "| c | binary | AUC ↑ | 0.8000 | 0.8100 |\n| d | binary | AUC ↑ | 0.7000 | 0.7100 |\n")
    base = {"fit_s": 1.0, "budget": 10, "status": "ok", "error": None}
    records = [dict(base, dataset="a", task="binary", metric="auc", score=0.905),
               dict(base, dataset="b", task="regression", metric="rmse", score=11.0),
               dict(base, dataset="c", task="binary", metric="auc", score=0.8),
               dict(base, dataset="d", task="binary", metric="auc", score=None,
                    status="error", error="fit exited with 1")]
    comparisons = {
        "a": {"metric": "auc", "a": 0.905, "b": 0.9001, "diff": 0.0049, "lower": 0.001,
              "upper": 0.009, "verdict": noise.BETTER},
        "b": {"metric": "rmse", "a": 11.0, "b": 10.0, "diff": -1.0, "lower": -1.5,
              "upper": -0.5, "verdict": noise.WORSE},
        "c": {"reason": "no predictions kept at x"},
    }

    text = report.summary(records, table, comparisons)

    assert "- a: better: AUC +0.0049 [+0.0010, +0.0090] (mlpilot 0.9050, LightGBM defaults " \
           "0.9001; peers.md 0.9000)" in text
    assert "- b: worse: RMSE -1.0000 [-1.5000, -0.5000] (mlpilot 11.0000, " \
           "LightGBM defaults 10.0000)" in text
    assert "- c: no verdict: no predictions kept at x" in text
    assert "- d: worse: mlpilot error" in text
    assert ("not worse than LightGBM defaults (paired bootstrap, 90 %): 1/3 "
            "(worse on: b, d; no verdict on: c)") in text
