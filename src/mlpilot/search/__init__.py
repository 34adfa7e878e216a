"""Time budget, trial scheduler, cross-validation and out-of-fold predictions."""
