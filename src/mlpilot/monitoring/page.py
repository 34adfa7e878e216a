"""The monitoring page: drift and live performance over time, and each feature's drift, as one HTML file."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mlpilot.profile.render import render_page, write_html

__all__ = ["monitor_specs", "write_monitor_page"]

_LAYOUT = {"margin": {"l": 60, "r": 20, "t": 40, "b": 50}, "height": 300, "legend": {"orientation": "h"}}


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds")


def monitor_specs(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Plot id -> Plotly figure: drift over time, live score over time, each feature's PSI."""
    windows = state.get("windows", [])
    x = [_iso(w["end"]) for w in windows]
    psi_line = state["thresholds"]["psi"]
    specs = {"plot-drift": {"data": [
        {"type": "scatter", "mode": "lines+markers", "name": "largest feature PSI", "x": x,
         "y": [w["max_psi"] for w in windows]},
        {"type": "scatter", "mode": "lines+markers", "name": "prediction PSI", "x": x,
         "y": [w["prediction_psi"] for w in windows]},
        {"type": "scatter", "mode": "lines", "name": f"drift threshold ({psi_line})", "x": x,
         "y": [psi_line] * len(x), "line": {"dash": "dash"}},
    ], "layout": _LAYOUT | {"title": {"text": "Drift over time (population stability index)"}}}}
    score_key = "accuracy" if any(w.get("accuracy") is not None for w in windows) else "score"
    series = [{"type": "scatter", "mode": "lines+markers", "name": f"live {score_key}", "x": x,
               "y": [w.get(score_key) for w in windows]}]
    if score_key == "score" and state.get("validation_score") is not None:
        series.append({"type": "scatter", "mode": "lines", "name": "validation (training)", "x": x,
                       "y": [state["validation_score"]] * len(x), "line": {"dash": "dash"}})
    specs["plot-performance"] = {"data": series, "layout": _LAYOUT | {
        "title": {"text": f"Live {score_key if score_key == 'accuracy' else state['performance']['metric']} on "
                          "labelled rows"}}}
    features = sorted(((name, d["psi"]) for name, d in state.get("features", {}).items() if d.get("psi") is not None),
                      key=lambda item: -item[1])[:40]
    if features:
        names = [n for n, _ in features][::-1]
        specs["plot-features"] = {"data": [{"type": "bar", "orientation": "h", "x": [p for _, p in features][::-1],
                                            "y": names}],
                                  "layout": _LAYOUT | {"title": {"text": "PSI of each feature"},
                                                       "height": max(300, 22 * len(names) + 80),
                                                       "yaxis": {"automargin": True, "type": "category"}}}
    return specs


def write_monitor_page(state: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write the monitoring page of ``state`` (from :func:`mlpilot.monitoring.monitor.monitor`) to ``path``."""
    features = sorted(((n, d) for n, d in state.get("features", {}).items() if d.get("psi") is not None),
                      key=lambda item: -item[1]["psi"])
    html = render_page("mlpilot.monitoring", "monitor.html.j2", monitor_specs(state), s=state, features=features,
                       generated=_iso(state["generated_at"]),
                       title=f"Monitoring: {state['model']} version {state['version']}")
    return write_html(html, path)
