"""A served model's state: input and prediction drift against its reference profile, live performance on
the labelled rows, and both over time, from the prediction log and the feedback."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from mlpilot.bundle.predictor import Predictor
from mlpilot.monitoring.drift import DriftThresholds, feature_drift, prediction_drift
from mlpilot.monitoring.performance import join_feedback, live_performance
from mlpilot.serving.predlog import FEATURE_PREFIX, FEEDBACK, PREDICTIONS, LogStore

__all__ = ["monitor", "json_safe", "MAX_WINDOWS"]

MAX_WINDOWS = 30


def _validation(predictor: Predictor) -> float | None:
    """The served model's out-of-fold score in training: the leaderboard's ensemble row, or its one member."""
    key = f"val_{predictor.metric}"
    rows = [r for r in predictor.board if r.get(key) is not None]
    chosen = [r for r in rows if r.get("model") == "ensemble"] or sorted(rows, key=lambda r: -r.get("weight", 0.0))
    return float(chosen[0][key]) if chosen else None


def _state(predictor: Predictor, rows: pd.DataFrame, labelled: pd.DataFrame,
           thresholds: DriftThresholds) -> dict[str, Any]:
    reference = predictor.info.get("reference_profile") or {}
    features = feature_drift(reference, rows, thresholds, FEATURE_PREFIX)
    return {
        "n_predictions": int(len(rows)),
        "features": features,
        "drifted": sorted(name for name, d in features.items() if d.get("drift")),
        "max_psi": max((d["psi"] for d in features.values() if d.get("psi") is not None), default=None),
        "predictions": prediction_drift(reference, rows["prediction"], thresholds) if len(rows) else None,
        "performance": live_performance(labelled, predictor.task, predictor.classes, predictor.metric),
    }


def _windows(rows: pd.DataFrame, feedback: pd.DataFrame, predictor: Predictor, thresholds: DriftThresholds,
             n_windows: int) -> list[dict[str, Any]]:
    """The drift and performance figures of consecutive time windows holding about the same number of rows."""
    if rows.empty:
        return []
    n = max(1, min(n_windows, len(rows) // max(1, thresholds.min_rows)))
    order = np.argsort(rows["ts"].to_numpy(), kind="stable")
    out = []
    for chunk in np.array_split(order, n):
        part = rows.iloc[chunk]
        state = _state(predictor, part, join_feedback(part, feedback), thresholds)
        pred = state["predictions"] or {}
        out.append({"start": float(part["ts"].min()), "end": float(part["ts"].max()), "n": int(len(part)),
                    "drifted": len(state["drifted"]), "max_psi": state["max_psi"], "prediction_psi": pred.get("psi"),
                    "n_labelled": state["performance"]["n_labelled"], "score": state["performance"].get("score"),
                    "accuracy": state["performance"].get("accuracy")})
    return out


def monitor(name: str, predictor: Predictor, version: int, store: LogStore, thresholds: DriftThresholds | None = None,
            since: float | None = None, n_windows: int = MAX_WINDOWS) -> dict[str, Any]:
    """The monitoring figures of ``version`` of model ``name`` (``predictor``) from the logs in ``store``:
    over every logged row of that version (since ``since``, epoch seconds), and per time window."""
    thresholds = thresholds or DriftThresholds()
    predictions = store.read(name, PREDICTIONS, since)
    if not predictions.empty:
        predictions = predictions[predictions["version"] == version].reset_index(drop=True)
    feedback = store.read(name, FEEDBACK, since)
    labelled = join_feedback(predictions, feedback)
    state = _state(predictor, predictions, labelled, thresholds) if len(predictions) else {
        "n_predictions": 0, "features": {}, "drifted": [], "max_psi": None, "predictions": None,
        "performance": live_performance(labelled, predictor.task, predictor.classes, predictor.metric)}
    return {"model": name, "version": version, "generated_at": time.time(), "since": since,
            "thresholds": thresholds.to_dict(), "validation_score": _validation(predictor), **state,
            "windows": _windows(predictions, feedback, predictor, thresholds, n_windows)}


def json_safe(obj: Any) -> Any:
    """``obj`` with NaN and infinite floats as None and NumPy scalars as Python ones (strict JSON)."""
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    return obj
