"""Render a Profile as one self-contained HTML file: Jinja2 for the page, Plotly for the plots.

The plotting JavaScript comes from the installed ``plotly`` package and is written into the
page, so the report opens offline (no CDN). Each plot's div gets ``data-rendered="1"`` once
Plotly has drawn it (``data-error`` if it failed), which the browser test reads.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from mlpilot.profile.summary import ColumnSummary, Profile

__all__ = ["render_html", "render_page", "write_html", "write_report", "plot_specs"]

MAX_COLUMN_PLOTS = 200  # beyond this many columns, the rest are listed without a plot
_COLOR = "#3b6ea8"


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title, "font": {"size": 14}}, "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
            "height": 280, "bargap": 0.05, **extra}


def _column_plot(c: ColumnSummary) -> dict[str, Any] | None:
    p = c.plot
    if not p:
        return None
    if p["type"] == "bars":
        data = [{"type": "bar", "x": p["labels"], "y": p["counts"], "marker": {"color": _COLOR}}]
        return {"data": data, "layout": _layout(c.name, xaxis={"type": "category", "automargin": True})}
    edges = p["edges"]
    if p["type"] == "dates":
        data = [{"type": "bar", "x": edges[:-1], "y": p["counts"], "marker": {"color": _COLOR}, "offset": 0}]
        return {"data": data, "layout": _layout(c.name, xaxis={"type": "date"})}
    centers = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:])]
    widths = [b - a for a, b in zip(edges[:-1], edges[1:])]
    data = [{"type": "bar", "x": centers, "y": p["counts"], "width": widths, "marker": {"color": _COLOR}}]
    return {"data": data, "layout": _layout(c.name, xaxis={"title": {"text": p.get("x", "")}})}


def plot_specs(profile: Profile) -> dict[str, dict[str, Any]]:
    """Plot id -> Plotly figure (data and layout) for every plot of the report."""
    specs: dict[str, dict[str, Any]] = {}
    powered = sorted((c for c in profile.columns if c.power is not None), key=lambda c: -c.power)[:40]
    if powered:
        names = [c.name for c in powered][::-1]
        data = [{"type": "bar", "orientation": "h", "x": [c.power for c in powered][::-1], "y": names,
                 "marker": {"color": _COLOR}}]
        specs["plot-association"] = {"data": data, "layout": _layout(
            "Predictive power of each column on its own (0: none, 1: perfect)", height=max(280, 22 * len(names) + 80),
            xaxis={"range": [0, 1]}, yaxis={"automargin": True, "type": "category"})}
    corr = profile.correlations
    if corr.get("columns"):
        data = [{"type": "heatmap", "z": corr["matrix"], "x": corr["columns"], "y": corr["columns"], "zmin": -1,
                 "zmax": 1, "colorscale": "RdBu"}]
        size = max(320, 24 * len(corr["columns"]) + 160)
        specs["plot-correlations"] = {"data": data, "layout": _layout(
            "Spearman correlation", height=size, xaxis={"automargin": True}, yaxis={"automargin": True})}
    for i, c in enumerate(profile.columns[:MAX_COLUMN_PLOTS]):
        spec = _column_plot(c)
        if spec is not None:
            specs[f"plot-col-{i}"] = spec
    return specs


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _env(package: str = "mlpilot.profile"):
    from jinja2 import ChoiceLoader, Environment, PackageLoader

    loaders = [PackageLoader(package, "templates")] + ([PackageLoader("mlpilot.profile", "templates")]
                                                       if package != "mlpilot.profile" else [])
    env = Environment(loader=ChoiceLoader(loaders), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v: "" if v is None else f"{100 * v:.1f}%"
    env.filters["num"] = _num
    return env


def _num(v: Any) -> str:
    if isinstance(v, float):
        if v != v:
            return ""
        return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _finite(obj: Any) -> Any:
    """``obj`` with NaN and infinite floats replaced by None (JSON has no NaN; Plotly skips None)."""
    if isinstance(obj, float):
        return obj if obj == obj and abs(obj) != float("inf") else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def render_page(package: str, template: str, specs: dict[str, dict[str, Any]], **context: Any) -> str:
    """A page of ``package``'s ``templates/<template>``, with Plotly and the figures ``specs`` (plot id ->
    data and layout) in it; the template places a ``<div class="plot" id=...>`` per plot id and includes
    ``plots.html.j2`` at the end of its body."""
    from markupsafe import Markup

    specs = _finite(specs)
    specs_json = json.dumps(specs, allow_nan=False, default=float).replace("</", "<\\/")
    return _env(package).get_template(template).render(specs=specs, specs_json=Markup(specs_json),
                                                       plotly_js=Markup(_plotly_js()), **context)


def render_html(profile: Profile, title: str = "Data report") -> str:
    """The report page as a string."""
    return render_page("mlpilot.profile", "report.html.j2", plot_specs(profile), p=profile, title=title,
                       max_plots=MAX_COLUMN_PLOTS)


def write_html(html: str, path: str | os.PathLike) -> Path:
    """Write a page to ``path`` through a temporary file renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".html", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(html)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; a report is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_report(profile: Profile, path: str | os.PathLike, title: str = "Data report") -> Path:
    """Write the report to ``path`` through a temporary file renamed into place."""
    return write_html(render_html(profile, title), path)
