"""Explanations as users see them: the global summary kept in the bundle (importance, partial dependence,
dropped columns), and per-row contributions as a table."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from mlpilot.data.task import Task
from mlpilot.evaluate.contributions import Contributions
from mlpilot.evaluate.importance import PD_COLUMNS, PD_GRID, PD_ROWS, Importance, partial_dependence, pd_grid
from mlpilot.exceptions import ConfigError

__all__ = ["global_explanations", "contribution_frame", "N_BACKGROUND", "background_rows", "META_COLUMNS"]

N_BACKGROUND = 32  # training rows kept in the bundle for the sampling estimate of contributions
META_COLUMNS = ("class", "prediction", "baseline")


def background_rows(M: np.ndarray, seed: int) -> np.ndarray:
    """A seeded sample of prepared training rows for the sampling estimate (at most ``N_BACKGROUND``)."""
    rng = np.random.default_rng(seed)
    return M[np.sort(rng.choice(len(M), min(N_BACKGROUND, len(M)), replace=False))]


def global_explanations(importance: Importance | None, answer: Callable[[np.ndarray], np.ndarray], M: np.ndarray,
                        groups: dict[str, np.ndarray], levels: dict[str, list[str] | None], outputs: list[str],
                        dropped: dict[str, str], seed: int, deadline: float | None = None) -> dict[str, Any]:
    """What the bundle keeps: the held-out importance (None: there was no time for it), the partial dependence
    of ``answer`` (prepared rows -> the columns ``outputs`` name) on the most important columns that are one
    feature each (those that fit before ``deadline``, a ``time.monotonic()`` value), and the columns the data
    checks dropped, with the reason."""
    pd_curves = []
    if importance is not None:
        rng = np.random.default_rng(seed)
        sample = M[rng.choice(len(M), min(PD_ROWS, len(M)), replace=False)]
        cost = 1.5 * importance.row_seconds * len(sample) * PD_GRID  # one column's curve
        for item in importance.to_dict()["columns"]:
            positions = groups[item["column"]]
            if len(pd_curves) >= PD_COLUMNS or item["importance"] <= 0:
                break
            if deadline is not None and time.monotonic() + cost > deadline:
                break
            if len(positions) != 1:
                continue  # a date or text column is several features: no single value to vary
            grid, labels = pd_grid(M[:, positions[0]], levels.get(item["column"]))
            if len(grid) > 1:
                pd_curves.append(partial_dependence(answer, sample, item["column"], int(positions[0]), grid,
                                                    labels, outputs))
    return {"importance": None if importance is None else importance.to_dict(), "partial_dependence": pd_curves,
            "dropped": [{"column": c, "reason": r} for c, r in dropped.items()]}


def _free(name: str, taken: set[str]) -> str:
    while name in taken:
        name = f"_{name}"
    return name


def contribution_frame(c: Contributions, columns: list[str], task: Task, classes: list[Any] | None,
                       class_: Any = None, index: pd.Index | None = None) -> pd.DataFrame:
    """One row per explained row: the class explained (classification: ``class_``, else the predicted one), the
    answer (the value, or that class's probability), the baseline, and each column's contribution; the
    contributions add up to prediction - baseline. A meta column's name is prefixed with '_' where a column
    of the data has it."""
    rows = np.arange(len(c.values))
    if task is Task.REGRESSION and class_ is not None:
        raise ConfigError(f"--class is {class_!r}, but this model does regression: it has no classes to choose "
                          "from; leave --class out.")
    if task is Task.REGRESSION:
        k = np.zeros(len(rows), dtype=int)
    elif class_ is not None:
        k = np.full(len(rows), _class_index(class_, classes))
    elif task is Task.BINARY:
        k = np.ones(len(rows), dtype=int)
    else:
        k = c.output.argmax(axis=1)
    taken = set(columns)
    meta = {}
    if task.is_classification:
        meta[_free("class", taken)] = np.asarray(classes, dtype=object)[k]
    meta[_free("prediction", taken)] = c.output[rows, k]
    meta[_free("baseline", taken)] = c.base[rows, k]
    values = pd.DataFrame(c.values[rows, :, k], columns=columns, index=index)
    return pd.concat([pd.DataFrame(meta, index=index), values], axis=1)


def _class_index(class_: Any, classes: list[Any]) -> int:
    text = [str(x) for x in classes]
    if str(class_) not in text:
        raise ConfigError(f"--class is {class_!r}; allowed: one of the model's classes "
                          f"({', '.join(text[:20])}{', ...' if len(text) > 20 else ''}).")
    return text.index(str(class_))
