"""--max-latency-ms: only ensembles that predict one row within the limit."""

import numpy as np
import pandas as pd
import pytest

import mlpilot
from mlpilot.exceptions import ConfigError


def _frame(n=600, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"x{i}" for i in range(6)])
    df["label"] = np.where(df.x0 + df.x1 ** 2 + 0.5 * rng.normal(size=n) > 1, "yes", "no")
    return df


def test_every_fit_records_its_single_row_latency():
    model = mlpilot.fit(_frame(), "label", time_limit=8, preset="fast")
    assert 0 < model.info["latency_ms"] < 1000
    assert model.info["max_latency_ms"] is None


def test_a_latency_limit_keeps_the_members_within_it(caplog):
    df = _frame()
    free = mlpilot.fit(df, "label", time_limit=8, seed=1)
    limit = free.info["latency_ms"] * 0.9  # less than the unconstrained ensemble took
    capped = mlpilot.fit(df, "label", time_limit=8, seed=1, max_latency_ms=limit)
    assert capped.info["max_latency_ms"] == limit
    board = capped.leaderboard().set_index("model")
    assert 0 < board.loc[[m.name for m in capped.members], "latency_ms"].sum() <= limit
    tight = mlpilot.fit(df, "label", time_limit=8, seed=1, max_latency_ms=0.0001)
    board = tight.leaderboard().set_index("model").drop(index="ensemble", errors="ignore")
    assert [m.name for m in tight.members] == [board.latency_ms.idxmin()]  # nothing meets it: the fastest alone
    assert "more than --max-latency-ms" in caplog.text


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "5"])
def test_a_bad_latency_limit_is_refused(bad):
    with pytest.raises(ConfigError, match="--max-latency-ms"):
        mlpilot.fit(_frame(), "label", time_limit=8, max_latency_ms=bad)
