"""`mlpilot monitor`: drift and live performance of a served model, from the prediction log."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

__all__ = ["monitor"]


def monitor(
    name: Annotated[str, typer.Argument(help="A registered model: NAME (its champion), NAME:VERSION or NAME@ALIAS.",
                                        show_default=False)],
    hours: Annotated[Optional[float], typer.Option("--hours", help="Only predictions of the last HOURS hours.",
                                                   min=0.001)] = None,
    psi: Annotated[float, typer.Option("--psi", help="PSI from which a feature counts as drifted.", min=0.0001)] = 0.2,
    p_value: Annotated[float, typer.Option("--p-value", help="Test p-value below which a drift is significant.",
                                           min=1e-12, max=0.999)] = 0.01,
    as_json: Annotated[bool, typer.Option("--json", help="Print everything as JSON.")] = False,
    report: Annotated[Optional[Path], typer.Option("--report", help="Also write an HTML page with the figures "
                                                                    "over time.")] = None,
) -> None:
    """Input and prediction drift against the training data, and live performance on the labelled rows, of
    the predictions `mlpilot serve` logged for NAME (under MLPILOT_HOME/monitoring).

    Example: mlpilot monitor churn --hours 24 --report churn-monitor.html
    """
    from mlpilot import config
    from mlpilot.bundle.predictor import load
    from mlpilot.cli.output import check_html_path
    from mlpilot.cli.models import _registry
    from mlpilot.monitoring.drift import DriftThresholds
    from mlpilot.monitoring.monitor import json_safe, monitor as run_monitor
    from mlpilot.serving.predlog import LogStore

    if report is not None:
        check_html_path(report, "--report")
    root = config.log_root() or config.home() / "monitoring"
    version = _registry().resolve(name)
    predictor = load(version.path)
    since = None if hours is None else time.time() - hours * 3600
    state = run_monitor(version.name, predictor, version.version, LogStore(root), DriftThresholds(psi, p_value), since)
    if report is not None:
        from mlpilot.monitoring.page import write_monitor_page

        write_monitor_page(state, report)
    if as_json:
        typer.echo(json.dumps(json_safe(state)))
        return
    _print(state)


def _print(state: dict) -> None:
    from rich.table import Table

    from mlpilot.cli.output import stdout_console

    console = stdout_console()
    perf = state["performance"]
    console.print(f"Model {state['model']} version {state['version']}: {state['n_predictions']} logged predictions, "
                  f"{perf['n_labelled']} with a label.", markup=False)
    if state["n_predictions"] == 0:
        console.print("Nothing to monitor yet: serve the model (`mlpilot serve`) and send it requests.", markup=False)
        return
    pred = state.get("predictions")
    if pred and pred.get("psi") is not None:
        console.print(f"Prediction drift: PSI {pred['psi']:.3f}{' (drift)' if pred['drift'] else ''}.", markup=False)
    if perf.get("score") is not None:
        low, high = perf["score_interval"]
        valid = state.get("validation_score")
        console.print(f"Live {perf['metric']}: {perf['score']:.4f} (90 % interval {low:.4f} to {high:.4f})"
                      + (f"; {valid:.4f} in training (out of fold)." if valid is not None else "."), markup=False)
    table = Table(title=f"Input drift ({len(state['drifted'])} of {len(state['features'])} features drifted)",
                  title_justify="left")
    for col in ("feature", "kind", "live values", "PSI", "test", "p-value", "drift"):
        table.add_column(col, justify="left" if col in ("feature", "kind", "test") else "right")
    rows = sorted((item for item in state["features"].items() if item[1].get("psi") is not None),
                  key=lambda item: -item[1]["psi"])
    for feature, d in rows[:25]:
        table.add_row(feature, str(d["kind"]), str(d["n"]), f"{d['psi']:.3f}", d["test"], f"{d['p_value']:.2g}",
                      "yes" if d["drift"] else "")
    console.print(table)
