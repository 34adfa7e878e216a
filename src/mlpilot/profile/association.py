"""How well each column predicts the target on its own, out of fold.

Each column is cut into at most ``BINS`` codes (quantile bins of numbers and dates, the
most frequent categories), and a lookup table from code to target (the majority class,
or the mean value) is learnt on two folds and scored on the third. The same figure serves
the report's association column and the leakage check: a column whose lookup alone
predicts the target almost perfectly is a copy of it, or known only after it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlpilot.data.schema import Column, ColumnKind, parse_datetime_strings

__all__ = ["column_codes", "predictive_power", "lookup_score"]

BINS = 64
N_FOLDS = 3


def _numbers(s: pd.Series, col: Column) -> np.ndarray:
    if col.kind is ColumnKind.DATETIME:
        d = s if pd.api.types.is_datetime64_any_dtype(s) else parse_datetime_strings(s)
        if getattr(d.dt, "tz", None) is not None:
            d = d.dt.tz_convert(None)
        return np.where(d.isna(), np.nan, d.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float))
    return col.floats(s)


def column_codes(s: pd.Series, col: Column, bins: int = BINS) -> np.ndarray | None:
    """Integer codes 0..k of one column (missing values get a code of their own); None for free text."""
    if col.kind is ColumnKind.TEXT:
        return None
    if col.kind in (ColumnKind.NUMERIC, ColumnKind.DATETIME):
        v = _numbers(s, col)
        finite = np.isfinite(v)
        if not finite.any():
            return np.zeros(len(v), dtype=np.int64)
        edges = np.unique(np.quantile(v[finite], np.linspace(0, 1, bins + 1)[1:-1]))
        codes = np.searchsorted(edges, v, side="right")
        codes[~finite] = len(edges) + 1
        return codes.astype(np.int64)
    codes, uniques = pd.factorize(s.astype(str).where(s.notna()), sort=False)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    keep = np.argsort(-counts, kind="stable")[:bins * 4]  # categories beyond these share one code
    remap = np.full(len(uniques) + 1, len(keep), dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    out = remap[codes]
    out[codes < 0] = len(keep) + 1
    return out


def lookup_score(codes: np.ndarray, y: np.ndarray, classification: bool, seed: int = 0) -> float:
    """Out-of-fold score of predicting ``y`` from ``codes`` by a lookup table: balanced accuracy for
    classes (``y`` holds class indices), R² for numbers."""
    rng = np.random.default_rng(seed)
    fold = rng.integers(0, N_FOLDS, len(y))
    n_codes = int(codes.max()) + 1
    pred = np.empty(len(y), dtype=np.float64)
    for k in range(N_FOLDS):
        tr, va = fold != k, fold == k
        if classification:
            n_classes = int(y.max()) + 1
            table = np.bincount(codes[tr] * n_classes + y[tr], minlength=n_codes * n_classes)
            table = table.reshape(n_codes, n_classes)
            majority = np.bincount(y[tr], minlength=n_classes).argmax()
            best = np.where(table.sum(axis=1) > 0, table.argmax(axis=1), majority)
        else:
            sums, counts = np.bincount(codes[tr], y[tr], n_codes), np.bincount(codes[tr], minlength=n_codes)
            best = np.where(counts > 0, sums / np.maximum(counts, 1), y[tr].mean())
        pred[va] = best[codes[va]]
    if classification:
        recalls = [np.mean(pred[y == c] == c) for c in np.unique(y)]
        return float(np.mean(recalls))
    sst = float(((y - y.mean()) ** 2).sum())
    return 0.0 if sst == 0 else float(1 - ((y - pred) ** 2).sum() / sst)


def predictive_power(df: pd.DataFrame, columns: list[Column], y: np.ndarray, classification: bool,
                     seed: int = 0) -> dict[str, float]:
    """Per column, from 0 (no better than always predicting the commonest class or the mean) to 1
    (predicts the target perfectly on its own): balanced accuracy rescaled for classes, R² for numbers."""
    out = {}
    n_classes = len(np.unique(y)) if classification else 0
    for col in columns:
        codes = column_codes(df[col.name], col)
        if codes is None:
            continue
        score = lookup_score(codes, y, classification, seed)
        if classification:
            score = (score - 1 / n_classes) / (1 - 1 / n_classes) if n_classes > 1 else 0.0
        out[col.name] = float(np.clip(score, 0.0, 1.0))
    return out
