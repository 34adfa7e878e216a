"""Drift of live inputs and predictions against the reference profile kept in the bundle.

Numeric columns: the population stability index (PSI) over the reference's quantile bins, and
the Kolmogorov-Smirnov statistic between the binned distributions (its p-value from the
asymptotic distribution). Other columns: PSI over the reference's commonest values (the rest
pooled) and a chi-square test. A column drifts when its PSI reaches ``psi`` and the test's
p-value is below ``p_value`` (so that a small sample alone does not raise an alarm).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from mlpilot.profile.reference import OTHER, bin_shares, category_shares

__all__ = ["DriftThresholds", "psi", "column_drift", "feature_drift", "prediction_drift"]

EPS = 1e-4  # share given to an empty bin, so that PSI stays finite


@dataclass(frozen=True)
class DriftThresholds:
    """When a column counts as drifted: PSI at least ``psi`` (0.1 is moderate, 0.2 large by common practice),
    test p-value below ``p_value``, and at least ``min_rows`` live values."""

    psi: float = 0.2
    p_value: float = 0.01
    min_rows: int = 100

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of shares ``actual`` against ``expected`` (same bins)."""
    e = np.clip(np.asarray(expected, dtype=float), EPS, None)
    a = np.clip(np.asarray(actual, dtype=float), EPS, None)
    e, a = e / e.sum(), a / a.sum()
    return float(np.sum((a - e) * np.log(a / e)))


def _ks(expected: np.ndarray, actual: np.ndarray, n_ref: int, n_live: int) -> tuple[float, float]:
    from scipy.special import kolmogorov

    d = float(np.max(np.abs(np.cumsum(expected) - np.cumsum(actual))))
    en = np.sqrt(n_ref * n_live / max(1, n_ref + n_live))
    return d, float(kolmogorov(en * d)) if d > 0 else 1.0


def _chi2(expected: np.ndarray, actual: np.ndarray, n_live: int) -> tuple[float, float]:
    from scipy import stats

    e = np.clip(np.asarray(expected, dtype=float), EPS, None)
    observed = np.asarray(actual, dtype=float) * n_live
    stat = float(np.sum((observed - e / e.sum() * n_live) ** 2 / (e / e.sum() * n_live)))
    return stat, float(stats.chi2.sf(stat, max(1, len(e) - 1)))


def column_drift(ref: dict[str, Any], values: pd.Series, thresholds: DriftThresholds) -> dict[str, Any]:
    """Drift figures of one column's live ``values`` against its reference entry."""
    n_ref = int(ref.get("count", 0))
    out: dict[str, Any] = {"kind": ref.get("kind"), "n": int(values.notna().sum()),
                           "missing": float(values.isna().mean()) if len(values) else 0.0,
                           "missing_ref": ref.get("missing", 0.0)}
    if "bins" in ref:
        v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        live = bin_shares(v, ref["bins"]["edges"])
        expected = np.asarray(ref["bins"]["shares"], dtype=float)
        stat, p = _ks(expected, live, n_ref, out["n"])
        out |= {"psi": psi(expected, live), "test": "ks", "statistic": stat, "p_value": p}
    elif "top" in ref:
        top = [k for k in ref["top"] if k != OTHER]
        live_shares = category_shares(values, top)
        keys = top + [OTHER]
        expected = np.array([ref["top"].get(k, 0.0) for k in keys])
        live = np.array([live_shares.get(k, 0.0) for k in keys])
        stat, p = _chi2(expected, live, out["n"])
        out |= {"psi": psi(expected, live), "test": "chi2", "statistic": stat, "p_value": p}
    else:
        return out | {"psi": None, "drift": False, "note": "no reference distribution for this kind of column"}
    out["drift"] = bool(out["n"] >= thresholds.min_rows and out["psi"] >= thresholds.psi
                        and out["p_value"] < thresholds.p_value)
    return out


def feature_drift(reference: dict[str, Any], live: pd.DataFrame, thresholds: DriftThresholds,
                  prefix: str = "") -> dict[str, dict[str, Any]]:
    """Per feature of the reference profile, its drift in ``live`` (columns named ``prefix + name``)."""
    out = {}
    for name, ref in reference.get("columns", {}).items():
        column = prefix + name
        if column in live.columns:
            out[name] = column_drift(ref, live[column], thresholds)
    return out


def prediction_drift(reference: dict[str, Any], predictions: pd.Series,
                     thresholds: DriftThresholds) -> dict[str, Any] | None:
    """Drift of the live predictions against the model's out-of-fold predictions in training (the
    predicted classes' shares, or bins of the predicted values); None for a bundle without them."""
    ref = reference.get("predictions")
    if ref is None or predictions.empty:
        return None
    values = predictions.astype(str) if ref["kind"] == "classes" else predictions
    return column_drift(ref, values, thresholds)
