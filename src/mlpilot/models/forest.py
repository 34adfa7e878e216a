"""Random forests and extremely randomised trees (scikit-learn), grown in chunks until the deadline.

Two families share this file: ``random_forest`` and ``extra_trees``. Both split on missing
values natively (scikit-learn >= 1.6) and treat category codes as ordered numbers.

Trees are added ``CHUNK`` at a time with ``warm_start``; after each chunk the time per
tree decides how many more fit before ``ctx.deadline``, so a forest returns close to its
deadline with at least one chunk. ``max_leaf_nodes`` caps every tree: unbounded trees on
20,000 rows have 10,000-30,000 nodes, which makes a 300-tree forest 100-550 MB; capped,
it is 20-60 MB on disk (see ``DEFAULT_LEAVES``).

The payload is one skops file (a zip of numpy arrays and a JSON schema; loading builds
only the types listed in ``TRUSTED_TYPES`` and executes no pickled code).
"""

from __future__ import annotations

import sys
import time
import zipfile
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from mlpilot.data.task import Task
from mlpilot.exceptions import BundleError, ConfigError
from mlpilot.models.base import BAG_FOLDS, MB, FitContext, FittedModel, ModelFamily, widen_classes
from mlpilot.models.flat_forest import FlatForest

__all__ = ["ExtraTreesFamily", "ExtraTreesModel", "RandomForestFamily", "RandomForestModel"]

CHUNK = 25  # trees added per warm-start step (rounded up to a multiple of the threads)
MIN_FIRST_CHUNK = 4  # the first chunk: one tree per thread, at least this many
SMALL_BATCH = 2000  # fewer rows are predicted on one thread: starting threads costs more than it saves
FLAT_ROWS = 32  # up to this many rows are predicted through the flat arrays (see mlpilot.models.flat_forest)
TRUSTED_TYPES = ["sklearn.tree._tree.Tree"]  # besides skops' defaults (numpy, builtins, sklearn estimators)


class _NoTorch:
    """An import finder that refuses PyTorch (see ``_skops_io``)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError("PyTorch is not imported while skops lists its trusted types", name=name)
        return None


def _skops_io():
    """``skops.io``, imported without PyTorch. skops lists scikit-learn's estimators by walking
    its packages, which imports PyTorch through scikit-learn's array-API shim: 300 MB in every
    process that saves or loads a forest, for types a forest never holds. The walk skips a
    package that fails to import."""
    if "skops.io" not in sys.modules and "torch" not in sys.modules:
        finder = _NoTorch()
        sys.meta_path.insert(0, finder)
        try:
            import skops.io  # noqa: F401
        finally:
            sys.meta_path.remove(finder)
    import skops.io as sio

    return sio


class ForestModel(FittedModel):
    """A fitted scikit-learn forest; classification probabilities are widened to all ``n_classes``."""

    estimator_names: ClassVar[tuple[str, str]]  # (classifier, regressor) class names in sklearn.ensemble

    def __init__(self, forest, task: Task, n_classes: int):
        self.forest, self.task, self.n_classes = forest, task, n_classes
        self.threads = forest.n_jobs
        self._flat: FlatForest | None = None  # built at the first small batch

    @property
    def n_trees(self) -> int:
        return len(self.forest.estimators_)

    def predict(self, X: np.ndarray) -> np.ndarray:
        if len(X) <= FLAT_ROWS:
            if self._flat is None:
                self._flat = FlatForest([tree.tree_ for tree in self.forest.estimators_])
            out = self._flat.predict(X)
        else:
            self.forest.n_jobs = 1 if len(X) < SMALL_BATCH else self.threads
            out = self.forest.predict(X) if self.task is Task.REGRESSION else self.forest.predict_proba(X)
        if self.task is Task.REGRESSION:
            return out.reshape(len(X))
        return widen_classes(out, self.forest.classes_, self.n_classes)

    def save(self, directory: Path, stem: str) -> list[str]:
        sio = _skops_io()

        name = f"{stem}.skops"
        sio.dump(self.forest, directory / name, compression=zipfile.ZIP_DEFLATED)
        return [name]

    @classmethod
    def load(cls, directory: Path, stem: str, meta: dict[str, Any]) -> ForestModel:
        from sklearn import ensemble

        sio = _skops_io()  # before skops.io.exceptions, which imports skops.io
        from skops.io.exceptions import UntrustedTypesFoundException

        task = Task(meta["task"])
        path = directory / f"{stem}.skops"
        try:
            forest = sio.load(path, trusted=TRUSTED_TYPES)
        except UntrustedTypesFoundException as err:
            raise BundleError(f"Model file '{path.name}' contains types that a {cls.family} model never has "
                              f"and that are not loaded: {err}") from err
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
            raise BundleError(f"Model file '{path.name}' cannot be read as a skops file: {err}") from err
        expected = getattr(ensemble, cls.estimator_names[task is Task.REGRESSION])
        if type(forest) is not expected:
            raise BundleError(f"Model file '{path.name}' holds a {type(forest).__name__}; "
                              f"a {task} {cls.family} model is a {expected.__name__}.")
        return cls(forest, task, int(meta["n_classes"]))

    def meta(self) -> dict[str, Any]:
        return {"task": str(self.task), "n_classes": self.n_classes, "n_trees": self.n_trees}


class RandomForestModel(ForestModel):
    family = "random_forest"
    estimator_names = ("RandomForestClassifier", "RandomForestRegressor")


class ExtraTreesModel(ForestModel):
    family = "extra_trees"
    estimator_names = ("ExtraTreesClassifier", "ExtraTreesRegressor")


class _ForestFamily(ModelFamily):
    """What the two forest families share; subclasses name the estimator and their defaults."""

    fitted_class: ClassVar[type[ForestModel]]
    default_trees: ClassVar[int]
    default_leaves: ClassVar[int]

    def search_space(self, task: Task) -> dict[str, tuple]:
        return {
            "max_features": ("float", 0.1, 1.0),
            "min_samples_leaf": ("int", 1, 20),
            "max_leaf_nodes": ("int", 100, self.default_leaves),  # the cap is what keeps files small
        }

    def refit_config(self, config: dict[str, Any], fold_models: list[FittedModel]) -> dict[str, Any]:
        """As many trees as the fold models reached in their time (fewer than asked if time ran out)."""
        trees = [m.n_trees for m in fold_models if isinstance(m, ForestModel)]
        asked = int(config.get("n_estimators", self.default_trees))
        if not trees or min(trees) >= asked:
            return config
        return {**config, "n_estimators": max(1, int(round(np.mean(trees))))}

    def memory_mb(self, n_rows: int, n_cols: int, n_classes: int, config: dict[str, Any]) -> float:
        """The data, plus the bag of forests: each node holds ~64 bytes and a value per class."""
        leaves = min(int(config.get("max_leaf_nodes", self.default_leaves)), n_rows)
        trees = BAG_FOLDS * int(config.get("n_estimators", self.default_trees))
        return super().memory_mb(n_rows, n_cols, n_classes, config) + trees * 2 * leaves * (64 + 8 * max(
            1, n_classes)) / MB

    def _estimator(self, task: Task):
        raise NotImplementedError

    def fit(self, X: np.ndarray, y: np.ndarray, config: dict[str, Any], ctx: FitContext,
            X_val: np.ndarray | None = None, y_val: np.ndarray | None = None) -> ForestModel:
        params = {"max_leaf_nodes": self.default_leaves, **config}
        n_trees = int(params.pop("n_estimators", self.default_trees))
        if n_trees < 1:
            raise ConfigError(f"n_estimators is {n_trees}; a forest needs at least 1 tree.")
        estimator = self._estimator(ctx.task)
        try:
            forest = estimator(n_estimators=0, warm_start=True, n_jobs=ctx.n_jobs, random_state=ctx.seed, **params)
        except TypeError as err:
            raise ConfigError(f"{self.key} config {config} has an unknown parameter: {err}") from err
        target = y.astype(int) if ctx.task.is_classification else y
        _grow(forest, X, target, n_trees, ctx)
        return self.fitted_class(forest, ctx.task, ctx.n_classes)


def _grow(forest, X: np.ndarray, y: np.ndarray, n_trees: int, ctx: FitContext) -> None:
    """Add trees in chunks until ``n_trees`` or until the next chunk would end past the deadline."""
    threads = max(1, ctx.n_jobs)
    chunk = -(-CHUNK // threads) * threads
    step = min(n_trees, max(MIN_FIRST_CHUNK, threads))
    while step > 0:
        t0 = time.monotonic()
        forest.set_params(n_estimators=len(getattr(forest, "estimators_", [])) + step)
        forest.fit(X, y)
        per_tree = (time.monotonic() - t0) / step
        affordable = ctx.seconds_left() / max(per_tree, 1e-9)
        step = int(min(chunk, n_trees - len(forest.estimators_), affordable))


class RandomForestFamily(_ForestFamily):
    """Bagged trees on bootstrap samples, best split among a random subset of features."""

    key = "random_forest"
    relative_cost = 10.0
    fitted_class = RandomForestModel
    default_trees = 300
    default_leaves = 2000  # no loss in accuracy on the benchmark sets; about 20-30 MB for 300 trees

    def default_configs(self, task: Task) -> list[dict[str, Any]]:
        if task.is_classification:
            return [{"max_features": "sqrt"},
                    {"max_features": 0.5, "min_samples_leaf": 2},
                    {"max_features": 0.2, "min_samples_leaf": 5, "max_samples": 0.7}]
        return [{"max_features": 0.5},
                {"max_features": 1.0, "min_samples_leaf": 3},
                {"max_features": 0.3, "min_samples_leaf": 5, "max_samples": 0.7}]

    def _estimator(self, task: Task):
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        return RandomForestRegressor if task is Task.REGRESSION else RandomForestClassifier


class ExtraTreesFamily(_ForestFamily):
    """Trees on all rows with random split thresholds: faster than a random forest, smoother."""

    key = "extra_trees"
    relative_cost = 10.0
    fitted_class = ExtraTreesModel
    default_trees = 200
    default_leaves = 4000  # extra trees need deeper trees than random forests; about 25-40 MB for 200 trees

    def default_configs(self, task: Task) -> list[dict[str, Any]]:
        if task.is_classification:
            return [{"max_features": "sqrt"},
                    {"max_features": 0.6, "min_samples_leaf": 2}]
        return [{"max_features": 1.0},
                {"max_features": 0.5, "min_samples_leaf": 2}]

    def _estimator(self, task: Task):
        from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

        return ExtraTreesRegressor if task is Task.REGRESSION else ExtraTreesClassifier
