"""When to retrain and how: a policy from a TOML file, CLI flags on top.

    # retrain.toml
    on_drift = true            # when input or prediction drift is flagged
    performance_drop = 0.02    # when the live score's interval lies this far below the validation score
    after_labels = 1000        # after this many new labels
    every_hours = 24           # on a schedule (0: never)
    mode = "refit"             # "refit": the champion's configurations on the new data; "search": a full fit
    time_limit = 60            # seconds for the new fit
    min_labels = 200           # no retraining with fewer new labelled rows
    recent_share = 0.3         # the newest labelled rows kept out of training, to compare on
    margin = 0.0               # the challenger must beat the champion by more than this (in the metric)
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlpilot.exceptions import ConfigError

__all__ = ["RetrainPolicy", "load_policy"]

MODES = ("refit", "search")


@dataclass(frozen=True)
class RetrainPolicy:
    on_drift: bool = True
    performance_drop: float | None = 0.02
    after_labels: int | None = 1000
    every_hours: float = 0.0
    mode: str = "refit"
    time_limit: float = 60.0
    min_labels: int = 200
    recent_share: float = 0.3
    margin: float = 0.0
    check_seconds: float = 60.0  # how often `mlpilot serve --auto-retrain` looks at the logs

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"Retrain policy 'mode' is {self.mode!r}; allowed: {', '.join(MODES)}.")
        if not 0.05 <= self.recent_share <= 0.9:
            raise ConfigError(f"Retrain policy 'recent_share' is {self.recent_share}; allowed: 0.05 to 0.9.")
        for key in ("time_limit", "check_seconds"):
            if not getattr(self, key) > 0:
                raise ConfigError(f"Retrain policy '{key}' is {getattr(self, key)}; allowed: a positive number.")
        if self.min_labels < 20:
            raise ConfigError(f"Retrain policy 'min_labels' is {self.min_labels}; allowed: 20 or more.")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_policy(path: str | Path | None = None, **overrides: Any) -> RetrainPolicy:
    """The policy in the TOML file ``path`` (None: the defaults), with ``overrides`` (not None) on top."""
    values: dict[str, Any] = {}
    if path is not None:
        try:
            values = tomllib.loads(Path(path).read_text())
        except FileNotFoundError as err:
            raise ConfigError(f"--policy '{path}' does not exist.") from err
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"--policy '{path}' is not valid TOML: {err}.") from err
    values |= {k: v for k, v in overrides.items() if v is not None}
    known = {f.name for f in dataclasses.fields(RetrainPolicy)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"Retrain policy has unknown setting '{unknown[0]}'; allowed: {', '.join(sorted(known))}.")
    try:
        return RetrainPolicy(**values)
    except TypeError as err:
        raise ConfigError(f"Retrain policy: {err}.") from err
