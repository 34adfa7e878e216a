import numpy as np
import pandas as pd

from mlpilot.data.schema import ColumnKind, Schema, infer_schema


def _table(n=200, seed=0):
    rng = np.random.default_rng(seed)
    words = np.array(["alpha", "beta", "gamma", "delta", "red", "green", "blue", "fast", "slow"])
    return pd.DataFrame({
        "customer_id": np.arange(1000, 1000 + n),
        "row": np.arange(n),
        "code": [f"C{i:05d}" for i in rng.permutation(n)],
        "age": rng.normal(40, 10, n).round(1),
        "visits": rng.integers(0, 5, n),
        "city": rng.choice(["paris", "lyon", "nice"], n),
        "member": rng.choice([True, False], n),
        "joined": pd.date_range("2020-01-01", periods=n, freq="D"),
        "joined_text": pd.date_range("2021-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        "amount_text": rng.integers(0, 1000, n).astype(str),
        "review": [" ".join(rng.choice(words, 6)) for _ in range(n)],
        "constant": 7,
        "empty": np.nan,
        "y": rng.integers(0, 2, n),
    })


def test_infer_schema_recognises_every_kind():
    schema = infer_schema(_table(), target="y")
    kinds = {c.name: c.kind for c in schema.columns}
    assert kinds["customer_id"] is ColumnKind.IDENTIFIER
    assert kinds["row"] is ColumnKind.IDENTIFIER
    assert kinds["code"] is ColumnKind.IDENTIFIER
    assert kinds["age"] is ColumnKind.NUMERIC
    assert kinds["visits"] is ColumnKind.NUMERIC
    assert kinds["city"] is ColumnKind.CATEGORICAL
    assert kinds["member"] is ColumnKind.BOOLEAN
    assert kinds["joined"] is ColumnKind.DATETIME
    assert kinds["joined_text"] is ColumnKind.DATETIME
    assert kinds["amount_text"] is ColumnKind.NUMERIC
    assert kinds["review"] is ColumnKind.TEXT
    assert "y" not in kinds
    assert schema.target == "y"


def test_identifiers_and_constants_are_not_features_and_say_why():
    schema = infer_schema(_table(), target="y")
    dropped = {c.name: c.dropped for c in schema.columns if not c.is_feature}
    assert set(dropped) == {"customer_id", "row", "code", "constant", "empty"}
    assert dropped["constant"].startswith("constant")
    assert dropped["customer_id"].startswith("identifier")


def test_schema_round_trips_through_a_dict():
    schema = infer_schema(_table(), target="y")
    again = Schema.from_dict(schema.to_dict())
    assert again == schema
    assert [c.name for c in again.features] == [c.name for c in schema.features]


def test_numbers_in_strings_parse_the_same_for_one_row_and_for_many():
    from mlpilot.data.schema import SMALL_BATCH, parse_numeric_strings

    values = [" 1.5", "2", "1e3", "-0.25", "1,000", "1_000", "abc", None, "nan", "inf", "", "7 "]
    many = pd.Series(values * (SMALL_BATCH // len(values) + 2), dtype=object)
    assert len(many) > SMALL_BATCH
    fast = pd.concat([parse_numeric_strings(many.iloc[i:i + 1]) for i in range(len(values))])
    slow = parse_numeric_strings(many).iloc[:len(values)]
    pd.testing.assert_series_equal(fast, slow, check_names=False)
