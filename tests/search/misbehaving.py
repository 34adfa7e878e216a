"""Model families that misbehave, for the executor's tests. The worker processes import this module
(by name, from PYTHONPATH), so it holds no test and imports nothing from the tests."""

import logging
import os
import time

import numpy as np

from mlpilot.models.base import FittedModel, ModelFamily

logger = logging.getLogger("misbehaving")


class Constant(FittedModel):
    family = "constant"

    def __init__(self, n_classes):
        self.n_classes = n_classes

    def predict(self, X):
        return np.full((len(X), self.n_classes), 1.0 / self.n_classes)

    def save(self, directory, stem):
        return []

    @classmethod
    def load(cls, directory, stem, meta):
        return cls(2)


class _Family(ModelFamily):
    fitted_class = Constant

    def default_configs(self, task):
        return [{}]


class Sleeper(_Family):
    """Ignores the deadline: sleeps ``seconds`` in every fit."""

    key = "sleeper"

    def fit(self, X, y, config, ctx, X_val=None, y_val=None):
        time.sleep(config["seconds"])
        return Constant(ctx.n_classes)


class Hog(_Family):
    """Holds ``mb`` megabytes (touched, so they count) for ``seconds``."""

    key = "hog"

    def memory_mb(self, n_rows, n_cols, n_classes, config):
        return config.get("declared_mb", 0.0)

    def fit(self, X, y, config, ctx, X_val=None, y_val=None):
        block = np.ones(int(config["mb"] * 2**20 // 8))
        time.sleep(config["seconds"])
        return Constant(int(block[0]) + ctx.n_classes - 1)


class Crasher(_Family):
    """Ends its process at once, as a segfault or the kernel's OOM killer would."""

    key = "crasher"

    def fit(self, X, y, config, ctx, X_val=None, y_val=None):
        os.write(2, b"fatal: the model library crashed\n")
        os._exit(3)


class Chatty(_Family):
    """Logs a warning, then fits a constant."""

    key = "chatty"

    def fit(self, X, y, config, ctx, X_val=None, y_val=None):
        logger.warning("chatty saw %d rows", len(X))
        return Constant(ctx.n_classes)


class SlowToSave(Constant):
    """Trains at once, then takes ``SAVE_SECONDS`` to save (as a booster of thousands of trees does)."""

    family = "slow_to_save"
    SAVE_SECONDS = 3.0

    def save(self, directory, stem):
        time.sleep(self.SAVE_SECONDS)
        return []


class SlowSaver(_Family):
    key = "slow_saver"
    fitted_class = SlowToSave

    def fit(self, X, y, config, ctx, X_val=None, y_val=None):
        return SlowToSave(ctx.n_classes)
