"""The worker process's side of :mod:`mlpilot.search.executor`: receive a job, run it, send the result.

A job is ``(job_id, kind, data_dir, args)``. The training data is shared once per fit as
``.npy`` files in ``data_dir``, opened memory-mapped and kept while the directory stays the
same. Log records of the job travel back with its result, so that the parent's handlers
(the CLI's, say) show them as if the job had run in the parent.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["share_data", "run_job", "serve", "main", "StoredModel", "load_model"]

Folds = list[tuple[np.ndarray, np.ndarray]]


def share_data(directory: Path, X: np.ndarray, y: np.ndarray, folds: Folds) -> None:
    """Write the training data for the workers (called by the parent)."""
    np.save(directory / "X.npy", np.ascontiguousarray(X))
    np.save(directory / "y.npy", y)
    np.savez(directory / "folds.npz", **{f"{part}{i}": idx for i, fold in enumerate(folds)
                                         for part, idx in zip(("tr", "va"), fold, strict=True)})


def _load(directory: str) -> tuple[np.ndarray, np.ndarray, Folds]:
    root = Path(directory)
    X = np.load(root / "X.npy", mmap_mode="r")
    y = np.load(root / "y.npy")
    with np.load(root / "folds.npz") as f:
        folds = [(f[f"tr{i}"], f[f"va{i}"]) for i in range(len(f.files) // 2)]
    return X, y, folds


@dataclass(frozen=True)
class StoredModel:
    """A fitted model that a worker saved in its family's own format, to be read back only if it
    is kept: the parent process then holds the ensemble's models, not every trial's."""

    family: str
    directory: str
    stem: str
    meta: dict[str, Any]

    def load(self):
        from mlpilot.models import FAMILIES

        return FAMILIES[self.family].fitted_class.load(Path(self.directory), self.stem, self.meta)


def load_model(model):
    """A fitted model, read back first if a worker stored it."""
    return model.load() if isinstance(model, StoredModel) else model


def _store(models: list, family: str, directory: str | None) -> list:
    if directory is None:
        return models
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    for i, model in enumerate(models):
        model.save(root, f"m{i}")
    return [StoredModel(family, directory, f"m{i}", model.meta()) for i, model in enumerate(models)]


def _trial(X, y, folds, cand, ctx, metric, must_finish, store=None, notify=None):
    from mlpilot.search.trial import run_trial

    result = run_trial(cand, X, y, folds, ctx, metric, must_finish)
    if result is not None and store is not None:
        if notify is not None:
            notify()  # trained: saving large models takes seconds, which the deadline did not count
        result.models = _store(result.models, cand.family.key, store)
    return result


def _refit(X, y, folds, family_key, config, ctx, store=None, notify=None):
    from mlpilot.models import FAMILIES

    t0 = time.monotonic()
    model = FAMILIES[family_key].fit(np.asarray(X), y, config, ctx)
    return _store([model], family_key, store)[0], time.monotonic() - t0


def _warm(modules: tuple[str, ...]) -> None:
    """Import the libraries the coming jobs need while the parent prepares the data."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


RUNNERS = {"trial": _trial, "refit": _refit}
WRAPPING_UP = "wrapping up"  # a notice from a worker: trained, now saving


def run_job(kind: str, data: tuple, args: tuple, notify=None) -> Any:
    """Run one job on ``data`` (X, y, folds) in this process: the worker's loop and the in-process
    executor both call this. ``notify()`` tells the parent that training is over and the models
    are being saved."""
    return RUNNERS[kind](*data, *args, notify=notify)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append({"name": record.name, "levelno": record.levelno, "levelname": record.levelname,
                             "msg": record.getMessage(), "created": record.created})


def serve(conn, log_level: int, warm: tuple[str, ...] = ()) -> None:
    """The worker's main loop: one job at a time until the parent closes the connection.

    ``warm`` names modules to import first (jobs sent meanwhile wait in the pipe)."""
    _warm(warm)
    shared: dict[str, tuple] = {}  # the data of the current fit, loaded once: data_dir -> (X, y, folds)
    collect = _Collect()
    root = logging.getLogger()
    root.addHandler(collect)  # this process belongs to the executor: its records go to the parent
    root.setLevel(log_level)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        job_id, kind, data_dir, args = message
        try:
            if data_dir not in shared:
                shared.clear()
                shared[data_dir] = (None, None, None) if data_dir is None else _load(data_dir)
            reply = (job_id, run_job(kind, shared[data_dir], args, lambda: conn.send((job_id, WRAPPING_UP))),
                     None, collect.records)
        except Exception as err:  # noqa: BLE001 - a failing job is reported to the parent, never kills the worker
            reply = (job_id, None, f"{type(err).__name__}: {err}", collect.records)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception as err:  # noqa: BLE001 - e.g. a result that cannot be pickled
            conn.send((job_id, None, f"the result could not be sent back: {err}", collect.records))
        collect.records = []


def main(argv: list[str]) -> None:
    """``python -m mlpilot.search.worker FD LOG_LEVEL MODULES``: serve the parent on socket FD."""
    from multiprocessing.connection import Connection

    conn = Connection(int(argv[1]))
    serve(conn, int(argv[2]), tuple(m for m in argv[3].split(",") if m))


if __name__ == "__main__":
    import sys

    from mlpilot.search import worker  # run the imported module, whose classes pickle by their real name

    worker.main(sys.argv)
