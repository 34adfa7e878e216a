"""Shared fixtures: a seeded mixed-type table, a runner for the real CLI, a small trained bundle."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

CLI_TIMEOUT_S = 120
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))  # for `from clinic_visits import ...`
from clinic_visits import clinic_visits as planted_table  # noqa: E402  (a table with planted data problems)


def mixed_table(n: int = 300, seed: int = 0, task: str = "binary") -> pd.DataFrame:
    """Numeric, categorical, boolean, date (as text) and free-text features plus a target ``y``.

    ``task`` picks the target: binary ('yes'/'no'), multiclass ('a'/'b'/'c') or regression (floats).
    """
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "num": rng.normal(size=n).round(4),
            "cat": rng.choice(["red", "green", "blue"], n),
            "flag": rng.random(n) > 0.5,
            "when": pd.date_range("2021-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "note": [f"item {rng.choice(['fast', 'slow', 'big'])} with {i % 7} parts" for i in range(n)],
        }
    )
    signal = df["num"] + (df["cat"] == "red") + 0.5 * df["flag"] + rng.normal(scale=0.3, size=n)
    if task == "binary":
        df["y"] = np.where(signal > 0.6, "yes", "no")
    elif task == "multiclass":
        df["y"] = pd.cut(signal, [-np.inf, 0.0, 1.0, np.inf], labels=["a", "b", "c"]).astype(str)
    else:
        df["y"] = (3 * signal + 10).round(3)
    return df


@pytest.fixture(scope="session")
def make_planted() -> Callable[..., pd.DataFrame]:
    """The :func:`planted_table` factory: a table with planted data problems."""
    return planted_table


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess]:
    """Run ``python -m mlpilot ARGS...`` in ``cwd``; returns the completed process (text output)."""

    def run(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
        env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
        env.pop("MLPILOT_DEBUG", None)
        return subprocess.run([sys.executable, "-m", "mlpilot", *map(str, args)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=CLI_TIMEOUT_S)

    return run


@pytest.fixture(scope="session")
def binary_bundle(tmp_path_factory, run_cli) -> tuple[Path, Path]:
    """(bundle dir, training csv) of one small binary model trained once per session. Do not modify it."""
    root = tmp_path_factory.mktemp("binary_bundle")
    train = root / "train.csv"
    mixed_table().to_csv(train, index=False)
    run = run_cli("fit", train, "--target", "y", "--time-limit", 10, "--preset", "fast", "--quiet",
                  "--out", root / "model")
    assert run.returncode == 0, run.stderr
    return root / "model", train


@pytest.fixture(scope="session")
def make_table() -> Callable[..., pd.DataFrame]:
    """The :func:`mixed_table` factory, for tests that need their own variant of the table."""
    return mixed_table


@pytest.fixture
def chromium_dom(tmp_path) -> Callable[[Path], str]:
    """Open a page in headless Chromium and return its DOM once its scripts ran (skips without Chromium,
    fails instead where MLPILOT_REQUIRE_CHROMIUM is set, as in CI)."""
    import shutil

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("MLPILOT_REQUIRE_CHROMIUM"):
            pytest.fail("MLPILOT_REQUIRE_CHROMIUM is set but no chromium is installed")
        pytest.skip("chromium is not installed (Debian package 'chromium'; `make test` installs it where it can)")

    def dom(page: Path) -> str:
        run = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                              "--disable-background-networking", "--disable-component-update", "--disable-sync",
                              f"--user-data-dir={tmp_path / 'chrome'}", "--virtual-time-budget=20000",
                              "--window-size=1400,1000", "--dump-dom", page.as_uri()],
                             capture_output=True, text=True, timeout=120)
        assert run.stdout, run.stderr[-2000:]
        return run.stdout

    return dom
