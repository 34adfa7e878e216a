"""Live performance: logged predictions joined with the true labels that came back as feedback.

Labels may arrive late and for only some rows; a row's latest label counts. The model's metric
comes with a 90 % bootstrap interval over the labelled rows, so that a drop can be told from
noise; classification adds accuracy with its Wilson interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlpilot.data.task import Task
from mlpilot.evaluate.metrics import get_metric
from mlpilot.serving.predlog import PROBA_PREFIX

__all__ = ["join_feedback", "live_performance", "bootstrap_interval", "wilson_interval"]

BOOTSTRAP = 200
Z90 = 1.6449


def join_feedback(predictions: pd.DataFrame, feedback: pd.DataFrame) -> pd.DataFrame:
    """Logged predictions that have a label (the latest one per request id and row), with a ``label`` column."""
    if predictions.empty or feedback.empty:
        return predictions.iloc[:0].assign(label=pd.Series(dtype=object))
    latest = feedback.sort_values("ts").drop_duplicates(["request_id", "row"], keep="last")
    return predictions.merge(latest[["request_id", "row", "label"]], on=["request_id", "row"], how="inner")


def wilson_interval(hits: int, n: int, z: float = Z90) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``hits / n``."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def bootstrap_interval(metric, y: np.ndarray, pred: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """5th and 95th percentiles of ``metric`` over bootstrap resamples of the rows."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(BOOTSTRAP):
        idx = rng.integers(0, len(y), len(y))
        try:
            v = metric(y[idx], pred[idx])
        except ValueError:  # e.g. one class only in the resample
            continue
        if np.isfinite(v):
            values.append(v)
    if not values:
        return float("nan"), float("nan")
    return float(np.percentile(values, 5)), float(np.percentile(values, 95))


def live_performance(labelled: pd.DataFrame, task: Task, classes: list[Any] | None, metric_name: str,
                     seed: int = 0) -> dict[str, Any]:
    """The model's metric (and accuracy, for classes) on labelled rows, with 90 % intervals."""
    n = len(labelled)
    out: dict[str, Any] = {"n_labelled": n, "metric": metric_name}
    if n == 0:
        return out
    metric = get_metric(metric_name, task)
    if task.is_classification:
        index = {str(c): i for i, c in enumerate(classes or [])}
        labels = labelled["label"].astype(str)
        known = labels.isin(index).to_numpy()
        out["unknown_labels"] = int((~known).sum())
        rows, labels = labelled[known], labels[known]
        y = labels.map(index).to_numpy(dtype=int)
        hits = int((rows["prediction"].astype(str).to_numpy() == labels.to_numpy()).sum())
        out["accuracy"] = hits / max(1, len(y))
        out["accuracy_interval"] = wilson_interval(hits, len(y))
        P = np.column_stack([rows.get(f"{PROBA_PREFIX}{c}", pd.Series(0.0, index=rows.index)).to_numpy(dtype=float)
                             for c in index])
        P = P / np.clip(P.sum(axis=1, keepdims=True), 1e-12, None)
        pred = P
    else:
        y = pd.to_numeric(labelled["label"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(y)
        out["unknown_labels"] = int((~ok).sum())
        y, pred = y[ok], labelled["prediction"].to_numpy(dtype=float)[ok]
    if len(y) == 0:
        return out
    try:
        out["score"] = float(metric(y, pred))
    except ValueError:
        out["score"] = None
    out["score_interval"] = bootstrap_interval(metric, y, pred, seed)
    return out
