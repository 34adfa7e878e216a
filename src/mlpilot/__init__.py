"""mlpilot: a machine-learning engineer on autopilot.

>>> import mlpilot
>>> predictor = mlpilot.fit("train.csv", target="outcome", time_limit=60, out="model")  # doctest: +SKIP
>>> mlpilot.load("model").predict_proba(new_rows)  # doctest: +SKIP
"""

from mlpilot import exceptions as errors
from mlpilot.bundle.predictor import Predictor, load
from mlpilot.pipeline import fit, report

__version__ = "0.1.0"



def __getattr__(name: str):
    """AutoClassifier and AutoRegressor load scikit-learn's estimator machinery only when asked for."""
    if name in ("AutoClassifier", "AutoRegressor"):
        from mlpilot import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'mlpilot' has no attribute {name!r}")


__all__ = ["fit", "report", "load", "Predictor", "AutoClassifier", "AutoRegressor", "errors", "__version__"]
