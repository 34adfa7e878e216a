"""Writing prediction files and printing tables for the CLI."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from mlpilot.exceptions import ConfigError

__all__ = ["check_predictions_path", "check_html_path", "write_predictions", "leaderboard_table", "metrics_table", "PREDICTION_FORMATS"]

PREDICTION_FORMATS = (".csv", ".parquet")


def check_predictions_path(path: str | os.PathLike) -> Path:
    """Refuse a predictions path that cannot be written, before any work is done."""
    path = Path(path)
    if path.suffix.lower() not in PREDICTION_FORMATS:
        raise ConfigError(f"--out '{path}' has the extension '{path.suffix or '(none)'}'; allowed: "
                          f"{', '.join(PREDICTION_FORMATS)}.")
    if path.is_dir():
        raise ConfigError(f"--out '{path}' is a directory; give a file name ending in .csv or .parquet.")
    return path


def check_html_path(path: Path, option: str) -> Path:
    """Refuse a page path (``option``: --out, --report) whose extension is not .html, before any work is done."""
    if path.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"{option} '{path}' has the extension '{path.suffix or '(none)'}'; allowed: .html.")
    return path


def write_predictions(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``df`` as csv or parquet (by extension) through a temporary file renamed into place."""
    path = check_predictions_path(path)
    ext = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=ext, dir=path.parent)
    os.close(fd)
    try:
        if ext == ".csv":
            df.to_csv(tmp, index=False)
        else:
            df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}" if abs(v) < 1e4 else f"{v:.1f}"
    if isinstance(v, dict):
        return ", ".join(f"{k}={_fmt(x)}" for k, x in v.items())
    return str(v)


def leaderboard_table(board: pd.DataFrame, title: str = "Leaderboard") -> Table:
    table = Table(title=title, title_justify="left")
    cols = [c for c in board.columns if c not in ("config", "family", "predict_s")]  # the name says the family
    for c in cols:
        table.add_column(c, justify="left" if c in ("model", "family") else "right")
    for _, row in board.iterrows():
        table.add_row(*[_fmt(row[c]) for c in cols])
    return table


def metrics_table(metrics: dict[str, float], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for k, v in metrics.items():
        table.add_row(k, f"{int(v)}" if k == "n_rows" else f"{v:.6g}")
    return table


def stdout_console() -> Console:
    return Console(soft_wrap=True)
