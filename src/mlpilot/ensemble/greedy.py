"""Greedy ensemble selection with replacement over out-of-fold predictions (Caruana et al., 2004)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from mlpilot.evaluate.metrics import Metric

__all__ = ["greedy_selection"]


def greedy_selection(oofs: list[np.ndarray], y: np.ndarray, metric: Metric, rounds: int = 25,
                     costs: list[float] | None = None, max_cost: float | None = None) -> dict[int, float]:
    """Weights (index -> weight, summing to 1) of the blend that minimises the metric's loss on ``y``.

    Each round adds the member whose addition helps most; a member may be added many times.
    Stops early when no addition helps. With ``costs`` (e.g. each member's latency) and
    ``max_cost``, the members' total cost stays within ``max_cost``; if no member fits alone,
    the blend is the cheapest member.
    """
    if costs is not None and max_cost is not None and min(costs) > max_cost:
        return {int(np.argmin(costs)): 1.0}
    chosen: list[int] = []
    blend = np.zeros_like(oofs[0], dtype=float)
    best_loss = np.inf
    for _ in range(rounds):
        n = len(chosen)
        spent = sum(costs[i] for i in set(chosen)) if costs is not None else 0.0
        losses = [np.inf if not _affordable(i, chosen, spent, costs, max_cost)
                  else metric.loss(y, (blend * n + p) / (n + 1)) for i, p in enumerate(oofs)]
        if np.all(np.isinf(losses)):
            break
        j = int(np.nanargmin(losses))
        if losses[j] >= best_loss - 1e-12 and chosen:
            break
        best_loss = losses[j]
        blend = (blend * n + oofs[j]) / (n + 1)
        chosen.append(j)
    counts = Counter(chosen)
    return {i: c / len(chosen) for i, c in sorted(counts.items())}


def _affordable(i: int, chosen: list[int], spent: float, costs: list[float] | None, max_cost: float | None) -> bool:
    return costs is None or max_cost is None or i in chosen or spent + costs[i] <= max_cost
