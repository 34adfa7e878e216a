"""The Schema: what each column of a training table is, kept with the model.

Column kinds drive preprocessing (how a column is encoded) and validation (what a
prediction request must contain). Inference looks at the values, not only the dtype,
so that dates and numbers stored as strings, free text and identifiers are recognised.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import warnings
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mlpilot.data.formats import NumberFormat, detect_number_format, parse_formatted
from mlpilot.exceptions import SchemaError

logger = logging.getLogger(__name__)

__all__ = ["ColumnKind", "Column", "Schema", "infer_schema"]

_ID_NAME = re.compile(r"(^|[_\s.-])(id|uuid|guid|key)$|^(id|uuid|guid)([_\s.-]|$)|[a-z](Id|ID|Key)$|^row_?num(ber)?$|^index$|^unnamed: ?0$", re.IGNORECASE)
_ID_CAMEL = re.compile(r"[a-z](Id|ID|Number)$")
_SAMPLE = 2000
TEXT_MIN_WORDS = 3.0
NUMERIC_STRING_SHARE = 0.95
DATETIME_STRING_SHARE = 0.9
MAX_LEVELS = 250  # categories a categorical column keeps (the commonest); the others share one code
TEXT_TERMS = 200  # words and word pairs a free-text column is encoded by (the commonest)
MAX_MISSING_MARKERS = 20  # texts kept per numeric column that stand for a missing value ("?", "n/a")


class ColumnKind(StrEnum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"
    IDENTIFIER = "identifier"


@dataclass(frozen=True)
class Column:
    """One column: its name, kind, and why it is not used as a feature (if it is not)."""

    name: str
    kind: ColumnKind
    dtype: str
    missing_share: float = 0.0
    n_unique: int = 0
    dropped: str | None = None
    number_format: NumberFormat | None = None  # numbers written as text with a unit, sign or separators
    missing_values: tuple[str, ...] = ()  # text that stands for a missing number in this column ("?", "n/a")

    @property
    def is_feature(self) -> bool:
        return self.dropped is None

    def parse_numbers(self, s: pd.Series) -> pd.Series:
        """This numeric column's values stored as text, read as floats (NaN where not a number)."""
        return parse_numeric_strings(s) if self.number_format is None else parse_formatted(s, self.number_format)

    def floats(self, s: pd.Series) -> np.ndarray:
        """This numeric column's values as float64: numbers and booleans as they are, text read in the
        column's written form; NaN where missing or not a number."""
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            return s.to_numpy(dtype=np.float64, na_value=np.nan)
        return self.parse_numbers(s).to_numpy(dtype=np.float64, na_value=np.nan)


@dataclass(frozen=True)
class Schema:
    """The columns of a training table (target excluded) plus the target's name and dtype."""

    columns: tuple[Column, ...]
    target: str | None = None
    target_dtype: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def features(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_feature)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def dropped(self) -> dict[str, str]:
        """The columns the data checks (or the user) removed: name -> reason."""
        return {c.name: c.dropped for c in self.columns if c.dropped is not None}

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": [asdict(c) | {"kind": str(c.kind)} for c in self.columns],
            "target": self.target,
            "target_dtype": self.target_dtype,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Schema:
        cols = tuple(Column(**(c | {"kind": ColumnKind(c["kind"]),
                                    "number_format": NumberFormat.from_dict(c.get("number_format")),
                                    "missing_values": tuple(c.get("missing_values", ()))}))
                     for c in d["columns"])
        return cls(cols, d.get("target"), d.get("target_dtype"), tuple(d.get("notes", ())))


def storage_dtype(s: pd.Series) -> str:
    """A portable name for how a column is stored: number, bool, datetime or string."""
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_numeric_dtype(s):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    return "string"


SMALL_BATCH = 64  # below this many rows, plain Python beats pandas' vectorised string methods


def _to_float(value: object) -> float:
    text = str(value).strip()
    if "_" in text:  # Python's float() reads "1_000"; pandas does not
        return np.nan
    try:
        return float(text)
    except ValueError:
        return np.nan


def parse_numeric_values(values: np.ndarray) -> np.ndarray:
    """An object array of strings (any shape, few values) to floats; missing or not a number -> NaN."""
    flat = [np.nan if pd.isna(v) else _to_float(v) for v in values.ravel()]
    return np.asarray(flat, dtype=np.float64).reshape(values.shape)


def parse_numeric_strings(s: pd.Series) -> pd.Series:
    """Strings to floats; values that are not numbers become NaN."""
    if len(s) <= SMALL_BATCH:  # the single-row prediction path
        return pd.Series(parse_numeric_values(s.to_numpy(dtype=object)), index=s.index, dtype="float64")
    return pd.to_numeric(s.astype("string").str.strip(), errors="coerce").astype("float64")


def parse_datetime_strings(s: pd.Series) -> pd.Series:
    """Strings to timestamps (ISO 8601 first, then pandas' general parser); failures become NaT."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = pd.to_datetime(s, errors="coerce", format="ISO8601", utc=False)
        if out.notna().sum() < DATETIME_STRING_SHARE * s.notna().sum():
            out = pd.to_datetime(s, errors="coerce", format="mixed")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert(None)
    return out


def _looks_like_dates(values: pd.Series) -> bool:
    text = values.astype(str)
    if not text.str.contains(r"\d", regex=True).all() or not text.str.contains(r"[-/:]", regex=True).all():
        return False
    if text.str.len().max() > 40:
        return False
    return parse_datetime_strings(values).notna().mean() >= DATETIME_STRING_SHARE


def _string_kind(name: str, values: pd.Series) -> tuple[ColumnKind, str | None, NumberFormat | None]:
    """Kind of a string column from a sample of its non-null values, and how it writes numbers if it does."""
    kind, dropped = _plain_string_kind(name, values)
    if kind in (ColumnKind.CATEGORICAL, ColumnKind.IDENTIFIER):  # "$52,300" may be distinct in every row
        sample = values.sample(min(len(values), _SAMPLE), random_state=0) if len(values) > _SAMPLE else values
        fmt = detect_number_format(sample)
        if fmt is not None:
            return ColumnKind.NUMERIC, None, fmt
    return kind, dropped, None


def _plain_string_kind(name: str, values: pd.Series) -> tuple[ColumnKind, str | None]:
    if values.empty:
        return ColumnKind.CATEGORICAL, None
    sample = values.sample(min(len(values), _SAMPLE), random_state=0) if len(values) > _SAMPLE else values
    if parse_numeric_strings(sample).notna().mean() >= NUMERIC_STRING_SHARE:
        return ColumnKind.NUMERIC, None
    if _looks_like_dates(sample):
        return ColumnKind.DATETIME, None
    unique_share = values.nunique() / len(values)
    words = sample.astype(str).str.split().str.len().mean()
    if words >= TEXT_MIN_WORDS and unique_share >= 0.3:
        return ColumnKind.TEXT, None
    if unique_share >= 0.999 and len(values) >= 20:
        return ColumnKind.IDENTIFIER, "identifier: every value is distinct"
    if _ID_NAME.search(name) and unique_share >= 0.9:
        return ColumnKind.IDENTIFIER, "identifier: name and near-unique values"
    return ColumnKind.CATEGORICAL, None


def _numeric_kind(name: str, values: pd.Series) -> tuple[ColumnKind, str | None]:
    if values.empty or not pd.api.types.is_integer_dtype(values) and not (values % 1 == 0).all():
        return ColumnKind.NUMERIC, None
    n = len(values)
    unique_share = values.nunique() / n
    named = bool(_ID_NAME.search(name) or _ID_CAMEL.search(name))
    if named and unique_share >= 0.9:
        return ColumnKind.IDENTIFIER, "identifier: name and near-unique integer values"
    if n >= 20 and unique_share == 1.0:
        diffs = np.diff(np.sort(values.to_numpy(dtype=np.float64)))
        if (diffs == 1).all():
            return ColumnKind.IDENTIFIER, "identifier: a running row number"
    return ColumnKind.NUMERIC, None


def infer_column(name: str, s: pd.Series, keep: bool = False) -> Column:
    """Infer one column's kind from its dtype and values; ``keep`` never drops it (identifier, constant)."""
    dtype = storage_dtype(s)
    values = s.dropna()
    missing = float(1 - len(values) / len(s)) if len(s) else 0.0
    n_unique = int(values.nunique())
    if n_unique <= 1:
        what = "all values are missing" if n_unique == 0 else "a single value in every row"
        kind = ColumnKind.BOOLEAN if dtype == "bool" else ColumnKind.NUMERIC if dtype == "number" else ColumnKind.CATEGORICAL
        return Column(name, kind, dtype, missing, n_unique, None if keep else f"constant: {what}")
    fmt = None
    if dtype == "bool":
        kind, dropped = ColumnKind.BOOLEAN, None
    elif dtype == "datetime":
        kind, dropped = ColumnKind.DATETIME, None
    elif dtype == "number":
        kind, dropped = _numeric_kind(name, values)
    else:
        kind, dropped, fmt = _string_kind(name, values)
    if keep and kind is ColumnKind.IDENTIFIER:
        kind, dropped = (ColumnKind.NUMERIC if dtype == "number" else ColumnKind.CATEGORICAL), None
    column = Column(name, kind, dtype, missing, n_unique, dropped, fmt)
    if kind is ColumnKind.NUMERIC and dtype == "string":
        markers = values[column.parse_numbers(values).isna()].astype(str).str.strip().value_counts()
        column = dataclasses.replace(column, missing_values=tuple(str(v) for v in markers.index[:MAX_MISSING_MARKERS]))
    return column


def infer_schema(df: pd.DataFrame, target: str | None = None, keep: Sequence[str] = ()) -> Schema:
    """Infer the Schema of ``df``; the target column, if given, is not a feature.

    Columns named in ``keep`` are used as features even when they look like identifiers.
    """
    unknown = [k for k in keep if k not in df.columns]
    if unknown:
        raise SchemaError(f"--keep names column '{unknown[0]}', which is not in the data.")
    columns = []
    for name in df.columns:
        if name == target:
            continue
        col = infer_column(str(name), df[name], keep=name in keep)
        if col.dropped:
            logger.debug("Column '%s' is not used as a feature (%s).", col.name, col.dropped)
        columns.append(col)
    target_dtype = storage_dtype(df[target]) if target is not None else None
    return Schema(tuple(columns), target, target_dtype)
