"""Executors: where trials and refits run.

:class:`ProcessPool` (the default) runs each job in a worker process of its own. The
parent keeps the clock: a job still running past its ``kill_at`` is stopped (the worker
is killed and replaced), and so is a job whose worker grows past the memory limit. A
stopped job yields an :class:`Outcome` with the reason, never an exception, so a fit goes
on with the models it has. :class:`InlinePool` runs jobs in the calling process (no hard
stop; for debugging, and where processes cannot be started: ``MLPILOT_WORKERS=0``).
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_ready
from pathlib import Path
from typing import Any

import numpy as np

from mlpilot.search import worker

logger = logging.getLogger(__name__)

__all__ = ["Outcome", "ProcessPool", "InlinePool", "Pool", "open_pool"]

MB = 2**20
POLL_S = 0.1
CLOSE_S = 2.0
SMALL_DATA_ROWS = 5000  # below this, presets that tune run one-thread trials side by side
MEMORY_SHARE = 0.8  # of the memory available at the start, for the workers together
MIN_POOL_SECONDS = 10.0  # shorter fits run their trials in-process
# A worker holding more than this (plus the shared data) after a job is replaced by a fresh one: the
# libraries a job imported stay in its worker (PyTorch: 180 MB; LightGBM, XGBoost and CatBoost
# together, once tuning has gone through them: 250 MB), as does what the allocator keeps. At 320 MB
# the median peak of the suite's fits was 703 MB; at 200, credit_approval went from 837 to 542 MB
# with no loss of accuracy on the large sets, where workers are replaced more often.
RECYCLE_MB = 320.0
# A worker that has imported one family's library (XGBoost, CatBoost, PyTorch: a family's ``requires``)
# and holds more than this beyond the data is replaced, not given a job that needs another: tuning goes
# family by family, so a switch is rare, and a worker holding every library (credit_approval: 837 MB
# for the whole fit) never forms.
SWITCH_MB = 200.0
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding this mlpilot package


@dataclass
class Outcome:
    """What a job gave: ``value``, or ``error`` saying why there is none."""

    value: Any = None
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class _Job:
    id: int
    kind: str
    kill_at: float | None
    wrap_up_at: float | None = None  # the later stop once the job says it is saving its models
    started: float = field(default_factory=time.monotonic)


class _Worker:
    """A ``python -m mlpilot.search.worker`` process, talked to over a private socket pair.

    A plain subprocess rather than multiprocessing's spawn: spawn re-runs the caller's main
    module, which breaks scripts without an ``if __name__ == "__main__"`` guard; fork is
    unsafe once OpenMP (LightGBM, XGBoost) has run in the parent.
    """

    def __init__(self, log_level: int, warm: tuple[str, ...], stderr_dir: str):
        import psutil

        ours, theirs = socket.socketpair()
        self.stderr_path = Path(stderr_dir) / f"worker-{id(self)}.stderr"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_PACKAGE_ROOT,
                                                                          os.environ.get("PYTHONPATH")]))}
        with open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mlpilot.search.worker", str(theirs.fileno()), str(log_level), ",".join(warm)],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                env=env)
        theirs.close()
        self.conn = Connection(ours.detach())
        self.ps = psutil.Process(self.process.pid)
        self.job: _Job | None = None
        self.libraries = set(warm)  # the families' libraries this worker has imported (or will, warming up)

    def rss_mb(self) -> float:
        try:
            return self.ps.memory_info().rss / MB
        except Exception:  # noqa: BLE001 - psutil.Error: the process is gone, which the caller sees next
            return 0.0

    def last_words(self) -> str:
        """Why the process ended: its exit code and the last line it wrote to stderr."""
        code = self.process.poll()
        try:
            lines = self.stderr_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            lines = []
        return f"exit code {code}" + (f": {lines[-1][:300]}" if lines else "")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(CLOSE_S)
        self.conn.close()


class _Shared:
    """A temporary directory: the training data the jobs read (a subdirectory per ``share``)
    and the workers' stderr."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="mlpilot-pool-")
        self.dir: str | None = None
        self._count = itertools.count()

    def share(self, X: np.ndarray, y: np.ndarray, folds) -> None:
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = os.path.join(self.root, f"data-{next(self._count)}")
        os.mkdir(self.dir)
        worker.share_data(Path(self.dir), X, y, folds)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class ProcessPool:
    """Up to ``n_workers`` worker processes, one job each at a time. Use as a context manager."""

    stops_jobs = True  # a job past its kill_at is stopped

    def __init__(self, n_workers: int = 1, memory_limit_mb: float | None = None, warm: tuple[str, ...] = ()):
        self.n_workers = max(1, int(n_workers))
        self.memory_limit_mb = memory_limit_mb
        self._log_level = logging.getLogger().getEffectiveLevel()
        self._warm = tuple(warm)  # modules a new worker imports while the parent prepares the data
        self._workers: list[_Worker] = []
        self._ids = itertools.count()
        self._shared = _Shared()
        self._data_mb = 0.0
        for _ in range(self.n_workers):
            self._spawn(self._warm)

    # -- data and jobs
    def share(self, X: np.ndarray, y: np.ndarray, folds) -> None:
        self._shared.share(X, y, folds)
        self._data_mb = (X.nbytes + y.nbytes) / MB

    def idle(self) -> int:
        return sum(w.job is None for w in self._workers) + (self.n_workers - len(self._workers))

    def submit(self, kind: str, args: tuple, kill_at: float | None, wrap_up_at: float | None = None,
               libraries: tuple[str, ...] = ()) -> int:
        """Start a job; it is stopped at ``kill_at``, or at ``wrap_up_at`` if by then it has said that
        it is saving its models (training done: saving a large booster takes seconds). ``libraries``:
        what the job's family imports (see ``SWITCH_MB``)."""
        free = next((w for w in self._workers if w.job is None), None)
        new = set(libraries) - (free.libraries if free is not None else set())
        if free is not None and new and free.libraries and free.rss_mb() > SWITCH_MB + self._data_mb:
            logger.debug("Worker with %s replaced before a job that needs %s.", sorted(free.libraries), sorted(new))
            self._discard(free)
            free = None
        free = free or self._spawn(tuple(libraries))
        free.libraries |= set(libraries)
        job_id = next(self._ids)
        store = os.path.join(self._shared.root, f"models-{job_id}")  # where the job saves its models
        free.job = _Job(job_id, kind, kill_at, wrap_up_at)
        free.conn.send((job_id, kind, self._shared.dir, (*args, store)))
        return job_id

    def wait(self) -> list[tuple[int, Outcome]]:
        """Block until at least one job ends; stop jobs past their limits on the way."""
        while True:
            busy = [w for w in self._workers if w.job is not None]
            if not busy:
                return []
            ready = wait_ready([w.conn for w in busy], POLL_S)
            done = [self._check(w, w.conn in ready) for w in busy]
            done = [d for d in done if d is not None]
            if done:
                return done

    def close(self) -> None:
        self.stop_workers()
        self._shared.close()

    def stop_workers(self) -> None:
        """End the worker processes (their memory goes back), keeping the files they stored (fold models),
        which ``close`` removes."""
        for w in self._workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + CLOSE_S
        for w in self._workers:
            try:
                w.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            w.kill()
        self._workers.clear()

    def __enter__(self) -> ProcessPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals
    def _spawn(self, warm: tuple[str, ...]) -> _Worker:
        w = _Worker(self._log_level, warm, self._shared.root)
        self._workers.append(w)
        return w

    def _check(self, w: _Worker, ready: bool) -> tuple[int, Outcome] | None:
        job = w.job
        seconds = time.monotonic() - job.started
        if ready:
            try:
                message = w.conn.recv()
            except (EOFError, OSError):
                w.process.wait(CLOSE_S)
                return self._stop(w, f"its worker process died ({w.last_words()})", seconds)
            if message[1:] == (worker.WRAPPING_UP,):
                if job.kill_at is not None and job.wrap_up_at is not None:
                    job.kill_at = max(job.kill_at, job.wrap_up_at)
                return None
            job_id, value, error, records = message
            _replay(records)
            w.job = None
            self._recycle_if_large(w)
            return job_id, Outcome(value, error, seconds)
        if job.kill_at is not None and time.monotonic() > job.kill_at:
            return self._stop(w, f"stopped: still running {time.monotonic() - job.kill_at:.1f} s past its "
                                 "deadline", seconds)
        if self.memory_limit_mb is not None and w.rss_mb() > self.memory_limit_mb:
            return self._stop(w, f"stopped: it used more than the memory limit of {self.memory_limit_mb:.0f} MB "
                                 "(MLPILOT_MEMORY_LIMIT_MB)", seconds)
        return None

    def _recycle_if_large(self, w: _Worker) -> None:
        """Replace an idle worker that holds more than ``RECYCLE_MB`` beyond the shared data: the
        next job starts a fresh one."""
        rss = w.rss_mb()
        if rss > RECYCLE_MB + self._data_mb:
            logger.debug("Worker holds %.0f MB after its job: replaced.", rss)
            self._discard(w)  # idle, its results already sent: a kill frees the memory at once

    def _discard(self, w: _Worker) -> None:
        """Kill a worker and forget it; the next job without a free worker starts a new one."""
        w.kill()
        self._workers.remove(w)

    def _stop(self, w: _Worker, reason: str, seconds: float) -> tuple[int, Outcome]:
        job, w.job = w.job, None
        self._discard(w)
        logger.debug("Worker of job %d (%s) stopped: %s.", job.id, job.kind, reason)
        return job.id, Outcome(None, reason, seconds)


def _replay(records: list[dict[str, Any]]) -> None:
    for fields in records:
        record = logging.makeLogRecord(fields)
        logging.getLogger(record.name).handle(record)


class InlinePool:
    """Runs each job at once in this process; same interface as :class:`ProcessPool`."""

    stops_jobs = False  # only the families' own deadlines end a job
    n_workers = 1
    memory_limit_mb = None

    def __init__(self):
        self._ids = itertools.count()
        self._done: list[tuple[int, Outcome]] = []
        self._data: tuple | None = None

    def share(self, X: np.ndarray, y: np.ndarray, folds) -> None:
        self._data = (X, y, folds)

    def idle(self) -> int:
        return 0 if self._done else 1

    def submit(self, kind: str, args: tuple, kill_at: float | None, wrap_up_at: float | None = None,
               libraries: tuple[str, ...] = ()) -> int:
        job_id = next(self._ids)
        t0 = time.monotonic()
        try:
            value, error = worker.run_job(kind, self._data or (None, None, None), args), None
        except (ValueError, MemoryError, RuntimeError, ArithmeticError, OSError) as err:
            value, error = None, f"{type(err).__name__}: {err}"
        self._done.append((job_id, Outcome(value, error, time.monotonic() - t0)))
        return job_id

    def wait(self) -> list[tuple[int, Outcome]]:
        done, self._done = self._done, []
        return done

    def stop_workers(self) -> None:
        """No worker process to stop: the jobs run in this one."""

    def close(self) -> None:
        self._data = None

    def __enter__(self) -> InlinePool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


Pool = ProcessPool | InlinePool


def open_pool(n_rows: int, time_limit: float, deterministic: bool = False, warm: tuple[str, ...] = (),
              side_by_side: bool = True) -> tuple[Pool, int]:
    """The executor for a fit on ``n_rows`` rows, and the threads each model gets.

    By default one worker whose models use every CPU (LightGBM takes one thread on small data
    by itself). With ``side_by_side`` and small data, as many one-thread workers as CPUs run
    trials side by side: each worker costs ~200 MB, which pays when the search has more to try
    than the time allows (presets that tune). ``deterministic`` runs one trial at a
    time, so that nothing depends on which trial ends first. Under ``MIN_POOL_SECONDS`` of
    ``time_limit``, starting workers (a second or two) would eat the budget: trials run in
    this process, stopped at their deadlines by the families alone. MLPILOT_WORKERS and
    MLPILOT_MEMORY_LIMIT_MB override the choices (see :mod:`mlpilot.config`).
    """
    import psutil

    from mlpilot import config

    cpus = config.threads()
    side_by_side = side_by_side and n_rows < SMALL_DATA_ROWS and not deterministic
    n_workers = config.workers()
    if n_workers is None:
        n_workers = 0 if time_limit < MIN_POOL_SECONDS and not deterministic else cpus if side_by_side else 1
    if n_workers == 0:
        return InlinePool(), cpus
    n_jobs = max(1, cpus // n_workers)
    limit = config.memory_limit_mb()
    if limit is None:
        limit = MEMORY_SHARE * psutil.virtual_memory().available / MB / n_workers
    return ProcessPool(n_workers, limit, warm), n_jobs
