"""--keep and --drop: checked against the data, and applied on top of the checks' choices."""

from __future__ import annotations

import pytest

from mlpilot.data.schema import infer_schema
from mlpilot.exceptions import SchemaError
from mlpilot.prep.cleaning import apply_findings, check_choices
from mlpilot.profile.checks import Finding


def test_unknown_target_or_contradictory_choices_are_refused():
    cols = ["a", "b", "y"]
    with pytest.raises(SchemaError, match="--keep names column 'aa'.*Did you mean 'a'"):
        check_choices(cols, "y", ["aa"], [])
    with pytest.raises(SchemaError, match="--drop names 'y', the target"):
        check_choices(cols, "y", [], ["y"])
    with pytest.raises(SchemaError, match="Column 'a' is given to both --keep and --drop"):
        check_choices(cols, "y", ["a"], ["a"])


def test_findings_drop_columns_unless_kept(make_table):
    df = make_table(n=50)
    schema = infer_schema(df, "y")
    findings = [Finding("leakage", "num", "predicts the target", "dropped", True),
                Finding("leakage", "cat", "predicts the target", "dropped", True),
                Finding("free_text", "note", "free text", "encoded")]
    cleaned, out = apply_findings(schema, findings, keep=["cat"], drop=["flag"])
    assert cleaned.column("num").dropped.startswith("leakage") and cleaned.column("cat").is_feature
    assert cleaned.column("flag").dropped == "user_drop: --drop" and cleaned.column("note").is_feature
    assert [f.action for f in out] == ["dropped", "kept, as --keep asks", "encoded", "dropped"]
