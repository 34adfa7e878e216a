"""--deterministic: a budget of trials instead of the clock, so the same data and seed give the same model."""

import numpy as np
import pandas as pd

import mlpilot
from mlpilot.data.task import Task
from mlpilot.search.budget import Budget
from mlpilot.search.candidates import candidates_for
from mlpilot.search.presets import get_preset


def _frame(seed=0, n=400):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.choice(["x", "y", "z"], n), "c": rng.normal(size=n)})
    df["label"] = np.where(df.a + (df.b == "x") + 0.3 * rng.normal(size=n) > 0.4, "yes", "no")
    return df


def test_same_data_and_seed_give_identical_predictions():
    df = _frame()
    X = df.drop(columns=["label"])
    first = mlpilot.fit(df, "label", time_limit=0.01, preset="fast", seed=3, deterministic=True)
    second = mlpilot.fit(df, "label", time_limit=0.01, preset="fast", seed=3, deterministic=True)
    pd.testing.assert_frame_equal(first.predict_proba(X), second.predict_proba(X))
    # with a 0.01 s clock nothing would finish; a trial budget runs every candidate of the preset
    names = {c.name for c in candidates_for(get_preset("fast"), Task.BINARY)}
    assert names and names <= set(first.leaderboard().model)
    assert first.info["deterministic"] is True


def test_an_unlimited_budget_never_reserves_or_cuts():
    budget = Budget.starting_now(float("inf"))
    assert budget.unlimited and budget.hard_deadline is None
    assert budget.reserve(5.0) is budget
    assert Budget.starting_now(10).hard_deadline is not None
