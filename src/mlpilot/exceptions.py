"""The one error tree of mlpilot.

Every error that a user can cause derives from :class:`MlpilotError` and from the builtin
that fits it, so callers may catch either. Messages name the thing (file, column,
parameter), what was received and what is allowed.
"""

from __future__ import annotations

__all__ = [
    "MlpilotError",
    "DataError",
    "SchemaError",
    "TaskError",
    "ConfigError",
    "BundleError",
    "NotFittedError",
    "TimeBudgetError",
    "NotFoundError",
    "LimitError",
]


class MlpilotError(Exception):
    """Base class of every error mlpilot raises on purpose."""


class DataError(MlpilotError, ValueError):
    """The input data cannot be read or used (empty, unreadable, wrong format)."""


class SchemaError(DataError):
    """The data's columns do not match what is required (missing column, wrong type)."""


class TaskError(DataError):
    """The target cannot be learnt as asked (one class, all nulls, wrong task)."""


class ConfigError(MlpilotError, ValueError):
    """A parameter or option has a value that is not allowed."""


class BundleError(MlpilotError, OSError):
    """A saved model bundle is missing, incomplete, tampered with or of an unknown format."""


class NotFittedError(MlpilotError, ValueError, AttributeError):
    """A model was used before it was fitted (like scikit-learn's, a ValueError and an AttributeError)."""


class TimeBudgetError(MlpilotError, RuntimeError):
    """The time limit was too short to train even one model."""


class NotFoundError(MlpilotError, LookupError):
    """A registered model, version or alias that does not exist."""


class LimitError(MlpilotError, ValueError):
    """A request or an input is larger than a configured limit (rows, bytes)."""
