"""Settings read from MLPILOT_* environment variables (read when asked, never cached)."""

from __future__ import annotations

import os
from pathlib import Path

from mlpilot.exceptions import ConfigError

__all__ = ["home", "db_url", "threads"]


def home() -> Path:
    """MLPILOT_HOME: where the registry and artifacts live (default ~/.mlpilot)."""
    return Path(os.environ.get("MLPILOT_HOME") or Path.home() / ".mlpilot")


def db_url() -> str:
    """MLPILOT_DB_URL: the metadata database (default SQLite under MLPILOT_HOME)."""
    return os.environ.get("MLPILOT_DB_URL") or f"sqlite:///{home() / 'registry.db'}"


def threads() -> int:
    """MLPILOT_THREADS: threads per model fit (default: the number of CPUs available)."""
    raw = os.environ.get("MLPILOT_THREADS")
    if not raw:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        n = int(raw)
    except ValueError as err:
        raise ConfigError(f"MLPILOT_THREADS is {raw!r}; allowed: a positive integer.") from err
    if n < 1:
        raise ConfigError(f"MLPILOT_THREADS is {n}; allowed: a positive integer.")
    return n
