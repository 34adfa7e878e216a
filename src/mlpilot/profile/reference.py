"""The reference profile kept in a bundle: per-column statistics that drift is measured against.

Numeric columns keep ``BINS`` quantile bins (their edges and the share of training values in
each), so that a live sample can be binned the same way; other columns keep the shares of
their commonest values. With the target, its distribution too (class shares, or bins).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlpilot.data.schema import Column, ColumnKind, Schema

__all__ = ["reference_profile", "prediction_reference", "fingerprint", "numeric_bins", "bin_shares", "category_shares", "OTHER"]

TOP_CATEGORIES = 20
BINS = 20
OTHER = "(other)"


def numeric_bins(v: np.ndarray) -> dict[str, Any]:
    """Quantile bins of finite values ``v``: interior edges and the share of values in each bin."""
    edges = np.unique(np.quantile(v, np.linspace(0, 1, BINS + 1)[1:-1]))
    return {"edges": [float(e) for e in edges], "shares": bin_shares(v, edges).tolist()}


def bin_shares(v: np.ndarray, edges: np.ndarray | list[float]) -> np.ndarray:
    """Share of the finite values ``v`` in each bin cut at ``edges`` (len(edges) + 1 bins; a value equal to
    an edge goes to the bin above it)."""
    v = v[np.isfinite(v)]
    counts = np.bincount(np.searchsorted(np.asarray(edges, dtype=float), v, side="right"), minlength=len(edges) + 1)
    return counts / max(1, len(v))


def category_shares(s: pd.Series, top: list[str] | None = None) -> dict[str, float]:
    """Shares of the known values of ``s`` as text: of ``top`` (others pooled as OTHER) or of its commonest."""
    text = s.dropna().astype(str)
    if top is None:
        freq = text.value_counts(normalize=True)
        shares = {str(k): float(v) for k, v in freq.head(TOP_CATEGORIES).items()}
    else:
        freq = text.value_counts(normalize=True)
        shares = {k: float(freq.get(k, 0.0)) for k in top}
    rest = 1.0 - sum(shares.values())
    if rest > 1e-9:
        shares[OTHER] = rest
    return shares


def _numeric(s: pd.Series, col: Column) -> dict[str, Any]:
    v = col.floats(s)
    v = v[np.isfinite(v)]
    if not len(v):
        return {"count": 0}
    q = np.quantile(v, np.linspace(0, 1, 11))
    return {"count": int(len(v)), "mean": float(v.mean()), "std": float(v.std(ddof=0)),
            "quantiles": [float(x) for x in q], "bins": numeric_bins(v)}


def _categorical(s: pd.Series) -> dict[str, Any]:
    return {"count": int(s.notna().sum()), "top": category_shares(s)}


def reference_profile(df: pd.DataFrame, schema: Schema, y: pd.Series | None = None,
                      classification: bool = False) -> dict[str, Any]:
    """Per feature column: missing share plus quantile bins (numeric) or value shares (others); with ``y``,
    the target's class shares or bins."""
    out = {}
    for col in schema.features:
        s = df[col.name]
        stats = _numeric(s, col) if col.kind is ColumnKind.NUMERIC else _categorical(s) \
            if col.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN) else {"count": int(s.notna().sum())}
        out[col.name] = {"kind": str(col.kind), "missing": float(s.isna().mean()), **stats}
    profile: dict[str, Any] = {"n_rows": int(len(df)), "columns": out}
    if y is not None:
        if classification:
            profile["target"] = {"kind": "classes", "top": category_shares(y)}
        else:
            v = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
            profile["target"] = {"kind": "numeric", "bins": numeric_bins(v[np.isfinite(v)])}
    return profile


def prediction_reference(oof: np.ndarray, classes: list[Any] | None) -> dict[str, Any]:
    """What the model answers on rows it did not train on (out-of-fold): the shares of the predicted
    classes, or quantile bins of the predicted values; live predictions drift against it."""
    if classes is None:
        v = np.asarray(oof, dtype=float)
        return {"kind": "numeric", "bins": numeric_bins(v[np.isfinite(v)]), "count": int(len(v))}
    labels = pd.Series(np.asarray(classes, dtype=object)[np.asarray(oof).argmax(axis=1)])
    return {"kind": "classes", "top": category_shares(labels), "count": int(len(labels))}


def fingerprint(df: pd.DataFrame) -> str:
    """A sha256 of the table's values and column names (row order matters)."""
    import hashlib

    h = hashlib.sha256("\x1f".join(map(str, df.columns)).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()
