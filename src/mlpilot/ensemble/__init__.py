"""Ensemble selection and stacking over out-of-fold predictions."""
