"""Tests of mlpilot.data.validate: new data checked against a trained model's Schema."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlpilot.data.schema import Column, ColumnKind, Schema
from mlpilot.data.validate import check_columns, check_frame, check_target_column
from mlpilot.exceptions import SchemaError

SCHEMA = Schema(
    (
        Column("age", ColumnKind.NUMERIC, "number"),
        Column("city", ColumnKind.CATEGORICAL, "string"),
        Column("member", ColumnKind.BOOLEAN, "bool"),
        Column("joined", ColumnKind.DATETIME, "string"),
        Column("review", ColumnKind.TEXT, "string"),
        Column("row_id", ColumnKind.IDENTIFIER, "number", dropped="identifier: a running row number"),
        Column("country", ColumnKind.CATEGORICAL, "string", dropped="constant: a single value in every row"),
    ),
    target="churn",
    target_dtype="string",
)


def _rows(n: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "city": rng.choice(["Paris", "Lyon"], n),
            "member": rng.random(n) > 0.5,
            "joined": pd.date_range("2023-03-01", periods=n, freq="W").strftime("%Y-%m-%d"),
            "review": ["good value for the money"] * n,
        }
    )


def test_valid_rows_pass():
    check_frame(_rows(), SCHEMA, "data file 'new.csv'")


def test_extra_columns_the_target_and_dropped_columns_are_accepted():
    df = _rows().assign(churn="no", comment="not a feature", row_id=range(6))
    check_frame(df, SCHEMA)  # row_id and country were not features: neither is required


def test_values_stored_as_text_are_accepted_when_they_parse():
    df = _rows().astype({"age": str})
    df["member"] = ["yes", "no", "TRUE", "0", None, " f "]
    df.loc[2, "age"] = None
    check_frame(df, SCHEMA)


def test_empty_values_are_accepted_in_every_kind():
    df = pd.DataFrame({name: [None, None] for name in ["age", "city", "member", "joined", "review"]})
    check_frame(df, SCHEMA)


def test_missing_column_is_named_with_the_source():
    with pytest.raises(SchemaError, match=r"Column 'city' is missing from data file 'new\.csv', but the model was "
                                          r"trained with it\. Add the column"):
        check_frame(_rows().drop(columns=["city"]), SCHEMA, "data file 'new.csv'")


def test_several_missing_columns_are_counted():
    with pytest.raises(SchemaError, match=r"Column 'age' \(and 2 more: city, joined\) is missing from the data"):
        check_columns(_rows().drop(columns=["age", "city", "joined"]), SCHEMA)


def test_duplicated_columns_are_refused():
    df = pd.concat([_rows(), _rows()[["city"]]], axis=1)
    with pytest.raises(SchemaError, match=r"Column 'city' appears more than once in the request; column names must "
                                          r"be unique"):
        check_frame(df, SCHEMA, "the request")


def test_text_in_a_numeric_column_names_the_value_and_row():
    df = _rows().astype({"age": object})
    df.loc[3, "age"] = "forty"
    df.loc[5, "age"] = "old"
    with pytest.raises(SchemaError, match=r"Column 'age' in the data has the value 'forty' \(row 4, and 1 more row\), "
                                          r"but the model was trained on numbers"):
        check_frame(df, SCHEMA)


def test_text_that_is_not_a_date_is_refused():
    df = _rows()
    df.loc[0, "joined"] = "last tuesday"
    with pytest.raises(SchemaError, match=r"Column 'joined' in the data has the value 'last tuesday' \(row 1\), which "
                                          r"is not a date"):
        check_frame(df, SCHEMA)


def test_numbers_in_a_date_column_are_refused():
    with pytest.raises(SchemaError, match=r"Column 'joined' in the data holds numbers \(int64\), but the model was "
                                          r"trained on dates"):
        check_frame(_rows().assign(joined=20240131), SCHEMA)


def test_real_dates_are_accepted_in_a_date_column():
    check_frame(_rows().assign(joined=pd.Timestamp("2024-01-31")), SCHEMA)


def test_text_in_a_boolean_column_is_refused():
    df = _rows().astype({"member": object})
    df.loc[2, "member"] = "maybe"
    with pytest.raises(SchemaError, match=r"Column 'member' in the data has the value 'maybe' \(row 3\), but the "
                                          r"model was trained on true/false values"):
        check_frame(df, SCHEMA)


def test_numbers_are_accepted_in_a_boolean_column():
    check_frame(_rows().assign(member=[1, 0, 1, 0, 1, 0]), SCHEMA)


def test_a_long_bad_value_is_shortened():
    df = _rows().astype({"age": object})
    df.loc[0, "age"] = "x" * 500
    with pytest.raises(SchemaError) as info:
        check_frame(df, SCHEMA)
    assert "x" * 30 in str(info.value) and "x" * 100 not in str(info.value)


def test_schema_errors_are_value_errors():
    with pytest.raises(ValueError, match="missing"):
        check_frame(_rows().drop(columns=["age"]), SCHEMA)


def test_target_column_with_known_values_passes():
    check_target_column(_rows().assign(churn=["yes", None, "no", "no", "yes", None]), SCHEMA)
    check_target_column(_rows().assign(churn=["1.5", "2", None, "3", "4", "5"]), SCHEMA, numeric=True)


def test_target_column_missing_is_named():
    with pytest.raises(SchemaError, match=r"Column 'churn' \(the target\) is missing from data file 'test\.csv'"):
        check_target_column(_rows(), SCHEMA, "data file 'test.csv'")


def test_target_column_without_known_values_is_refused():
    with pytest.raises(SchemaError, match=r"Column 'churn' \(the target\) in the data has no known value: all 6 "):
        check_target_column(_rows().assign(churn=None), SCHEMA)


def test_target_column_with_text_for_a_numeric_model_is_refused():
    df = _rows().assign(churn=["1", "2", "3", "n/a", "5", "6"])
    with pytest.raises(SchemaError, match=r"has the value 'n/a' \(row 4\), but the model predicts numbers"):
        check_target_column(df, SCHEMA, numeric=True)
    check_target_column(df, SCHEMA)  # any label is fine for classification


def test_a_few_rows_with_numbers_as_text_are_checked_column_by_column():
    from mlpilot.data.schema import infer_schema
    from mlpilot.data.validate import check_frame

    df = pd.DataFrame({"a": ["1.5", "2", "3"] * 10, "b": ["4", "5", "6"] * 10, "y": [0, 1, 1] * 10})
    schema = infer_schema(df, "y")
    check_frame(pd.DataFrame({"a": ["7"], "b": [None]}), schema)  # numbers as text, and a missing value: fine
    with pytest.raises(SchemaError, match="Column 'b' .* the value 'abc' \\(row 2\\)"):
        check_frame(pd.DataFrame({"a": ["7", "8"], "b": ["1", "abc"]}), schema)
