"""Summarize a table into a plain dataclass: the figures and plot data the report shows.

Counts (rows, missing values, distinct values, duplicates) are exact; quantiles, plots,
outliers, correlations and associations come from a random sample of at most
``PLOT_ROWS`` rows (``ASSOC_ROWS`` for associations), and the profile says so.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from mlpilot.data.schema import Column, ColumnKind, Schema, parse_datetime_strings

__all__ = ["ColumnSummary", "Profile", "summarize_columns", "correlations", "overlap", "sample_rows", "PLOT_ROWS",
           "ASSOC_ROWS", "sample_index"]

PLOT_ROWS = 100_000
ASSOC_ROWS = 20_000
BINS = 30
TOP = 15
MAX_CORR_COLUMNS = 25


@dataclass
class ColumnSummary:
    """One column: what it is, its figures, its plot (a histogram or bars), and its association with the target."""

    name: str
    kind: str
    dtype: str
    role: str  # "feature", "target", or why fit drops it
    missing: float
    n_unique: int
    stats: dict[str, Any] = field(default_factory=dict)
    plot: dict[str, Any] = field(default_factory=dict)
    outliers: int | None = None
    power: float | None = None


@dataclass
class Profile:
    """A table's data report: columns, target, associations, correlations, duplicates, test overlap, findings."""

    n_rows: int
    n_columns: int
    target: str | None
    task: str | None
    columns: list[ColumnSummary]
    correlations: dict[str, Any]
    duplicates: int
    findings: list[dict[str, Any]]
    sample: dict[str, Any]
    overlap: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write_html(self, path: str | os.PathLike, title: str = "Data report") -> Path:
        """Write the report as one self-contained HTML page (plots included); returns its path."""
        from mlpilot.profile.render import write_report

        return write_report(self, path, title)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Profile:
        return cls(**(d | {"columns": [ColumnSummary(**c) for c in d["columns"]]}))


def sample_index(n: int, size: int, seed: int = 0) -> np.ndarray:
    """Sorted positions of a random sample of ``size`` of ``n`` rows (all rows when there are fewer)."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def _numbers(s: pd.Series, col: Column) -> np.ndarray:
    v = col.floats(s)
    return v[np.isfinite(v)]


def _numeric(s: pd.Series, col: Column) -> tuple[dict[str, Any], dict[str, Any], int | None]:
    v = _numbers(s, col)
    if not len(v):
        return {}, {}, None
    q = np.quantile(v, [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1])
    stats = {"mean": float(v.mean()), "std": float(v.std()), "min": q[0], "p5": q[1], "p25": q[2], "median": q[3],
             "p75": q[4], "p95": q[5], "max": q[6], "zeros": float((v == 0).mean())}
    iqr = q[4] - q[2]
    outliers = int(((v < q[2] - 3 * iqr) | (v > q[4] + 3 * iqr)).sum()) if iqr > 0 else 0
    counts, edges = np.histogram(v, bins=min(BINS, max(1, len(np.unique(v)))))
    plot = {"type": "histogram", "edges": [float(e) for e in edges], "counts": counts.tolist()}
    return {k: float(x) for k, x in stats.items()}, plot, outliers


def _dates(s: pd.Series) -> tuple[dict[str, Any], dict[str, Any]]:
    d = s if pd.api.types.is_datetime64_any_dtype(s) else parse_datetime_strings(s)
    d = d.dropna()
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_convert(None)
    if d.empty:
        return {}, {}
    ns = d.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    counts, edges = np.histogram(ns, bins=BINS)
    iso = [pd.Timestamp(int(e)).isoformat() for e in edges]
    return {"min": str(d.min()), "max": str(d.max())}, {"type": "dates", "edges": iso, "counts": counts.tolist()}


def _bars(s: pd.Series) -> tuple[dict[str, Any], dict[str, Any]]:
    counts = s.dropna().astype(str).value_counts()
    top = counts.head(TOP)
    labels, values = [str(k) for k in top.index], [int(v) for v in top.to_numpy()]
    if len(counts) > TOP:
        labels.append(f"({len(counts) - TOP} others)")
        values.append(int(counts.iloc[TOP:].sum()))
    mode = {"mode": labels[0], "mode_share": values[0] / max(1, int(counts.sum()))} if labels else {}
    return mode, {"type": "bars", "labels": labels, "counts": values}


def _text(s: pd.Series) -> tuple[dict[str, Any], dict[str, Any]]:
    words = s.dropna().astype(str).str.split().str.len().to_numpy(dtype=np.float64)
    if not len(words):
        return {}, {}
    counts, edges = np.histogram(words, bins=min(BINS, max(1, len(np.unique(words)))))
    return ({"mean_words": float(words.mean()), "max_words": float(words.max())},
            {"type": "histogram", "edges": [float(e) for e in edges], "counts": counts.tolist(), "x": "words"})


def summarize_column(full: pd.Series, sample: pd.Series, col: Column, role: str) -> ColumnSummary:
    """Exact missing share and distinct count from ``full``; figures and plot from ``sample``."""
    stats, plot, outliers = {}, {}, None
    if col.kind is ColumnKind.NUMERIC or (col.kind is ColumnKind.IDENTIFIER and col.dtype == "number"):
        stats, plot, outliers = _numeric(sample, col)
        if col.n_unique <= TOP:  # a few distinct numbers read better as bars
            mode, plot = _bars(sample)
            stats |= mode
    elif col.kind is ColumnKind.DATETIME:
        stats, plot = _dates(sample)
    elif col.kind is ColumnKind.TEXT:
        stats, plot = _text(sample)
    else:
        stats, plot = _bars(sample)
    missing = float(full.isna().mean()) if len(full) else 0.0
    return ColumnSummary(col.name, str(col.kind), col.dtype, role, missing, int(full.nunique()), stats, plot, outliers)


def summarize_columns(df: pd.DataFrame, schema: Schema, target_column: Column | None, rows: np.ndarray,
                      power: dict[str, float]) -> list[ColumnSummary]:
    """Every column of ``df`` (the target first), summarized on the sampled ``rows``."""
    sample = df.iloc[rows]
    out = []
    if target_column is not None:
        out.append(summarize_column(df[target_column.name], sample[target_column.name], target_column, "target"))
    for col in schema.columns:
        role = "feature" if col.dropped is None else f"dropped: {col.dropped}"
        summary = summarize_column(df[col.name], sample[col.name], col, role)
        summary.power = power.get(col.name)
        out.append(summary)
    return out


def correlations(df: pd.DataFrame, schema: Schema, power: dict[str, float]) -> dict[str, Any]:
    """Spearman correlations between numeric feature columns (the ones most associated with the target first)."""
    numeric = [c for c in schema.features if c.kind is ColumnKind.NUMERIC]
    numeric = sorted(numeric, key=lambda c: -power.get(c.name, 0.0))[:MAX_CORR_COLUMNS]
    if len(numeric) < 2:
        return {"columns": [], "matrix": []}
    frame = pd.DataFrame({c.name: pd.Series(c.floats(df[c.name])) for c in numeric})
    matrix = frame.rank().corr().fillna(0.0).round(4)
    return {"columns": list(matrix.columns), "matrix": matrix.to_numpy().tolist()}


def overlap(train: pd.DataFrame, test: pd.DataFrame, target: str | None) -> dict[str, Any]:
    """Test rows that also appear in the training data (features only), and columns only one side has."""
    shared = [c for c in train.columns if c in test.columns and c != target]
    hash_train = set(pd.util.hash_pandas_object(train[shared].astype(str), index=False).to_numpy().tolist())
    hash_test = pd.util.hash_pandas_object(test[shared].astype(str), index=False).to_numpy()
    n_same = int(np.isin(hash_test, np.fromiter(hash_train, dtype=np.uint64)).sum())
    return {"n_test_rows": int(len(test)), "n_in_train": n_same, "share_in_train": n_same / max(1, len(test)),
            "only_in_train": [c for c in train.columns if c not in test.columns and c != target],
            "only_in_test": [c for c in test.columns if c not in train.columns]}


def sample_rows(df: pd.DataFrame, n: int = 10) -> dict[str, Any]:
    """The first ``n`` rows as text (long values cut), for a look at the raw data."""
    head = df.head(n)

    def cell(v: Any) -> str:
        if v is None or (not isinstance(v, (list, tuple, np.ndarray)) and pd.isna(v)):
            return ""
        text = str(v)
        return text if len(text) <= 40 else text[:37] + "..."

    return {"columns": [str(c) for c in head.columns], "rows": [[cell(v) for v in row] for row in head.itertuples(index=False)]}
