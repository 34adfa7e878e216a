"""Infer and check the learning task from the target column."""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from mlpilot.exceptions import ConfigError, TaskError

__all__ = ["Task", "infer_task", "check_target"]

MAX_INTEGER_CLASSES = 10
MAX_CLASSES = 500


class Task(StrEnum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"

    @property
    def is_classification(self) -> bool:
        return self is not Task.REGRESSION


def _plain(value: object) -> object:
    """The value as users wrote it, for messages: 1, not np.int64(1) or 1.0 (ints with nulls load as floats)."""
    value = value.item() if isinstance(value, np.generic) else value
    return int(value) if isinstance(value, float) and value.is_integer() else value


def check_target(y: pd.Series) -> pd.Series:
    """The target without its null rows; errors for a target that cannot be learnt."""
    name = y.name
    kept = y.dropna()
    if kept.empty:
        raise TaskError(f"Target column '{name}' is empty: all {len(y)} values are missing. "
                        "Choose a target column with known values.")
    uniques = kept.unique()
    if len(uniques) == 1:
        raise TaskError(f"Target column '{name}' has the single value {_plain(uniques[0])!r} in all {len(kept)} "
                        "labelled rows: there is nothing to learn. Choose another target or add rows "
                        "with other values.")
    if pd.api.types.is_float_dtype(kept):
        infinite = int(np.isinf(kept.to_numpy(dtype=float)).sum())
        if infinite:
            raise TaskError(f"Target column '{name}' has {infinite} infinite value(s); allowed: finite numbers "
                            "or empty (rows with an empty target are dropped). Fix or remove those rows.")
    return kept


def _is_integral(y: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(y) or pd.api.types.is_bool_dtype(y):
        return True
    return pd.api.types.is_float_dtype(y) and bool(np.all(np.mod(y.to_numpy(dtype=float), 1) == 0))


def infer_task(y: pd.Series, requested: str | Task = "auto") -> Task:
    """The task for target ``y`` (nulls already removed); ``requested`` overrides the guess."""
    n_unique = y.nunique()
    numeric = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
    if requested is not None and str(requested).strip().lower() != "auto":
        try:
            task = Task(str(requested).strip().lower())
        except ValueError as err:
            raise ConfigError(f"--task is {requested!r}; allowed: auto, "
                              f"{', '.join(t.value for t in Task)}.") from err
        return _check_requested(y, task, n_unique, numeric)
    if n_unique == 2:
        return Task.BINARY
    if not numeric:
        if n_unique > MAX_CLASSES:
            raise TaskError(f"Target column '{y.name}' holds text with {n_unique} distinct values (e.g. "
                            f"{_plain(y.iloc[0])!r}); classification allows at most {MAX_CLASSES} classes. "
                            "Choose another target, group rare values, or convert it to numbers for regression.")
        return Task.MULTICLASS
    if _is_integral(y) and n_unique <= MAX_INTEGER_CLASSES:
        return Task.MULTICLASS
    return Task.REGRESSION


def _check_requested(y: pd.Series, task: Task, n_unique: int, numeric: bool) -> Task:
    name = y.name
    if task is Task.REGRESSION and not numeric:
        what = "true/false values" if pd.api.types.is_bool_dtype(y) else "text values"
        raise TaskError(f"Target column '{name}' holds {what} (e.g. {_plain(y.iloc[0])!r}), but --task is "
                        "regression, which needs numbers. Use --task auto, binary or multiclass.")
    if task is Task.BINARY and n_unique != 2:
        raise TaskError(f"Target column '{name}' has {n_unique} distinct values, but --task binary needs "
                        "exactly 2. Use --task multiclass or regression.")
    if task is Task.MULTICLASS and n_unique > MAX_CLASSES:
        raise TaskError(f"Target column '{name}' has {n_unique} distinct values; multiclass allows at most "
                        f"{MAX_CLASSES}. Use --task regression for a numeric target.")
    if task is Task.MULTICLASS and n_unique == 2:
        return Task.BINARY
    return task
