"""The ensemble's answer from its members' predictions: their weighted sum (then the temperature), or the
stacker's; what the predictor serves and what the held-out importance scores."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlpilot.ensemble.calibration import apply_temperature
from mlpilot.ensemble.stacking import LinearStacker

__all__ = ["combine"]


def combine(preds: Sequence[np.ndarray], weights: Sequence[float], stacker: LinearStacker | None = None,
            temperature: float | None = None) -> np.ndarray:
    """The members' predictions ``preds`` combined by the stacker if there is one, else by ``weights``
    and then ``temperature`` (classification; None: the weighted sum as it is)."""
    if stacker is not None:
        return stacker.predict(list(preds))
    out = None
    for w, p in zip(weights, preds):
        out = w * p if out is None else out + w * p
    return out if temperature is None else apply_temperature(out, temperature)
