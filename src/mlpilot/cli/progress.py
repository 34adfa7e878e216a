"""A Rich progress bar that follows the fit's clock and names the model being trained."""

from __future__ import annotations

import threading
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["FitProgress"]


class FitProgress:
    """Context manager; pass ``.on_event`` to ``mlpilot.fit``. The bar fills with the time budget."""

    def __init__(self, time_limit: float, already: float, enabled: bool = True):
        self.limit, self.start, self.enabled = time_limit, time.monotonic() - already, enabled
        self.progress = Progress(TextColumn("[bold]{task.description:<28}"), BarColumn(),
                                 TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
                                 console=Console(stderr=True), transient=False, disable=not enabled)
        self.task = self.progress.add_task("preparing data", total=time_limit, info="")
        self.best: str = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            self.progress.update(self.task, completed=min(self.limit, time.monotonic() - self.start))

    def on_event(self, kind: str, info: dict) -> None:
        if not self.enabled:
            return
        if kind == "trial_start":
            self.progress.update(self.task, description=f"training {info['name']}")
        elif kind == "trial_end" and info.get("score") is not None:
            self.progress.console.print(f"  {info['name']:<16} score {info['score']:.5f}  ({info['seconds']:.1f} s)")
        elif kind == "trial_end" and info.get("error"):
            self.progress.console.print(f"  {info['name']:<16} skipped: {info['error']}", markup=False)

    def __enter__(self) -> FitProgress:
        self.progress.start()
        self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._stop.set()
        self._thread.join()
        if exc_type is None:
            self.progress.update(self.task, description="done", completed=self.limit)
            self.progress.stop()
        elif self.enabled:  # leave no bar (nor blank line) behind: the error message is the last line
            self.progress.update(self.task, visible=False)
            self.progress.live.transient = True
            self.progress.live.stop()
