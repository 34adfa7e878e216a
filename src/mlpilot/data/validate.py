"""Check new data against a trained model's Schema before predicting."""

from __future__ import annotations

import pandas as pd

from mlpilot.data.schema import ColumnKind, Schema, parse_datetime_strings, parse_numeric_strings
from mlpilot.exceptions import SchemaError

__all__ = ["check_columns", "check_frame"]

_BOOL_STRINGS = {"true", "false", "1", "0", "yes", "no", "t", "f", "y", "n", "1.0", "0.0"}


def check_columns(df: pd.DataFrame, schema: Schema, source: str = "the data") -> None:
    """Raise SchemaError if ``df`` lacks a feature column or repeats a column name."""
    dupes = df.columns[df.columns.duplicated()].unique().tolist()
    if dupes:
        raise SchemaError(f"Column {dupes[0]!r} appears more than once in {source}; column names must be "
                          "unique. Rename or remove the duplicate.")
    missing = [c.name for c in schema.features if c.name not in df.columns]
    if missing:
        more = f" (and {len(missing) - 1} more: {', '.join(missing[1:4])})" if len(missing) > 1 else ""
        raise SchemaError(f"Column '{missing[0]}'{more} is missing from {source}, but the model was trained "
                          "with it. Add the column (values may be empty) and try again.")


def _bad_example(raw: pd.Series, parsed: pd.Series) -> object | None:
    bad = raw.notna() & parsed.isna()
    return raw[bad].iloc[0] if bad.any() else None


def _check_column(s: pd.Series, kind: ColumnKind, name: str, source: str) -> None:
    if kind is ColumnKind.NUMERIC and not pd.api.types.is_numeric_dtype(s):
        bad = _bad_example(s, parse_numeric_strings(s))
        if bad is not None:
            raise SchemaError(f"Column '{name}' in {source} has the value {bad!r}, but the model was trained "
                              "on numbers. Send a number or leave the value empty.")
    elif kind is ColumnKind.DATETIME and not pd.api.types.is_datetime64_any_dtype(s):
        if pd.api.types.is_numeric_dtype(s) and s.notna().any():
            raise SchemaError(f"Column '{name}' in {source} holds numbers, but the model was trained on dates. "
                              "Send dates as text such as '2024-01-31' or '2024-01-31T12:00:00'.")
        bad = _bad_example(s, parse_datetime_strings(s))
        if bad is not None:
            raise SchemaError(f"Column '{name}' in {source} has the value {bad!r}, which is not a date. "
                              "Send dates such as '2024-01-31' or leave the value empty.")
    elif kind is ColumnKind.BOOLEAN and not (pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s)):
        text = s.dropna().astype(str).str.strip().str.lower()
        bad = text[~text.isin(_BOOL_STRINGS)]
        if len(bad):
            raise SchemaError(f"Column '{name}' in {source} has the value {bad.iloc[0]!r}, but the model was "
                              "trained on true/false values. Send true or false.")


def check_frame(df: pd.DataFrame, schema: Schema, source: str = "the data") -> None:
    """Raise SchemaError naming the first column of ``df`` that does not fit ``schema``."""
    check_columns(df, schema, source)
    for col in schema.features:
        _check_column(df[col.name], col.kind, col.name, source)
