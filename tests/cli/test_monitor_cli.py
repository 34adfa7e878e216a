"""`mlpilot monitor`: reads what a service logged under MLPILOT_HOME and prints drift and live performance."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from mlpilot.registry import Registry
from mlpilot.serving.app import ServeSettings
from mlpilot.service import build_app


@pytest.fixture(scope="module")
def served_home(tmp_path_factory, binary_bundle):
    """MLPILOT_HOME with model 'churn' registered, 300 shifted rows served and 150 of them labelled."""
    home = tmp_path_factory.mktemp("home")
    registry = Registry(home)
    registry.register(binary_bundle[0], "churn")
    df = pd.read_csv(binary_bundle[1])
    sample = df.sample(300, replace=True, random_state=0)
    features = sample.drop(columns="y").assign(num=lambda d: d["num"] + 2.5)
    rows = features.astype(object).where(features.notna(), None).to_dict(orient="records")
    settings = ServeSettings(("churn",), registry, log_root=home / "monitoring")
    with TestClient(build_app(settings)) as client:
        answer = client.post("/v1/models/churn/predict", json={"rows": rows}).json()
        labels = [{"request_id": answer["request_id"], "row": i, "label": y} for i, y in enumerate(sample["y"][:150])]
        assert client.post("/v1/models/churn/feedback", json={"labels": labels}).status_code == 200
    registry.close()
    return home


def _monitor(home, *args):
    env = dict(os.environ, MLPILOT_HOME=str(home), COLUMNS="200", NO_COLOR="1")
    env.pop("MLPILOT_DB_URL", None)
    return subprocess.run([sys.executable, "-m", "mlpilot", "monitor", *args], env=env, capture_output=True,
                          text=True, timeout=120, cwd=home)


def test_monitor_prints_drift_and_live_performance(served_home):
    run = _monitor(served_home, "churn", "--report", "monitor.html")
    assert run.returncode == 0, run.stderr
    assert "300 logged predictions, 150 with a label" in run.stdout
    assert "Live auc:" in run.stdout and "Input drift (" in run.stdout
    num_line = next(line for line in run.stdout.splitlines() if "│ num " in line)
    assert "yes" in num_line and "ks" in num_line
    page = (served_home / "monitor.html").read_text()
    assert 'id="plot-drift"' in page and 'id="plot-performance"' in page and "<script src=" not in page


def test_monitor_json_and_bad_input(served_home):
    run = _monitor(served_home, "churn", "--json")
    state = json.loads(run.stdout)
    assert state["version"] == 1 and "num" in state["drifted"] and state["performance"]["n_labelled"] == 150
    run = _monitor(served_home, "nope")
    assert run.returncode == 2 and "nope" in run.stderr
    run = _monitor(served_home, "churn", "--report", "x.txt")
    assert run.returncode == 2 and "--report 'x.txt'" in run.stderr
