"""Check new data against a trained model's Schema before predicting."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlpilot.data.schema import (SMALL_BATCH, Column, ColumnKind, Schema, parse_datetime_strings, parse_numeric_strings,
                                 parse_numeric_values)
from mlpilot.exceptions import SchemaError

__all__ = ["check_unique_columns", "check_columns", "check_frame", "check_target_column"]

_BOOL_STRINGS = {"true", "false", "1", "0", "yes", "no", "t", "f", "y", "n", "1.0", "0.0"}


def check_unique_columns(df: pd.DataFrame, source: str = "the data") -> None:
    """Raise SchemaError if ``df`` repeats a column name."""
    dupes = df.columns[df.columns.duplicated()].unique().tolist()
    if dupes:
        raise SchemaError(f"Column '{dupes[0]}' appears more than once in {source}; column names must be "
                          "unique. Rename or remove the duplicate.")


def check_columns(df: pd.DataFrame, schema: Schema, source: str = "the data") -> None:
    """Raise SchemaError if ``df`` lacks a feature column or repeats a column name."""
    check_unique_columns(df, source)
    missing = [c.name for c in schema.features if c.name not in df.columns]
    if missing:
        more = f" (and {len(missing) - 1} more: {', '.join(missing[1:4])})" if len(missing) > 1 else ""
        raise SchemaError(f"Column '{missing[0]}'{more} is missing from {source}, but the model was trained "
                          "with it. Add the column (values may be empty) and try again.")


def _bad_value(s: pd.Series, bad: pd.Series) -> str | None:
    """'the value 'abc' (row 3, and 2 more rows)' for the first bad value of ``s``, or None if none is bad."""
    positions = np.flatnonzero(bad.to_numpy(dtype=bool))
    if len(positions) == 0:
        return None
    value = s.iloc[positions[0]]
    value = value.item() if isinstance(value, np.generic) else value
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    more = f", and {len(positions) - 1} more row{'s' * (len(positions) > 2)}" if len(positions) > 1 else ""
    return f"the value {shown} (row {positions[0] + 1}{more})"


def _check_column(s: pd.Series, col: Column, source: str) -> None:
    kind, name = col.kind, col.name
    if kind is ColumnKind.NUMERIC and not pd.api.types.is_numeric_dtype(s):
        failed = s.notna() & col.parse_numbers(s).isna()
        if col.missing_values and failed.any():  # the texts that meant "missing" in training mean it here too
            failed &= ~s.astype(str).str.strip().isin(col.missing_values)
        bad = _bad_value(s, failed)
        if bad is not None:
            form = "" if col.number_format is None else f" (written like '{col.number_format.example()}')"
            markers = f" (or {', '.join(repr(v) for v in col.missing_values[:3])})" if col.missing_values else ""
            raise SchemaError(f"Column '{name}' in {source} has {bad}, but the model was trained on numbers{form}. "
                              f"Send numbers, or leave a value empty{markers} if it is unknown.")
    elif kind is ColumnKind.DATETIME and not pd.api.types.is_datetime64_any_dtype(s):
        if pd.api.types.is_numeric_dtype(s) and s.notna().any():
            raise SchemaError(f"Column '{name}' in {source} holds numbers ({s.dtype}), but the model was trained "
                              "on dates. Send dates as text such as '2024-01-31' or '2024-01-31T12:00:00'.")
        bad = _bad_value(s, s.notna() & parse_datetime_strings(s).isna())
        if bad is not None:
            raise SchemaError(f"Column '{name}' in {source} has {bad}, which is not a date, but the model was "
                              "trained on dates. Send dates such as '2024-01-31', or leave a value empty.")
    elif kind is ColumnKind.BOOLEAN and not (pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s)):
        text = s.astype("string").str.strip().str.lower()
        bad = _bad_value(s, s.notna() & ~text.isin(_BOOL_STRINGS).fillna(False))
        if bad is not None:
            raise SchemaError(f"Column '{name}' in {source} has {bad}, but the model was trained on true/false "
                              "values. Send true/false (or 1/0, yes/no), or leave a value empty.")


def check_frame(df: pd.DataFrame, schema: Schema, source: str = "the data") -> None:
    """Raise SchemaError naming the first column of ``df`` that does not fit ``schema``."""
    check_columns(df, schema, source)
    dtypes = dict(zip(df.columns, df.dtypes))  # one call: df[name] costs ~25 us a column
    todo = [col for col in schema.features if not _fits_by_dtype(dtypes[col.name], col.kind)]
    if len(df) <= SMALL_BATCH:
        todo = _numbers_in_text_that_fail(df, todo)
    for col in todo:
        _check_column(df[col.name], col, source)


def _numbers_in_text_that_fail(df: pd.DataFrame, cols: list) -> list:
    """For a few rows: numeric columns sent as text, read in one call, checked in plain Python;
    returns ``cols`` less the numeric columns whose values all read as numbers."""
    numeric = [c for c in cols if c.kind is ColumnKind.NUMERIC]
    if not numeric:
        return cols
    raw = df[[c.name for c in numeric]].to_numpy(dtype=object)
    parsed = parse_numeric_values(raw)
    failed = {c.name for j, c in enumerate(numeric) if (np.isnan(parsed[:, j]) & ~pd.isna(raw[:, j])).any()}
    return [c for c in cols if c.kind is not ColumnKind.NUMERIC or c.name in failed]


def _fits_by_dtype(dtype, kind: ColumnKind) -> bool:
    """Whether every value of a column of this dtype fits ``kind`` (no need to look at the values)."""
    numeric = pd.api.types.is_numeric_dtype(dtype)
    if kind is ColumnKind.NUMERIC:
        return numeric
    if kind is ColumnKind.DATETIME:
        return pd.api.types.is_datetime64_any_dtype(dtype)
    if kind is ColumnKind.BOOLEAN:
        return numeric or pd.api.types.is_bool_dtype(dtype)
    return True  # categorical, text: any value is a category or a text


def check_target_column(df: pd.DataFrame, schema: Schema, source: str = "the data", numeric: bool = False) -> None:
    """Raise SchemaError unless ``df`` holds the target with at least one known value (numbers if ``numeric``).

    For evaluation data: the true values the predictions are scored against.
    """
    name = schema.target
    if name not in df.columns:
        raise SchemaError(f"Column '{name}' (the target) is missing from {source}; scoring compares predictions "
                          "with the true values, so add that column.")
    y = df[name]
    if isinstance(y, pd.DataFrame):
        raise SchemaError(f"Column '{name}' appears more than once in {source}; column names must be unique. "
                          "Rename or remove the duplicate.")
    if not y.notna().any():
        raise SchemaError(f"Column '{name}' (the target) in {source} has no known value: all {len(y)} are "
                          "missing. Give rows whose true value is known.")
    if numeric and not pd.api.types.is_numeric_dtype(y):
        bad = _bad_value(y, y.notna() & parse_numeric_strings(y).isna())
        if bad is not None:
            raise SchemaError(f"Column '{name}' (the target) in {source} has {bad}, but the model predicts "
                              "numbers. Give numbers, or leave a value empty to skip that row.")
