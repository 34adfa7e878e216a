"""Retraining end to end, in-process: a model trained before the world changed is served, its new inputs
drift, labels come back, a retrain is triggered, and the challenger replaces the champion only because it
is better; a failing retrain leaves the champion serving."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import mlpilot
from mlpilot.exceptions import MlpilotError
from mlpilot.registry import Registry
from mlpilot.registry.history import list_decisions, load_training_data, save_training_data
from mlpilot.retrain.loop import AutoRetrainer
from mlpilot.retrain.policy import RetrainPolicy
from mlpilot.retrain.run import retrain
from mlpilot.serving.app import ServeSettings
from mlpilot.serving.predlog import LogStore
from mlpilot.service import build_app


def world(n: int, seed: int, after: bool) -> pd.DataFrame:
    """Before: y follows x1. After: x1 moved to another range, and there y follows x2."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(3.0 if after else 0.0, 0.7, n)
    x2 = rng.normal(size=n)
    signal = x2 if after else x1
    y = np.where(signal + rng.normal(scale=0.3, size=n) > (0.0 if after else 0.0), "up", "down")
    return pd.DataFrame({"x1": x1.round(4), "x2": x2.round(4), "y": y})


def _rows(df: pd.DataFrame) -> list[dict]:
    return df.drop(columns="y").to_dict(orient="records")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A registry with 'shift' version 1 trained on the old world, and 800 new-world rows served and labelled."""
    home = tmp_path_factory.mktemp("retrain-home")
    registry = Registry(home)
    old = world(600, 0, after=False)
    mlpilot.fit(old, "y", time_limit=8, preset="fast", out=home / "v1", seed=0)
    registry.register(home / "v1", "shift")
    save_training_data(registry, "shift", 1, old)
    store = LogStore(home / "monitoring")
    settings = ServeSettings(("shift",), registry, None, 5_000, 20_000_000, 0.05, log_root=home / "monitoring")
    new = world(800, 1, after=True)
    with TestClient(build_app(settings)) as client:
        for start in range(0, len(new), 200):
            batch = new.iloc[start:start + 200]
            answer = client.post("/v1/models/shift/predict", json={"rows": _rows(batch)}).json()
            labels = [{"request_id": answer["request_id"], "row": i, "label": y} for i, y in enumerate(batch["y"])]
            assert client.post("/v1/models/shift/feedback", json={"labels": labels}).status_code == 200
        state = client.get("/v1/models/shift/monitor").json()
    yield registry, store, state
    registry.close()


def _accuracy(ref: str, registry: Registry, data: pd.DataFrame) -> float:
    model = mlpilot.load(registry.resolve(ref).path)
    return float((model.predict(data.drop(columns="y")) == data["y"].to_numpy()).mean())


def test_drift_and_the_drop_are_seen(served):
    _, _, state = served
    assert "x1" in state["drifted"]
    assert state["performance"]["n_labelled"] == 800
    assert state["performance"]["accuracy"] < 0.75


def test_auto_retrainer_triggers_and_the_better_challenger_is_promoted(served):
    registry, store, _ = served
    policy = RetrainPolicy(min_labels=200, time_limit=8, mode="refit", check_seconds=60)
    retrainer = AutoRetrainer(registry, store, policy, ("shift",))
    retrainer._retrain = lambda name, reason: retrain(name, registry, store, policy, reason=reason)  # in-process
    reasons = retrainer.check("shift")
    assert reasons and reasons[0].startswith("drift in x1")
    assert registry.aliases("shift") == {"champion": 2, "challenger": 2}
    decision = list_decisions(registry, "shift")[0]
    assert decision["action"] == "promote" and decision["version"] == 2 and decision["champion"] == 1
    evidence = decision["evidence"]
    assert evidence["advantage_interval"][0] > 0 and evidence["rows"] == 240 and evidence["trained_rows"] == 600 + 560
    later = world(1000, 7, after=True)
    assert _accuracy("shift:2", registry, later) > _accuracy("shift:1", registry, later) + 0.2
    assert len(load_training_data(registry, "shift", 2)) == 600 + 800
    assert registry.get("shift", 2).source == "retrain" and registry.get("shift", 2).parent_version == 1


def test_a_failing_retrain_leaves_the_champion_and_says_so(served):
    registry, store, _ = served
    before = registry.aliases("shift")
    bad = pd.DataFrame({"x1": [0.1] * 300, "x2": [0.2] * 300})  # no target column
    with pytest.raises(MlpilotError, match="no column 'y'"):
        retrain("shift", registry, store, RetrainPolicy(min_labels=20, time_limit=5), new_data=bad)
    assert registry.aliases("shift") == before
    decision = list_decisions(registry, "shift")[0]
    assert decision["action"] == "failed" and "no column 'y'" in decision["reason"]


@pytest.mark.slow
def test_a_retrain_killed_mid_way_leaves_the_registry_consistent(tmp_path):
    """`kill -9` of `mlpilot retrain` while it trains: same champion, every version loadable, no decision half-written."""
    import os
    import signal
    import subprocess
    import sys
    import time

    home = tmp_path / "home"
    registry = Registry(home)
    old = world(600, 0, after=False)
    mlpilot.fit(old, "y", time_limit=5, preset="fast", out=tmp_path / "v1", seed=0)
    registry.register(tmp_path / "v1", "shift")
    save_training_data(registry, "shift", 1, old)
    world(3000, 1, after=True).to_csv(tmp_path / "new.csv", index=False)
    env = dict(os.environ, MLPILOT_HOME=str(home))
    env.pop("MLPILOT_DB_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "mlpilot", "retrain", "shift", "--data", str(tmp_path / "new.csv"),
                             "--mode", "search", "--time-limit", "60"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(6)  # well inside the fit
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert registry.aliases("shift") == {"champion": 1}
    for version in registry.versions("shift"):
        mlpilot.load(version.path)  # every registered version is complete
    assert all(d["action"] in ("promote", "keep", "skip", "failed") for d in list_decisions(registry, "shift"))
    outcome = retrain("shift", registry, LogStore(home / "monitoring"), RetrainPolicy(min_labels=100, time_limit=8),
                      new_data=world(600, 2, after=True))  # and the next retrain works
    assert outcome.action in ("promote", "keep")
    registry.close()
