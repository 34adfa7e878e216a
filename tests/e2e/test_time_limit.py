"""The whole `mlpilot fit` command, process start to saved bundle, stays within the time limit + 5 %."""

import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest


@pytest.mark.slow
@pytest.mark.alone  # wall-clock time: another test on the same cores would stretch it
def test_fit_command_returns_within_the_time_limit(tmp_path):
    rng = np.random.default_rng(0)
    n = 40_000
    df = pd.DataFrame(rng.normal(size=(n, 30)), columns=[f"f{i}" for i in range(30)])
    df["group"] = rng.choice([f"g{i}" for i in range(50)], n)
    df["y"] = np.sin(df.f0 * 3) + df.f1 * df.f2 + rng.normal(scale=0.3, size=n) + (df.group == "g1")
    df.to_parquet(tmp_path / "train.parquet")
    limit = 8
    t0 = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "mlpilot", "fit", str(tmp_path / "train.parquet"), "--target", "y",
                          "--time-limit", str(limit), "--out", str(tmp_path / "model"), "--quiet"],
                         capture_output=True, text=True, timeout=120)
    wall = time.monotonic() - t0
    assert run.returncode == 0, run.stderr
    assert wall <= 1.05 * limit, f"fit took {wall:.2f} s for a {limit} s limit"
    assert (tmp_path / "model" / "manifest.json").is_file()
