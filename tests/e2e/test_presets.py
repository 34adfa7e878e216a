"""`--preset best` tries every model family and still ends within the time limit."""

import subprocess
import sys
import time

import pytest
from sklearn.datasets import load_breast_cancer

import mlpilot


@pytest.mark.slow
def test_best_preset_tries_many_families_within_the_limit(tmp_path):
    frame = load_breast_cancer(as_frame=True).frame
    frame.to_csv(tmp_path / "train.csv", index=False)
    limit = 40
    t0 = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "mlpilot", "fit", str(tmp_path / "train.csv"), "--target", "target",
                          "--preset", "best", "--time-limit", str(limit), "--out", str(tmp_path / "model"),
                          "--quiet"], capture_output=True, text=True, timeout=300)
    wall = time.monotonic() - t0
    assert run.returncode == 0, run.stderr
    assert wall <= 1.05 * limit, f"fit took {wall:.1f} s for a {limit} s limit"
    board = mlpilot.load(tmp_path / "model").leaderboard()
    families = set(board.family) - {"ensemble"}
    assert {"lightgbm", "catboost", "xgboost", "extra_trees", "linear"} <= families, families
    assert board.iloc[0]["val_auc"] > 0.97
