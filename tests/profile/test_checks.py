"""The data checks on a table with planted problems: each is found, with the action fit takes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlpilot.pipeline import examine, report
from mlpilot.data.task import Task
from mlpilot.profile.checks import near_constant
from mlpilot.data.schema import infer_schema


def _by_column(findings) -> dict[tuple[str, str | None], object]:
    return {(f.code, f.column): f for f in findings}


@pytest.fixture(scope="module")
def binary_findings(make_planted):
    df = make_planted(task="binary")
    y = (df["diagnosis"] == "sick").to_numpy(dtype=int)
    schema, findings, check = examine(df, "diagnosis", Task.BINARY, y)
    return schema, _by_column(findings), check


@pytest.mark.parametrize("code, column, dropped", [
    ("identifier", "patient_id", True),
    ("constant", "site", True),
    ("duplicate_column", "marker_copy", True),
    ("leakage", "lab_result", True),
    ("near_constant", "rare_flag", True),
    ("date_strings", "visit_date", False),
    ("formatted_numbers", "income", False),
    ("formatted_numbers", "weight", False),
    ("mixed_types", "pressure", False),
    ("free_text", "notes", False),
    ("duplicate_rows", None, False),
])
def test_each_planted_problem_is_found_with_its_action(binary_findings, code, column, dropped):
    schema, findings, _ = binary_findings
    finding = findings[(code, column)]
    assert finding.drop is dropped
    assert finding.reason and finding.action
    if column is not None:
        assert schema.column(column).is_feature is (not dropped)
        assert (column in finding.line()) and (finding.action in finding.line())


def test_real_signal_is_kept_and_not_called_a_leak(binary_findings):
    schema, findings, check = binary_findings
    for name in ("blood_marker", "fitness", "risk_group", "income", "weight", "pressure", "visit_date", "postcode", "notes"):
        assert schema.column(name).is_feature, name
    assert not [f for f in findings.values() if f.code == "leakage" and f.column != "lab_result"]
    assert 0.1 < check.power["blood_marker"] < 0.9
    assert check.power["lab_result"] > 0.9


def test_rows_entered_twice_are_found_without_the_identifier(binary_findings, make_planted):
    _, findings, check = binary_findings
    n = len(make_planted())
    finding = findings[("duplicate_rows", None)]
    assert finding.reason.startswith("25 rows") and "share one cross-validation fold" in finding.action
    assert check.duplicates == 25
    repeated = np.flatnonzero(check.copies != np.arange(n))
    assert repeated.tolist() == list(range(n - 25, n)) and check.copies[repeated].tolist() == list(range(25))


def test_rows_that_repeat_by_nature_are_kept():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"a": rng.integers(0, 3, 500), "b": rng.choice(["x", "y"], 500)})
    df["y"] = (df["a"] + (df["b"] == "x") + rng.integers(0, 2, 500) > 2).astype(int)
    _, findings, check = examine(df, "y", Task.BINARY, df["y"].to_numpy())
    finding = _by_column(findings)[("duplicate_rows", None)]
    assert finding.action.startswith("kept as they are") and check.duplicates > 400 and check.copies is None


def test_a_noisy_copy_of_a_numeric_target_is_a_leak(make_planted):
    df = make_planted(task="regression")
    y = df["cost"].to_numpy(dtype=float)
    schema, findings, _ = examine(df, "cost", Task.REGRESSION, y)
    found = _by_column(findings)
    assert found[("leakage", "cost_billed")].drop
    assert not schema.column("cost_billed").is_feature
    assert schema.column("blood_marker").is_feature and ("leakage", "blood_marker") not in found


def test_a_strong_feature_with_many_values_is_not_a_leak():
    """Like mushroom's odor: most values pure, one mixed; 97 % of rows right, and legitimately so."""
    rng = np.random.default_rng(4)
    n = 5000
    odor = rng.integers(0, 9, n)
    y = (odor >= 5).astype(int)
    mixed = (odor == 0) & (rng.random(n) < 0.25)
    y[mixed] = 1
    df = pd.DataFrame({"odor": np.array(list("abcdefghi"))[odor], "y": y})
    schema, findings, check = examine(df, "y", Task.BINARY, y)
    assert 0.9 < check.power["odor"] < 0.98
    assert schema.column("odor").is_feature and [f.code for f in findings] == ["duplicate_rows"]


def test_near_constant_column_is_kept_when_enough_rare_rows_predict_the_target():
    rng = np.random.default_rng(1)
    n = 4000
    rare = np.zeros(n, dtype=bool)
    rare[:15] = True
    y = np.where(rare, 1, (rng.random(n) < 0.1).astype(int))
    df = pd.DataFrame({"alarm": np.where(rare, "on", "off"), "noise": rng.normal(size=n), "y": y})
    findings = near_constant(df, infer_schema(df, "y"), y, True)
    assert len(findings) == 1 and not findings[0].drop and "p =" in findings[0].action


def test_high_cardinality_categories_are_reported():
    rng = np.random.default_rng(2)
    n = 3000
    df = pd.DataFrame({"city": [f"town-{v}" for v in rng.integers(0, 800, n)], "v": rng.normal(size=n)})
    df["y"] = (df["v"] > 0).astype(int)
    schema, findings, _ = examine(df, "y", Task.BINARY, df["y"].to_numpy())
    found = _by_column(findings)
    assert ("high_cardinality", "city") in found and schema.column("city").is_feature


def test_mixed_python_types_in_a_column_are_reported():
    df = pd.DataFrame({"code": [1, "b", 2, "c"] * 30, "v": np.arange(120.0) % 7, "y": [0, 1] * 60})
    _, findings, _ = examine(df, "y", Task.BINARY, df["y"].to_numpy())
    assert ("mixed_types", "code") in _by_column(findings)


def test_keep_and_drop_override_the_checks(make_planted):
    df = make_planted()
    y = (df["diagnosis"] == "sick").to_numpy(dtype=int)
    schema, findings, _ = examine(df, "diagnosis", Task.BINARY, y, keep=["lab_result", "patient_id"], drop=["fitness"])
    assert schema.column("lab_result").is_feature and schema.column("patient_id").is_feature
    assert not schema.column("fitness").is_feature
    found = _by_column(findings)
    assert found[("leakage", "lab_result")].action == "kept, as --keep asks"
    assert found[("user_drop", "fitness")].drop


def test_report_without_target_has_no_associations(make_planted):
    profile = report(make_planted().drop(columns=["diagnosis", "lab_result"]))
    assert profile.target is None and all(c.power is None for c in profile.columns)
    codes = {f["code"] for f in profile.findings}
    assert {"identifier", "constant", "duplicate_rows", "formatted_numbers"} <= codes
    assert "leakage" not in codes


def test_report_with_test_counts_rows_seen_in_training(make_planted):
    df = make_planted()
    test = pd.concat([df.iloc[100:140], make_planted(n=60, seed=9)], ignore_index=True)
    profile = report(df, "diagnosis", test=test)
    assert profile.overlap["n_test_rows"] == 40 + 60 + 25  # the planted table repeats 25 rows
    assert profile.overlap["n_in_train"] == 40
    assert profile.columns[0].role == "target" and profile.columns[0].plot["type"] == "bars"
