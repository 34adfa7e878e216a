"""The leaderboard: every model tried, with its out-of-fold score, best first."""

from __future__ import annotations

from typing import Any

from mlpilot.evaluate.metrics import Metric
from mlpilot.search.trial import TrialResult

__all__ = ["leaderboard_rows"]


def leaderboard_rows(results: list[TrialResult], weights: dict[int, float], ensemble_score: float,
                     metric: Metric) -> list[dict[str, Any]]:
    """Rows (dicts) for the ensemble and each trial, sorted best first by the validation score."""
    rows = [{"model": r.name, "family": r.family, f"val_{metric.name}": round(float(r.score), 6),
             "weight": round(weights.get(i, 0.0), 4), "fit_s": round(r.fit_seconds, 2),
             "predict_s": round(r.predict_seconds, 3), "latency_ms": round(r.serving_ms(), 4),
             "models": len(r.models), "config": r.config}
            for i, r in enumerate(results)]
    if len(weights) > 1:
        fit_s = sum(results[i].fit_seconds for i in weights)
        pred_s = sum(results[i].predict_seconds for i in weights)
        rows.append({"model": "ensemble", "family": "ensemble", f"val_{metric.name}": round(float(ensemble_score), 6),
                     "weight": 1.0, "fit_s": round(fit_s, 2), "predict_s": round(pred_s, 3),
                     "latency_ms": round(sum(results[i].serving_ms() for i in weights), 4),
                     "models": sum(len(results[i].models) for i in weights), "config": {results[i].name: round(w, 4) for i, w in weights.items()}})
    key = f"val_{metric.name}"
    return sorted(rows, key=lambda r: -r[key] if metric.greater_is_better else r[key])
