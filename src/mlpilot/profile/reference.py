"""The reference profile kept in a bundle: per-column statistics that drift is measured against."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlpilot.data.schema import Column, ColumnKind, Schema

__all__ = ["reference_profile", "fingerprint"]

TOP_CATEGORIES = 20


def _numeric(s: pd.Series, col: Column) -> dict[str, Any]:
    v = (s if pd.api.types.is_numeric_dtype(s) else col.parse_numbers(s)).astype(float)
    v = v[np.isfinite(v)]
    if v.empty:
        return {"count": 0}
    q = np.quantile(v, np.linspace(0, 1, 11))
    return {"count": int(len(v)), "mean": float(v.mean()), "std": float(v.std(ddof=0)),
            "quantiles": [float(x) for x in q]}


def _categorical(s: pd.Series) -> dict[str, Any]:
    freq = s.dropna().astype(str).value_counts(normalize=True)
    return {"count": int(s.notna().sum()), "top": {str(k): float(v) for k, v in freq.head(TOP_CATEGORIES).items()}}


def reference_profile(df: pd.DataFrame, schema: Schema) -> dict[str, Any]:
    """Per feature column: missing share plus quantiles (numeric) or category shares (others)."""
    out = {}
    for col in schema.features:
        s = df[col.name]
        stats = _numeric(s, col) if col.kind is ColumnKind.NUMERIC else _categorical(s) \
            if col.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN) else {"count": int(s.notna().sum())}
        out[col.name] = {"kind": str(col.kind), "missing": float(s.isna().mean()), **stats}
    return {"n_rows": int(len(df)), "columns": out}


def fingerprint(df: pd.DataFrame) -> str:
    """A sha256 of the table's values and column names (row order matters)."""
    import hashlib

    h = hashlib.sha256("\x1f".join(map(str, df.columns)).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()
