"""The prediction log and the label feedback: append-only Parquet segments under MLPILOT_HOME.

Layout: ``<root>/<model name>/predictions/*.parquet`` and ``<root>/<model name>/feedback/*.parquet``.
A serving process buffers what it logs and writes a segment (to a temporary file renamed into
place) every ``flush_rows`` rows or ``flush_seconds`` seconds, off the request path; several
processes (``mlpilot serve --workers N``) write segments of their own. Segments older than the
retention are deleted as new ones are written.

A prediction row: ``request_id``, ``row`` (its position in the request), ``version``, ``ts``
(seconds since the epoch), ``prediction`` (text for classes, a number for regression), one
``p:<class>`` column per class probability, and one ``f:<column>`` per feature (numbers as
floats, the rest as text). A feedback row: ``request_id``, ``row``, ``label`` (text), ``ts``.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlpilot.data.schema import ColumnKind, Schema

logger = logging.getLogger(__name__)

__all__ = ["PredictionLog", "LogStore", "SegmentWriter", "Answered", "loggable_inputs", "prediction_rows",
           "PREDICTIONS", "FEEDBACK", "PROBA_PREFIX", "FEATURE_PREFIX"]

PREDICTIONS = "predictions"
FEEDBACK = "feedback"
SMALL_REQUEST = 64  # requests with at most this many rows are queued as (columns, values), not as a table
PROBA_PREFIX = "p:"
FEATURE_PREFIX = "f:"


def loggable_inputs(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """The columns of a request that the Schema knows (features, and the columns training left out, which a
    retraining may use), typed for the log and named ``f:<column>``: numbers as floats (NaN where not a
    number), everything else as text (missing where missing); other columns are left out."""
    out = {}
    for col in schema.columns:
        if col.name not in df.columns:
            continue
        s = df[col.name]
        if col.kind is ColumnKind.NUMERIC:
            v = s if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) else col.parse_numbers(
                s.astype(object))
            out[FEATURE_PREFIX + col.name] = pd.to_numeric(v, errors="coerce").astype("float64").to_numpy()
        else:
            values = s.to_numpy(dtype=object)
            out[FEATURE_PREFIX + col.name] = np.array([None if pd.isna(v) else str(v) for v in values], dtype=object)
    return pd.DataFrame(out, index=range(len(df)))


class LogStore:
    """Where one model's log segments live, and reading them back."""

    def __init__(self, root: str | os.PathLike, retention_days: float = 30.0):
        self.root = Path(root)
        self.retention_days = retention_days

    def folder(self, name: str, kind: str) -> Path:
        return self.root / name / kind

    def segments(self, name: str, kind: str, since: float | None = None) -> list[Path]:
        """The segment files of ``name``'s ``kind`` log, oldest first; with ``since`` (epoch seconds), only
        those written at or after it."""
        folder = self.folder(name, kind)
        if not folder.is_dir():
            return []
        files = sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))
        if since is not None:
            files = [p for p in files if _written_at(p) >= since]
        return files

    def read(self, name: str, kind: str, since: float | None = None) -> pd.DataFrame:
        """Every row of ``name``'s ``kind`` log (optionally only segments written since ``since``)."""
        files = self.segments(name, kind, since)
        if not files:
            return pd.DataFrame()
        frames = [pd.read_parquet(p) for p in files]
        return pd.concat(frames, ignore_index=True, sort=False)

    def write(self, name: str, kind: str, df: pd.DataFrame) -> Path:
        """One new segment holding ``df`` (atomically); older segments past the retention are deleted."""
        folder = self.folder(name, kind)
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{int(time.time() * 1000):013d}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp, path = folder / f".{stem}.tmp", folder / f"{stem}.parquet"
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
        self._expire(folder)
        return path

    def _expire(self, folder: Path) -> None:
        if self.retention_days <= 0:
            return
        cutoff = time.time() - self.retention_days * 86_400
        for p in folder.glob("*.parquet"):
            if _written_at(p) < cutoff:
                p.unlink(missing_ok=True)


def _written_at(path: Path) -> float:
    try:
        return int(path.name.split("-", 1)[0]) / 1000
    except ValueError:
        return path.stat().st_mtime


class SegmentWriter:
    """Buffers log items per (model, kind) and writes them as segments from a background thread; ``build``
    turns a buffer's items into one table at write time (off the request path)."""

    def __init__(self, store: LogStore, build: Callable[[str, list[Any]], pd.DataFrame], flush_rows: int = 5_000,
                 flush_seconds: float = 2.0):
        self.store, self.build, self.flush_rows, self.flush_seconds = store, build, flush_rows, flush_seconds
        self._buffers: dict[tuple[str, str], list[Any]] = {}
        self._rows: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, name: str, kind: str, item: Any, n_rows: int) -> None:
        """Queue an item of ``n_rows`` rows for ``name``'s ``kind`` log (cheap: the work happens at write time)."""
        with self._lock:
            self._buffers.setdefault((name, kind), []).append(item)
            self._rows[(name, kind)] = self._rows.get((name, kind), 0) + n_rows
            full = self._rows[(name, kind)] >= self.flush_rows
        if full:
            self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="mlpilot-log", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Write what is buffered and stop the background thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.flush()

    def flush(self) -> list[Path]:
        """Write every buffer now; returns the segments written."""
        with self._lock:
            buffers, rows, self._buffers, self._rows = self._buffers, self._rows, {}, {}
        written = []
        for (name, kind), items in buffers.items():
            try:
                written.append(self.store.write(name, kind, self.build(kind, items)))
            except Exception:  # noqa: BLE001 - a full disk must not stop serving; the rows are lost, and said so
                logger.exception("Could not write %d %s rows of model '%s' to the log.", rows[(name, kind)], kind,
                                 name)
        return written

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            self.flush()


@dataclass
class Answered:
    """One answered request, as queued for the log."""

    request_id: str
    version: int
    schema: Schema
    frame: pd.DataFrame | tuple[tuple[str, ...], np.ndarray]  # the rows: a table, or (columns, values) if few
    predictions: list[Any]
    probabilities: list[dict[str, float]] | None
    ts: float


def prediction_rows(items: list[Answered]) -> pd.DataFrame:
    """The log rows of answered requests (of one model): meta columns, probabilities, typed inputs."""
    parts = []
    for _, group in itertools.groupby(sorted(items, key=lambda a: a.version), key=lambda a: a.version):
        group = list(group)
        sizes = np.array([len(a.frame) if isinstance(a.frame, pd.DataFrame) else len(a.frame[1]) for a in group])
        meta: dict[str, Any] = {
            "request_id": np.repeat(np.array([a.request_id for a in group], dtype=object), sizes),
            "row": np.concatenate([np.arange(n, dtype=np.int64) for n in sizes]),
            "version": np.repeat(np.array([a.version for a in group], dtype=np.int64), sizes),
            "ts": np.repeat(np.array([a.ts for a in group]), sizes),
        }
        predictions = [p for a in group for p in a.predictions]
        if group[0].probabilities is not None:
            meta["prediction"] = np.array([str(v) for v in predictions], dtype=object)
            probabilities = [p for a in group for p in a.probabilities]
            for label in probabilities[0]:
                meta[f"{PROBA_PREFIX}{label}"] = np.array([p.get(label, np.nan) for p in probabilities])
        else:
            meta["prediction"] = np.asarray(predictions, dtype=np.float64)
        raw = _stack([a.frame for a in group])
        parts.append(pd.concat([pd.DataFrame(meta), loggable_inputs(raw, group[0].schema)], axis=1))
    return pd.concat(parts, ignore_index=True, sort=False)


def _stack(frames: list[pd.DataFrame | tuple[tuple[str, ...], np.ndarray]]) -> pd.DataFrame:
    """One table of the requests' rows, in order. A small request is queued as (columns, object array):
    holding thousands of small DataFrames between writes costs the server pauses (their collection),
    and one array concatenation is cheaper than concatenating them."""
    if all(isinstance(f, tuple) for f in frames) and len({f[0] for f in frames}) == 1:
        values = np.concatenate([f[1] for f in frames])
        return pd.DataFrame(values, columns=list(frames[0][0])).infer_objects()
    pieces = [pd.DataFrame(f[1], columns=list(f[0])).infer_objects() if isinstance(f, tuple) else f for f in frames]
    return pd.concat(pieces, ignore_index=True, sort=False)


def _build(kind: str, items: list[Any]) -> pd.DataFrame:
    if kind == PREDICTIONS:
        return prediction_rows(items)
    return pd.concat(items, ignore_index=True, sort=False)


class PredictionLog:
    """What a service logs: every answered request's rows, and the labels sent back as feedback."""

    def __init__(self, store: LogStore, flush_rows: int = 5_000, flush_seconds: float = 2.0):
        self.store = store
        self.writer = SegmentWriter(store, _build, flush_rows, flush_seconds)

    def start(self) -> None:
        import pyarrow.parquet  # noqa: F401 - imported now, not during the first write (a 0.1 s stall)

        self.writer.start()

    def stop(self) -> None:
        self.writer.stop()

    def record(self, served: Any, request_id: str, df: pd.DataFrame, result: dict[str, Any]) -> None:
        """Queue the rows of one answered request (``served``: the catalog's entry, with the predictor)."""
        rows = (tuple(map(str, df.columns)), df.to_numpy(dtype=object)) if len(df) <= SMALL_REQUEST else df
        item = Answered(request_id, served.version, served.predictor.schema, rows, result["predictions"],
                        result["probabilities"], time.time())
        self.writer.add(served.name, PREDICTIONS, item, len(df))

    def feedback(self, name: str, labels: pd.DataFrame) -> None:
        """Queue true labels: columns ``request_id``, ``row`` and ``label``."""
        frame = labels.assign(label=labels["label"].astype(str), ts=time.time())
        self.writer.add(name, FEEDBACK, frame[["request_id", "row", "label", "ts"]], len(frame))
