"""The clock of a fit: one deadline, measured on the monotonic clock."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

__all__ = ["Budget"]


@dataclass(frozen=True)
class Budget:
    """``limit`` seconds counted from ``start`` (a ``time.monotonic()`` value)."""

    limit: float
    start: float

    @classmethod
    def starting_now(cls, limit: float, already_spent: float = 0.0) -> Budget:
        return cls(limit, time.monotonic() - max(0.0, already_spent))

    @property
    def deadline(self) -> float:
        return self.start + self.limit

    @property
    def unlimited(self) -> bool:
        """A budget of trials, not of time (``--deterministic``): nothing is cut short."""
        return math.isinf(self.limit)

    @property
    def hard_deadline(self) -> float | None:
        """The deadline to give model fits: None when the budget is unlimited."""
        return None if self.unlimited else self.deadline

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def reserve(self, seconds: float) -> Budget:
        """The same start with ``seconds`` kept back at the end (for ensembling and saving)."""
        if self.unlimited:
            return self
        return Budget(max(0.0, self.limit - seconds), self.start)
