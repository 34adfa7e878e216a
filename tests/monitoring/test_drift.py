"""Drift statistics against a reference profile: no alarm on a fresh sample of the same data, an alarm on a
shifted one, and none on too few rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlpilot.data.schema import infer_schema
from mlpilot.monitoring.drift import DriftThresholds, column_drift, feature_drift, psi
from mlpilot.profile.reference import reference_profile


@pytest.fixture(scope="module")
def reference():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"amount": rng.lognormal(3, 1, 5000), "city": rng.choice(["a", "b", "c", "d"], 5000,
                                                                                p=[0.4, 0.3, 0.2, 0.1])})
    return reference_profile(df, infer_schema(df))


def _live(n, seed, scale=1.0, p=(0.4, 0.3, 0.2, 0.1)):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"amount": rng.lognormal(3, 1, n) * scale, "city": rng.choice(["a", "b", "c", "d"], n, p=p)})


def test_psi_is_zero_for_equal_shares_and_grows_with_the_shift():
    base = np.array([0.25, 0.25, 0.25, 0.25])
    assert psi(base, base) == pytest.approx(0.0)
    assert 0 < psi(base, [0.3, 0.25, 0.25, 0.2]) < psi(base, [0.55, 0.25, 0.15, 0.05])


def test_a_fresh_sample_of_the_same_data_does_not_drift(reference):
    out = feature_drift(reference, _live(3000, 1), DriftThresholds())
    assert set(out) == {"amount", "city"}
    assert not any(d["drift"] for d in out.values())
    assert out["amount"]["test"] == "ks" and out["city"]["test"] == "chi2"
    assert out["amount"]["psi"] < 0.05 and out["amount"]["p_value"] > 0.01


def test_shifted_numbers_and_categories_drift(reference):
    out = feature_drift(reference, _live(3000, 2, scale=1.8, p=(0.1, 0.2, 0.3, 0.4)), DriftThresholds())
    assert out["amount"]["drift"] and out["amount"]["psi"] > 0.2 and out["amount"]["p_value"] < 1e-6
    assert out["city"]["drift"] and out["city"]["psi"] > 0.2


def test_too_few_rows_raise_no_alarm(reference):
    live = _live(40, 3, scale=3.0)
    d = column_drift(reference["columns"]["amount"], live["amount"], DriftThresholds(min_rows=100))
    assert d["psi"] > 0.2 and not d["drift"]


def test_unseen_categories_count_as_other(reference):
    live = pd.Series(["zzz"] * 500)
    d = column_drift(reference["columns"]["city"], live, DriftThresholds())
    assert d["drift"] and d["psi"] > 1
