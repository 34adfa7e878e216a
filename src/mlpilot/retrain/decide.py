"""Whether a served model should be retrained now, by its policy and its monitoring figures."""

from __future__ import annotations

from typing import Any

from mlpilot.data.task import Task
from mlpilot.evaluate.metrics import get_metric
from mlpilot.retrain.policy import RetrainPolicy

__all__ = ["triggers"]


def triggers(state: dict[str, Any], policy: RetrainPolicy, task: Task, hours_since_last: float | None) -> list[str]:
    """The reasons to retrain now (empty: none). ``state``: the monitoring figures of the rows served since
    the last retraining; ``hours_since_last``: None if the model was never retrained."""
    reasons = []
    pred = state.get("predictions") or {}
    if policy.on_drift and (state.get("drifted") or pred.get("drift")):
        what = ", ".join(state.get("drifted", [])[:5]) or "the predictions"
        reasons.append(f"drift in {what}")
    perf = state.get("performance", {})
    valid = state.get("validation_score")
    if policy.performance_drop is not None and perf.get("score_interval") and valid is not None:
        low, high = perf["score_interval"]
        if get_metric(perf["metric"], task).greater_is_better:
            if high < valid - policy.performance_drop:
                reasons.append(f"live {perf['metric']} {perf['score']:.4f} (at most {high:.4f}) below the validation "
                               f"score {valid:.4f} by more than {policy.performance_drop}")
        elif low > valid + policy.performance_drop:
            reasons.append(f"live {perf['metric']} {perf['score']:.4f} (at least {low:.4f}) above the validation "
                           f"score {valid:.4f} by more than {policy.performance_drop}")
    labels = perf.get("n_labelled", 0)
    if policy.after_labels and labels >= policy.after_labels:
        reasons.append(f"{labels} new labels (policy: every {policy.after_labels})")
    if policy.every_hours and (hours_since_last is None or hours_since_last >= policy.every_hours):
        reasons.append(f"schedule: every {policy.every_hours} hours")
    if reasons and labels < policy.min_labels:
        return []  # too few new labelled rows to learn from or to compare on
    return reasons
