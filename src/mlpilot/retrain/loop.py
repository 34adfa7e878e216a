"""`mlpilot serve --auto-retrain`: a background loop that watches the served models and retrains them.

Every ``check_seconds`` it computes each served model's monitoring figures over the rows answered
since its champion was registered and asks the policy whether to retrain. A retraining runs as a
separate, lower-priority process (`mlpilot retrain`), so serving keeps its CPU share and its
event loop; the service picks up a promoted champion through its usual alias polling. With
several server processes, one of them (the holder of a lock file) runs the loop.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from mlpilot.bundle.predictor import Predictor, load
from mlpilot.monitoring.monitor import monitor
from mlpilot.registry.history import list_decisions
from mlpilot.registry.store import Registry
from mlpilot.retrain.decide import triggers
from mlpilot.retrain.policy import RetrainPolicy
from mlpilot.serving.predlog import LogStore

logger = logging.getLogger(__name__)

__all__ = ["AutoRetrainer"]

NICE = 10  # the retraining process's niceness: serving comes first
RETRAIN_TIMEOUT_FACTOR = 3  # a retraining process still running after this many time limits (+60 s) is stopped


class AutoRetrainer:
    """Watches ``names`` (empty: every registered model) and retrains them by ``policy``."""

    def __init__(self, registry: Registry, store: LogStore, policy: RetrainPolicy, names: tuple[str, ...] = (),
                 policy_file: Path | None = None):
        self.registry, self.store, self.policy, self.names = registry, store, policy, names
        self.policy_file = policy_file
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_fd: int | None = None
        self._loaded: dict[str, tuple[int, Predictor]] = {}  # name -> (champion version, its predictor)

    def start(self) -> bool:
        """Start the loop in a daemon thread if this process wins the lock; returns whether it did."""
        if not self._take_lock():
            return False
        self._thread = threading.Thread(target=self._run, name="mlpilot-retrain", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _take_lock(self) -> bool:
        import fcntl

        self.store.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.store.root / ".auto-retrain.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.policy.check_seconds):
            for name in self.names or tuple(self.registry.names()):
                if self._stop.is_set():
                    return
                try:
                    self.check(name)
                except Exception:  # noqa: BLE001 - one model's trouble must not stop the loop for the others
                    logger.exception("Automatic retraining check of %s failed.", name)

    def check(self, name: str) -> list[str]:
        """Retrain ``name`` now if its policy says so; returns the reasons (empty: nothing done)."""
        champion = self.registry.resolve(f"{name}@champion")
        since = datetime.fromisoformat(champion.created_at).timestamp()
        last = list_decisions(self.registry, name, limit=1)
        if last:  # rows already judged by an earlier decision on this champion do not count twice
            since = max(since, datetime.fromisoformat(last[0]["at"]).timestamp())
        predictor = self._predictor(name, champion.version, champion.path)
        state = monitor(name, predictor, champion.version, self.store, since=since)
        hours = None if not last else (time.time() - datetime.fromisoformat(last[0]["at"]).timestamp()) / 3600
        reasons = triggers(state, self.policy, predictor.task, hours)
        if reasons:
            logger.info("Retraining %s: %s.", name, "; ".join(reasons))
            self._retrain(name, "; ".join(reasons))
        return reasons

    def _predictor(self, name: str, version: int, path: Path) -> Predictor:
        """The champion's predictor, loaded (and its files' hashes checked) once per version, not at every check."""
        cached = self._loaded.get(name)
        if cached is None or cached[0] != version:
            cached = self._loaded[name] = (version, load(path))
        return cached[1]

    def _retrain(self, name: str, reason: str) -> None:
        cmd = [sys.executable, "-m", "mlpilot", "retrain", name, "--reason", f"automatic: {reason}"]
        if self.policy_file is not None:
            cmd += ["--policy", str(self.policy_file)]
        for key, flag in (("mode", "--mode"), ("time_limit", "--time-limit"), ("min_labels", "--min-labels"),
                          ("recent_share", "--recent-share"), ("margin", "--margin")):
            cmd += [flag, str(getattr(self.policy, key))]
        timeout = RETRAIN_TIMEOUT_FACTOR * self.policy.time_limit + 60
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                 preexec_fn=lambda: os.nice(NICE))
        except subprocess.TimeoutExpired:
            logger.error("Retraining %s took more than %.0f s and was stopped; the champion is unchanged.",
                         name, timeout)
            return
        (logger.info if run.returncode == 0 else logger.error)("Retraining %s: %s", name,
                                                               (run.stdout or run.stderr).strip()[-2000:])
