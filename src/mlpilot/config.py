"""Settings read from MLPILOT_* environment variables (read when asked, never cached)."""

from __future__ import annotations

import os
from pathlib import Path

from mlpilot.exceptions import ConfigError

__all__ = ["home", "db_url", "threads", "workers", "memory_limit_mb", "admin_token", "max_rows", "max_body_bytes",
           "poll_seconds", "log_root", "log_retention_days"]


def home() -> Path:
    """MLPILOT_HOME: where the registry and artifacts live (default ~/.mlpilot)."""
    return Path(os.environ.get("MLPILOT_HOME") or Path.home() / ".mlpilot")


def db_url(home_dir: Path | None = None) -> str:
    """MLPILOT_DB_URL: the metadata database (default SQLite under ``home_dir``, else MLPILOT_HOME)."""
    return os.environ.get("MLPILOT_DB_URL") or f"sqlite:///{(home_dir or home()) / 'registry.db'}"


def _positive_number(name: str, kind: type, minimum: float) -> float | None:
    raw = os.environ.get(name)
    if not raw:
        return None
    try:
        value = kind(raw)
    except ValueError as err:
        raise ConfigError(f"{name} is {raw!r}; allowed: a number >= {minimum}.") from err
    if value < minimum:
        raise ConfigError(f"{name} is {raw!r}; allowed: a number >= {minimum}.")
    return value


def workers() -> int | None:
    """MLPILOT_WORKERS: worker processes for the trials (default: chosen from the data and the CPUs;
    0 runs trials in the calling process, with no hard stop at a trial's deadline)."""
    value = _positive_number("MLPILOT_WORKERS", int, 0)
    return None if value is None else int(value)


def memory_limit_mb() -> float | None:
    """MLPILOT_MEMORY_LIMIT_MB: the memory one worker may use before its trial is stopped
    (default: 80 % of the memory available when the fit starts, shared among the workers)."""
    return _positive_number("MLPILOT_MEMORY_LIMIT_MB", float, 1)


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


def admin_token() -> str | None:
    """MLPILOT_ADMIN_TOKEN: the bearer token of the service's admin routes (unset: those routes are off)."""
    return os.environ.get("MLPILOT_ADMIN_TOKEN") or None


def max_rows() -> int:
    """MLPILOT_MAX_ROWS: the most rows one prediction request may hold (default 10,000)."""
    value = _positive_number("MLPILOT_MAX_ROWS", int, 1)
    return 10_000 if value is None else int(value)


def max_body_bytes() -> int:
    """MLPILOT_MAX_BODY_BYTES: the largest request body the service reads (default 64 MiB)."""
    value = _positive_number("MLPILOT_MAX_BODY_BYTES", int, 1)
    return 64 * 2**20 if value is None else int(value)


def poll_seconds() -> float:
    """MLPILOT_POLL_SECONDS: how often a service checks the registry for moved aliases (default 2)."""
    value = _positive_number("MLPILOT_POLL_SECONDS", float, 0.05)
    return 2.0 if value is None else float(value)


def log_root() -> Path | None:
    """Where a service logs predictions and feedback: MLPILOT_HOME/monitoring, or nowhere when
    MLPILOT_LOG_PREDICTIONS is 0."""
    if os.environ.get("MLPILOT_LOG_PREDICTIONS", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    return home() / "monitoring"


def log_retention_days() -> float:
    """MLPILOT_LOG_RETENTION_DAYS: how long logged predictions and feedback are kept (default 30; 0: forever)."""
    value = _positive_number("MLPILOT_LOG_RETENTION_DAYS", float, 0)
    return 30.0 if value is None else float(value)
