"""Single-row latency: how long one call takes, as a median over a few repeats."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

__all__ = ["median_ms"]


def median_ms(call: Callable[[], object], repeats: int = 15, warmup: int = 2) -> float:
    """The median wall time of ``call()`` in milliseconds, after ``warmup`` calls not timed."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return float(np.median(times) * 1000.0)
