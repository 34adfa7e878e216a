"""The retrain policy (TOML file and overrides) and the triggers it reads from monitoring figures."""

from __future__ import annotations

import pytest

from mlpilot.data.task import Task
from mlpilot.exceptions import ConfigError
from mlpilot.retrain.decide import triggers
from mlpilot.retrain.policy import RetrainPolicy, load_policy


def test_policy_file_with_overrides(tmp_path):
    path = tmp_path / "retrain.toml"
    path.write_text('mode = "search"\ntime_limit = 30\nafter_labels = 500\n')
    policy = load_policy(path, time_limit=90, margin=None)
    assert policy.mode == "search" and policy.time_limit == 90 and policy.after_labels == 500 and policy.margin == 0


@pytest.mark.parametrize("text, message", [
    ('mode = "fast"', "'mode' is 'fast'; allowed: refit, search"),
    ("recent_share = 0.99", "'recent_share' is 0.99"),
    ("colour = 1", "unknown setting 'colour'"),
    ("mode = ", "not valid TOML"),
])
def test_bad_policies_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_policy(path)


def _state(drifted=(), labels=300, score=0.80, interval=(0.76, 0.84), valid=0.90, metric="auc"):
    return {"drifted": list(drifted), "predictions": None, "validation_score": valid,
            "performance": {"n_labelled": labels, "metric": metric, "score": score, "score_interval": list(interval)}}


def test_each_trigger_and_the_minimum_of_labels():
    policy = RetrainPolicy(after_labels=1000, performance_drop=0.02, min_labels=200)
    assert triggers(_state(drifted=["x1"]), policy, Task.BINARY, 1.0)[0] == "drift in x1"
    assert "below the validation score" in triggers(_state(), policy, Task.BINARY, 1.0)[0]
    assert triggers(_state(interval=(0.85, 0.95), score=0.9), policy, Task.BINARY, 1.0) == []
    assert "1200 new labels" in triggers(_state(labels=1200, interval=(0.88, 0.95), score=0.9), policy,
                                         Task.BINARY, 1.0)[0]
    assert triggers(_state(drifted=["x1"], labels=50), policy, Task.BINARY, 1.0) == []  # too few labels
    loss = _state(score=0.9, interval=(0.8, 1.0), valid=0.5, metric="logloss")
    assert "above the validation score" in triggers(loss, policy, Task.BINARY, None)[0]
    scheduled = RetrainPolicy(every_hours=24, on_drift=False, performance_drop=None, after_labels=None)
    assert triggers(_state(labels=300), scheduled, Task.BINARY, 30.0) == ["schedule: every 24 hours"]
    assert triggers(_state(labels=300), scheduled, Task.BINARY, 2.0) == []
