"""mlpilot: a machine-learning engineer on autopilot.

>>> import mlpilot
>>> predictor = mlpilot.fit("train.csv", target="outcome", time_limit=60, out="model")  # doctest: +SKIP
>>> mlpilot.load("model").predict_proba(new_rows)  # doctest: +SKIP
"""

from mlpilot import exceptions as errors
from mlpilot.bundle.predictor import Predictor, load
from mlpilot.estimators import AutoClassifier, AutoRegressor
from mlpilot.pipeline import fit

__version__ = "0.1.0"

__all__ = ["fit", "load", "Predictor", "AutoClassifier", "AutoRegressor", "errors", "__version__"]
