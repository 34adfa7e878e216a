"""Scores on a fixed split, computed exactly as the peers' harness computes them.

Binary: ROC AUC on the probability column of ``classes[1]`` (plus log loss and accuracy).
Multiclass: log loss on probabilities renormalised per row and clipped at 1e-15, and accuracy.
Regression: RMSE and R². Labels are compared as strings; ``classes`` comes from split.json.
"""

import numpy as np
import pandas as pd
from sklearn.metrics import r2_score, roc_auc_score

# task -> (main metric, higher is better)
MAIN = {"binary": ("auc", True), "multiclass": ("logloss", False), "regression": ("rmse", False)}
EPS = 1e-15


def main_metric(task):
    """Name of the metric a task is ranked by."""
    return MAIN[task][0]


def higher_is_better(metric):
    return metric == "auc"


def score(task, y_true, preds, classes=None):
    """All metrics for one dataset; ``preds`` is the predictions DataFrame written by the CLI."""
    if task not in MAIN:
        raise ValueError(f"Unknown task {task!r}; expected one of {sorted(MAIN)}.")
    if len(preds) != len(y_true):
        raise ValueError(f"{len(preds)} predictions for {len(y_true)} test rows.")
    y_true = pd.Series(y_true).reset_index(drop=True)
    if task == "regression":
        return regression_metrics(y_true, preds["prediction"])
    proba = probability_matrix(preds, classes)
    labels = y_true.astype(str).to_numpy()
    metrics = {
        "logloss": log_loss(labels, proba, classes),
        "acc": accuracy(labels, preds["prediction"]),
    }
    if task == "binary":
        metrics["auc"] = binary_auc(labels, proba, classes)
    return metrics


def regression_metrics(y_true, y_pred):
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(y_pred, dtype=float)
    return {"rmse": float(np.sqrt(np.mean((y - p) ** 2))), "r2": float(r2_score(y, p))}


def probability_matrix(preds, classes):
    """n x k probabilities in the order of ``classes``; a missing class column counts as zeros."""
    cols = [
        preds[c].to_numpy(dtype=float) if c in preds.columns else np.zeros(len(preds))
        for c in classes
    ]
    return np.nan_to_num(np.column_stack(cols))


def log_loss(labels, proba, classes):
    """Mean negative log probability of the true class (rows renormalised, clipped at 1e-15)."""
    return float(np.mean(row_log_losses(labels, proba, classes)))


def row_log_losses(labels, proba, classes):
    """Per-row negative log probability of the true class (rows renormalised, clipped)."""
    rows = proba.sum(axis=1, keepdims=True)
    normed = np.divide(proba, rows, out=np.zeros_like(proba), where=rows > 0)
    normed = np.clip(normed, EPS, 1)
    position = {c: i for i, c in enumerate(classes)}
    unknown = sorted(set(labels) - set(position))
    if unknown:
        raise ValueError(f"Test labels {unknown[:5]} are not among the classes {list(classes)}.")
    idx = np.array([position[v] for v in labels], dtype=int)
    return -np.log(normed[np.arange(len(labels)), idx])


def accuracy(labels, predicted):
    return float(np.mean(pd.Series(predicted).astype(str).to_numpy() == np.asarray(labels)))


def binary_auc(labels, proba, classes):
    """ROC AUC of the raw probability column of ``classes[1]`` (not renormalised)."""
    return float(roc_auc_score(np.asarray(labels) == classes[1], proba[:, 1]))


def beats(value, reference, metric):
    """True when ``value`` is strictly better than ``reference``."""
    if value is None or reference is None:
        return False
    return value > reference if higher_is_better(metric) else value < reference
