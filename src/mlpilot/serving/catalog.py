"""The models a service serves: each name's champion, loaded, and swapped when its alias moves.

A background thread asks the registry every ``poll_seconds`` where each name's champion
points; a moved alias is loaded off the request path and then swapped in with one reference
assignment, so requests in flight finish on the version they started with and none is
dropped. Explicit versions (``/v2/models/NAME/versions/3``) are loaded on demand and kept in
a small cache.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from mlpilot.bundle.predictor import Predictor, load
from mlpilot.exceptions import MlpilotError, NotFoundError
from mlpilot.registry import Registry

logger = logging.getLogger(__name__)

__all__ = ["Served", "ModelCatalog"]

VERSION_CACHE = 4  # explicitly requested versions kept loaded


@dataclass(frozen=True)
class Served:
    name: str
    version: int
    predictor: Predictor


class ModelCatalog:
    """Serves ``names`` (empty: every registered model, new names included) from ``registry``."""

    def __init__(self, registry: Registry, names: tuple[str, ...] = (), poll_seconds: float = 2.0):
        self.registry, self.names, self.poll_seconds = registry, tuple(names), poll_seconds
        self._current: dict[str, Served] = {}
        self._versions: OrderedDict[tuple[str, int], Served] = OrderedDict()
        self._lock = threading.Lock()  # for the version cache and for loading; never held by a plain lookup
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Load every served model's champion (a name that is not registered fails here, not later),
        then follow the aliases in the background."""
        for name in self.names:
            self.registry.resolve(name)  # NotFoundError naming the registered models
        self.refresh()
        if self.poll_seconds > 0:
            self._thread = threading.Thread(target=self._follow, name="mlpilot-catalog", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _follow(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the thread; the next poll retries
                logger.exception("Could not check the registry for moved aliases; serving what is loaded.")

    def refresh(self) -> list[str]:
        """Load the champions that moved (or are new); returns what changed, as 'NAME:VERSION'."""
        changed = []
        with self._lock:
            for name in self.names or tuple(self.registry.names()):
                try:
                    found = self.registry.resolve(name)
                except NotFoundError:
                    continue  # deleted, or no versions yet: keep serving what is loaded
                now = self._current.get(name)
                if now is not None and now.version == found.version:
                    continue
                try:
                    served = Served(name, found.version, load(found.path))
                except MlpilotError as err:
                    logger.error("Cannot load %s version %d (%s); still serving version %s.", name,
                                 found.version, err, now.version if now else "none")
                    continue
                self._current[name] = served  # one assignment: requests see the old or the new, whole
                changed.append(f"{name}:{found.version}")
                logger.info("Serving %s version %d.", name, found.version)
        return changed

    # ------------------------------------------------------------------ lookups
    def served_names(self) -> list[str]:
        return sorted(self._current)

    def ready(self) -> bool:
        return bool(self._current) and all(n in self._current for n in self.names)

    def current(self, name: str) -> Served:
        served = self._current.get(name)
        if served is None:
            raise NotFoundError(f"Model '{name}' is not served here; served: "
                                f"{', '.join(self.served_names()) or 'none'}.")
        return served

    def version(self, name: str, version: int) -> Served:
        """``name`` at ``version``, loaded on first use."""
        served = self.current(name)
        if served.version == version:
            return served
        with self._lock:
            key = (name, version)
            if key in self._versions:
                self._versions.move_to_end(key)
                return self._versions[key]
            found = self.registry.get(name, version)  # NotFoundError listing the versions
            served = Served(name, version, load(found.path))
            self._versions[key] = served
            while len(self._versions) > VERSION_CACHE:
                self._versions.popitem(last=False)
            return served

    def wait_until_loaded(self, name: str, version: int, timeout: float = 30.0) -> bool:
        """Refresh until ``name`` serves ``version`` (after an admin promotion); False on timeout."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.refresh()
            if name in self._current and self._current[name].version == version:
                return True
            time.sleep(0.05)
        return False
