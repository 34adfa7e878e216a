"""scikit-learn estimators: AutoClassifier and AutoRegressor (placeholder until written)."""

__all__ = ["AutoClassifier", "AutoRegressor"]


class AutoClassifier:  # replaced below
    pass


class AutoRegressor:  # replaced below
    pass
