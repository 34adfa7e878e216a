"""Model families, one file each; ``FAMILIES`` lists them by key."""

from mlpilot.models.base import FitContext, FittedModel, ModelFamily
from mlpilot.models.lightgbm import LightGBMFamily
from mlpilot.models.linear import LinearFamily

FAMILIES: dict[str, ModelFamily] = {f.key: f for f in (LightGBMFamily(), LinearFamily())}

__all__ = ["FAMILIES", "FitContext", "FittedModel", "ModelFamily"]
