import json

import numpy as np
import pandas as pd

from mlpilot.data.schema import infer_schema
from mlpilot.prep.preprocessor import TablePreprocessor


def _frame(n=120, seed=1):
    rng = np.random.default_rng(seed)
    words = np.array(["cheap", "great", "awful", "fine", "slow", "fast", "nice"])
    return pd.DataFrame({
        "x": rng.normal(size=n),
        "cat": rng.choice(["a", "b", "c"], n),
        "flag": rng.choice(["yes", "no"], n),
        "when": pd.date_range("2022-03-01", periods=n, freq="h"),
        "note": [" ".join(rng.choice(words, 5)) for _ in range(n)],
    })


def test_transform_gives_floats_with_nan_for_missing_and_codes_for_categories():
    df = _frame()
    pre = TablePreprocessor(infer_schema(df)).fit(df)
    X = pre.transform(df)
    assert X.shape[0] == len(df)
    assert X.shape[1] == len(pre.feature_names_) == len(pre.source_columns_)
    (pos, card), = [(p, c) for p, c in pre.categorical_.items() if pre.source_columns_[p] == "cat"]
    assert card == 4  # three levels + the shared code for rare/unseen values
    assert set(np.unique(X[:, pos])) <= {0.0, 1.0, 2.0}
    new = df.head(3).copy()
    new.loc[0, "cat"] = "never-seen"
    new.loc[1, "cat"] = None
    new.loc[2, "x"] = np.nan
    Y = pre.transform(new)
    assert Y[0, pos] == 3.0 and np.isnan(Y[1, pos])
    assert np.isnan(Y[2, pre.feature_names_.index("x")])


def test_datetime_parts_and_text_terms_are_features():
    df = _frame()
    pre = TablePreprocessor(infer_schema(df)).fit(df)
    names = pre.feature_names_
    assert {"when.year", "when.month", "when.hour", "when.days"} <= set(names)
    assert "note.words" in names and any(n.startswith("note[") for n in names)
    X = pre.transform(df)
    assert X[1, names.index("when.hour")] == 1.0


def test_state_round_trips_through_json_with_identical_output():
    df = _frame()
    pre = TablePreprocessor(infer_schema(df)).fit(df)
    again = TablePreprocessor.from_dict(pre.schema, json.loads(json.dumps(pre.to_dict())))
    np.testing.assert_array_equal(pre.transform(df), again.transform(df))


def test_a_few_rows_and_many_rows_are_prepared_alike():
    """Small batches read numeric columns (stored as numbers or as text) in one call per kind;
    the result must match the per-column path that large batches take."""
    from mlpilot.data.schema import SMALL_BATCH, infer_schema
    from mlpilot.prep.preprocessor import TablePreprocessor

    rng = np.random.default_rng(0)
    n = 3 * SMALL_BATCH
    df = pd.DataFrame({"a": rng.normal(size=n), "t": [str(v) for v in rng.integers(0, 50, n)],
                       "c": rng.choice(["x", "y"], n), "b": rng.normal(size=n),
                       "u": [f"{v:.2f}" for v in rng.normal(size=n)], "y": rng.integers(0, 2, n)})
    df.loc[3, "t"] = None
    df.loc[5, "u"] = "n/a"  # not a number: NaN on both paths
    schema = infer_schema(df, "y")
    assert [c.kind.value for c in schema.features] == ["numeric", "numeric", "categorical", "numeric", "numeric"]
    X = df.drop(columns="y")
    pre = TablePreprocessor(schema).fit(X)
    whole = pre.transform(X)
    pieces = np.vstack([pre.transform(X.iloc[i:i + 7]) for i in range(0, n, 7)])
    np.testing.assert_array_equal(np.isnan(whole), np.isnan(pieces))
    np.testing.assert_allclose(np.nan_to_num(whole), np.nan_to_num(pieces))
    assert np.isnan(whole[3, 1]) and np.isnan(whole[5, 4])
