"""The model report: leaderboard, global importance with its uncertainty, one row's contributions, and the
partial dependence of the answer on the most important columns, as one self-contained HTML file."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from mlpilot.profile.render import render_page, write_html

__all__ = ["model_specs", "write_model_page"]

MAX_BARS = 30
_LAYOUT = {"margin": {"l": 60, "r": 20, "t": 40, "b": 50}, "height": 320}
_UP, _DOWN = "#2a9d8f", "#e76f51"


def _importance_spec(imp: dict[str, Any]) -> dict[str, Any]:
    cols = imp["columns"][:MAX_BARS][::-1]
    return {"data": [{"type": "bar", "orientation": "h", "x": [c["importance"] for c in cols],
                      "y": [c["column"] for c in cols], "marker": {"color": "#3b6ea8"},
                      "error_x": {"type": "data", "array": [c["std"] for c in cols], "visible": True}}],
            "layout": _LAYOUT | {"title": {"text": f"Permutation importance on held-out rows: {imp['metric']} lost "
                                                   f"when a column is shuffled (bars: ± 1 sd over {imp['repeats']} "
                                                   "repeats)"},
                                 "height": max(320, 22 * len(cols) + 90),
                                 "yaxis": {"automargin": True, "type": "category"}}}


def _row_spec(row: pd.Series, meta: list[str]) -> dict[str, Any]:
    values = row.drop(meta).astype(float)
    top = values.reindex(values.abs().sort_values(ascending=False).index)[:MAX_BARS][::-1]
    what = f"P({row['class']})" if "class" in meta else "prediction"
    return {"data": [{"type": "bar", "orientation": "h", "x": top.tolist(), "y": [str(c) for c in top.index],
                      "marker": {"color": [_UP if v >= 0 else _DOWN for v in top]}}],
            "layout": _LAYOUT | {"title": {"text": f"One row: {what} {row['prediction']:.4g} = baseline "
                                                   f"{row['baseline']:.4g} + the contributions below"},
                                 "height": max(320, 22 * len(top) + 90),
                                 "yaxis": {"automargin": True, "type": "category"}}}


def _pd_spec(curve: dict[str, Any], target: str) -> dict[str, Any]:
    categorical = any(isinstance(x, str) for x in curve["x"])
    data = [{"type": "bar" if categorical else "scatter", "mode": "lines+markers", "name": name, "x": curve["x"],
             "y": ys} for name, ys in curve["curves"].items()]
    return {"data": data, "layout": _LAYOUT | {
        "title": {"text": f"Partial dependence: mean {target} as '{curve['column']}' varies"},
        "xaxis": {"title": {"text": curve["column"]}, "type": "category" if categorical else "-"},
        "showlegend": len(data) > 1}}


def model_specs(explanations: dict[str, Any], row: pd.Series | None, meta: list[str], target: str
                ) -> dict[str, dict[str, Any]]:
    """Plot id -> Plotly figure: importance, one row's contributions, one partial dependence per column."""
    specs: dict[str, dict[str, Any]] = {}
    if explanations.get("importance"):
        specs["plot-importance"] = _importance_spec(explanations["importance"])
    if row is not None:
        specs["plot-row"] = _row_spec(row, meta)
    for i, curve in enumerate(explanations.get("partial_dependence", [])):
        specs[f"plot-pd-{i}"] = _pd_spec(curve, target)
    return specs


def write_model_page(info: dict[str, Any], board: list[dict[str, Any]], contributions: pd.DataFrame | None,
                     path: str | os.PathLike, title: str, target: str) -> Path:
    """Write the model report: ``info`` is the bundle's manifest facts (with ``explanations``), ``board`` the
    leaderboard, ``contributions`` a table from ``Predictor.explain`` whose first row is shown."""
    explanations = info.get("explanations") or {}
    meta = [c for c in ("class", "prediction", "baseline") if contributions is not None and c in contributions]
    row = None if contributions is None or contributions.empty else contributions.iloc[0]
    specs = model_specs(explanations, row, meta, target)
    shown = [{k: v for k, v in r.items() if k not in ("config", "family", "predict_s")} for r in board]
    html = render_page("mlpilot.evaluate", "model.html.j2", specs, e=explanations, board=shown,
                       board_columns=list(shown[0]) if shown else [], row=row, info=info, title=title,
                       generated=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    return write_html(html, path)
