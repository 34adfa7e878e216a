"""Greedy ensemble selection with replacement over out-of-fold predictions (Caruana et al., 2004)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from mlpilot.evaluate.metrics import Metric

__all__ = ["greedy_selection"]


def greedy_selection(oofs: list[np.ndarray], y: np.ndarray, metric: Metric, rounds: int = 25) -> dict[int, float]:
    """Weights (index -> weight, summing to 1) of the blend that minimises the metric's loss on ``y``.

    Each round adds the member whose addition helps most; a member may be added many times.
    Stops early when no addition helps.
    """
    chosen: list[int] = []
    blend = np.zeros_like(oofs[0], dtype=float)
    best_loss = np.inf
    for _ in range(rounds):
        n = len(chosen)
        losses = [metric.loss(y, (blend * n + p) / (n + 1)) for p in oofs]
        j = int(np.nanargmin(losses))
        if losses[j] >= best_loss - 1e-12 and chosen:
            break
        best_loss = losses[j]
        blend = (blend * n + oofs[j]) / (n + 1)
        chosen.append(j)
    counts = Counter(chosen)
    return {i: c / len(chosen) for i, c in sorted(counts.items())}
