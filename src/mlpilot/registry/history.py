"""What the registry keeps beside the bundles: each version's training data (for retraining) and the
decisions retraining took, with their evidence."""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import insert, select

from mlpilot.registry.db import decisions
from mlpilot.registry.store import Registry, check_name, check_version

__all__ = ["save_training_data", "load_training_data", "record_decision", "list_decisions", "ACTIONS"]

ACTIONS = ("promote", "keep", "skip", "failed")


def _data_path(registry: Registry, name: str, version: int) -> Path:
    return registry.home / "datasets" / check_name(name) / f"v{check_version(version)}.parquet"


def save_training_data(registry: Registry, name: str, version: int, df: pd.DataFrame) -> Path:
    """Keep the table ``version`` of ``name`` was trained on (written to a temporary file renamed into place)."""
    path = _data_path(registry, name, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def load_training_data(registry: Registry, name: str, version: int) -> pd.DataFrame | None:
    """The table ``version`` of ``name`` was trained on, or None where none was kept."""
    path = _data_path(registry, name, version)
    return pd.read_parquet(path) if path.is_file() else None


def record_decision(registry: Registry, name: str, action: str, reason: str, evidence: dict[str, Any],
                    version: int | None = None, champion: int | None = None) -> None:
    """Write down one retraining decision (one transaction)."""
    if action not in ACTIONS:
        raise ValueError(f"action {action!r}; allowed: {', '.join(ACTIONS)}")
    with registry.engine.begin() as conn:
        conn.execute(insert(decisions).values(name=check_name(name), action=action, version=version,
                                              champion=champion, reason=reason,
                                              evidence=json.dumps(evidence, default=str),
                                              at=datetime.now(timezone.utc).isoformat(timespec="seconds")))


def list_decisions(registry: Registry, name: str, limit: int = 50) -> list[dict[str, Any]]:
    """The latest decisions about ``name``, newest first."""
    with registry.engine.connect() as conn:
        rows = conn.execute(select(decisions).where(decisions.c.name == check_name(name))
                            .order_by(decisions.c.id.desc()).limit(limit)).mappings().all()
    return [dict(r) | {"evidence": json.loads(r["evidence"])} for r in rows]
