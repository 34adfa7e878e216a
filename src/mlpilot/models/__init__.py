"""Model families, one file each; ``FAMILIES`` lists them by key.

Every family is listed, so that any bundle can be loaded; ``available_families`` keeps
those whose training library is installed (the MLP needs the optional PyTorch).
"""

from mlpilot.models.base import FitContext, FittedModel, ModelFamily
from mlpilot.models.catboost import CatBoostFamily
from mlpilot.models.forest import ExtraTreesFamily, RandomForestFamily
from mlpilot.models.knn import KNNFamily
from mlpilot.models.lightgbm import LightGBMFamily
from mlpilot.models.linear import LinearFamily
from mlpilot.models.mlp import MLPFamily
from mlpilot.models.xgboost import XGBoostFamily

FAMILIES: dict[str, ModelFamily] = {f.key: f for f in (
    LightGBMFamily(), XGBoostFamily(), CatBoostFamily(), RandomForestFamily(), ExtraTreesFamily(),
    LinearFamily(), KNNFamily(), MLPFamily(),
)}


def available_families() -> dict[str, ModelFamily]:
    """The families that can train here."""
    return {k: f for k, f in FAMILIES.items() if f.available()}


__all__ = ["FAMILIES", "FitContext", "FittedModel", "ModelFamily", "available_families"]
