"""The Predictor: a trained model in memory, saved to and loaded from a bundle."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlpilot.bundle.external import ExternalModel, load_external
from mlpilot.bundle.store import read_manifest, write_bundle
from mlpilot.data.schema import Schema
from mlpilot.data.task import Task
from mlpilot.data.validate import check_frame, check_target_column
from mlpilot.ensemble.blend import combine
from mlpilot.ensemble.calibration import smooth
from mlpilot.ensemble.stacking import LinearStacker
from mlpilot.evaluate.metrics import metrics_for
from mlpilot.evaluate.contributions import column_groups, explain_members
from mlpilot.evaluate.explain import contribution_frame
from mlpilot.exceptions import BundleError, ConfigError, SchemaError
from mlpilot.models import FAMILIES
from mlpilot.models.base import FittedModel
from mlpilot.prep.preprocessor import TablePreprocessor

logger = logging.getLogger(__name__)

__all__ = ["Member", "Predictor", "load"]

PREPROCESSOR_FILE = "preprocessor.json"
DATA_REPORT_FILE = "data_report.json"
BACKGROUND_FILE = "background.json"


@dataclass
class Member:
    """One ensemble member: a configuration bagged over the cross-validation folds."""

    name: str
    family: str
    config: dict[str, Any]
    weight: float
    models: list[FittedModel]

    def predict(self, X: np.ndarray) -> np.ndarray:
        out = self.models[0].predict(X)
        for m in self.models[1:]:
            out = out + m.predict(X)
        return out / len(self.models)


@dataclass
class Predictor:
    """Predicts from a table with the columns of ``schema``. Built by :func:`mlpilot.fit` or :func:`load`."""

    schema: Schema
    task: Task
    metric: str
    classes: list[Any] | None
    preprocessor: TablePreprocessor | None  # None for an external model, which prepares its own input
    members: list[Member]
    board: list[dict[str, Any]]
    info: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    stacker: LinearStacker | None = None  # combines the members' predictions instead of their weights
    temperature: float | None = None  # scales the weighted blend's class probabilities (None: as they are)
    external: ExternalModel | None = None  # a model brought from elsewhere (`mlpilot import`), instead of members
    data_report: dict[str, Any] | None = None  # the training data's profile (profile.summary.Profile as a dict)
    background: np.ndarray | None = None  # prepared training rows, the reference of the explanations' sampling

    @property
    def target(self) -> str | None:
        return self.schema.target

    def _matrix(self, X: pd.DataFrame, source: str) -> np.ndarray:
        if not isinstance(X, pd.DataFrame):
            raise SchemaError(f"Expected a pandas DataFrame with the training columns, got {type(X).__name__}.")
        check_frame(X, self.schema, source)
        return self.preprocessor.transform(X)

    def _raw(self, X: pd.DataFrame, source: str) -> np.ndarray:
        raw = self._combined(X, source)
        return smooth(raw) if self.task.is_classification and self.external is None else raw

    def _combined(self, X: pd.DataFrame, source: str) -> np.ndarray:
        if self.external is not None:
            if not isinstance(X, pd.DataFrame):
                raise SchemaError(f"Expected a pandas DataFrame with the training columns, got {type(X).__name__}.")
            check_frame(X, self.schema, source)
            return self.external.predict(X[[c.name for c in self.schema.features]])
        return self.combined_from_matrix(self._matrix(X, source))

    def combined_from_matrix(self, M: np.ndarray) -> np.ndarray:
        """The members' predictions on prepared rows ``M``, combined (before the final smoothing)."""
        return combine([m.predict(M) for m in self.members], [m.weight for m in self.members], self.stacker,
                       self.temperature)

    def answer_matrix(self, M: np.ndarray) -> np.ndarray:
        """What the model answers for prepared rows ``M``: values, or class probabilities (rows sum to 1)."""
        raw = self.combined_from_matrix(M)
        if not self.task.is_classification:
            return raw
        P = smooth(raw)
        return P / P.sum(axis=1, keepdims=True)

    def explain(self, X: pd.DataFrame, class_: Any = None, source: str = "the data") -> pd.DataFrame:
        """Each column's contribution to each row's answer, rows in input order: the class explained
        (classification: ``class_``, else the predicted class), ``prediction`` (the value, or that class's
        probability), ``baseline`` (the answer with no column known), then one column per feature; the
        contributions add up to prediction - baseline. Boosted trees give exact tree SHAP values; other
        models a sampling estimate (see :mod:`mlpilot.evaluate.contributions`)."""
        if self.external is not None:
            raise ConfigError("Explanations need a model trained by mlpilot; this one was imported "
                              "(`mlpilot import`), and its pipeline is opaque to them.")
        M = self._matrix(X, source)
        columns = [c.name for c in self.schema.features]
        c = explain_members([(m.weight, m.models) for m in self.members], M,
                            column_groups(self.preprocessor.source_columns_, columns), self.background, self.task,
                            self.stacker, self.temperature, int(self.info.get("seed", 0)))
        return contribution_frame(c, columns, self.task, self.classes, class_, X.index)

    def predict_proba(self, X: pd.DataFrame, source: str = "the data") -> pd.DataFrame:
        """Class probabilities, one column per class label, rows in input order.

        ``source`` names the data in error messages (e.g. the file it came from).
        """
        if not self.task.is_classification:
            raise SchemaError("predict_proba needs a classification model; this one does regression. Use predict.")
        P = self._raw(X, source)
        P = P / P.sum(axis=1, keepdims=True)
        return pd.DataFrame(P, columns=list(self.classes), index=X.index)

    def predict(self, X: pd.DataFrame, source: str = "the data") -> np.ndarray:
        """Predicted labels (classification) or values (regression), in input order."""
        raw = self._raw(X, source)
        if self.task is Task.REGRESSION:
            return raw
        return np.asarray(self.classes, dtype=object)[raw.argmax(axis=1)]

    def evaluate(self, data: pd.DataFrame, source: str = "the data") -> dict[str, float]:
        """Every metric of the task on ``data``, which must hold the target column."""
        check_target_column(data, self.schema, source, numeric=not self.task.is_classification)
        data = data[data[self.target].notna()]
        y_raw = data[self.target]
        raw = self._raw(data.drop(columns=[self.target]), source)
        if self.task is Task.REGRESSION:
            y = pd.to_numeric(y_raw, errors="coerce").to_numpy(dtype=float)
        else:
            y, raw = self._encode_labels(y_raw, raw)
        return {m.name: m(y, raw) for m in metrics_for(self.task)} | {"n_rows": float(len(y))}

    def _encode_labels(self, y_raw: pd.Series, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        index = {str(c): i for i, c in enumerate(self.classes)}
        text = y_raw.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        unknown = sorted(set(text) - set(index))
        if unknown:
            raise SchemaError(f"Target column '{self.target}' has the value {unknown[0]!r}, which the model "
                              f"never saw in training (known: {', '.join(map(str, self.classes[:10]))}).")
        return text.map(index).to_numpy(dtype=int), raw / raw.sum(axis=1, keepdims=True)

    def leaderboard(self) -> pd.DataFrame:
        """Every model tried, best first, with its out-of-fold score and timings."""
        return pd.DataFrame(self.board)

    # ---------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Write this predictor as a bundle directory (atomically); returns its path."""
        manifest = self._manifest()

        def write_payload(tmp: Path) -> None:
            if self.data_report is not None:
                (tmp / DATA_REPORT_FILE).write_text(json.dumps(self.data_report, default=str))
            if self.external is not None:
                self.external.save(tmp)
                return
            (tmp / PREPROCESSOR_FILE).write_text(json.dumps(self.preprocessor.to_dict()))
            if self.background is not None:  # NaN (missing) as null
                rows = [[None if np.isnan(v) else float(v) for v in row] for row in self.background]
                (tmp / BACKGROUND_FILE).write_text(json.dumps(rows))
            (tmp / "models").mkdir()
            for member, entry in zip(self.members, manifest["members"]):
                for i, model in enumerate(member.models):
                    entry["files"].extend(model.save(tmp / "models", f"{member.name}.fold{i}"))

        self.path = write_bundle(path, manifest, write_payload)
        return self.path

    def _manifest(self) -> dict[str, Any]:
        return {
            "task": str(self.task), "target": self.target, "metric": self.metric,
            "classes": self.classes, "schema": self.schema.to_dict(), "leaderboard": self.board,
            "members": [{"name": m.name, "family": m.family, "config": m.config, "weight": m.weight,
                         "n_models": len(m.models), "meta": [x.meta() for x in m.models], "files": []}
                        for m in self.members],
            "stacker": None if self.stacker is None else self.stacker.to_dict(),
            "temperature": self.temperature,
            "external": None if self.external is None else self.external.to_dict(),
            **self.info,
        }


def load(path: str | os.PathLike) -> Predictor:
    """Load the bundle at ``path`` after verifying every file's sha256."""
    path = Path(path)
    manifest = read_manifest(path)
    _check_versions(path, manifest.get("versions", {}))
    try:
        schema, task, external = Schema.from_dict(manifest["schema"]), Task(manifest["task"]), manifest.get("external")
        if external:
            pre, members = None, []
            external = load_external(path, external, task, manifest["classes"])
        else:
            pre = TablePreprocessor.from_dict(schema, json.loads((path / PREPROCESSOR_FILE).read_text()))
            members = [_load_member(path / "models", m) for m in manifest["members"]]
        skip = {"task", "target", "metric", "classes", "schema", "leaderboard", "members", "files", "stacker",
                "temperature", "external"}
        info = {k: v for k, v in manifest.items() if k not in skip}
        stacker = manifest.get("stacker")
        report = path / DATA_REPORT_FILE
        return Predictor(schema, task, manifest["metric"], manifest["classes"], pre, members,
                         manifest["leaderboard"], info, path, stacker and LinearStacker.from_dict(stacker),
                         manifest.get("temperature"), external or None,
                         json.loads(report.read_text()) if DATA_REPORT_FILE in manifest["files"] else None,
                         _read_background(path, manifest["files"]))
    except (KeyError, ValueError, TypeError, AttributeError) as err:
        raise BundleError(f"Bundle '{path}' could not be read ({err!r}); it is corrupt or from an "
                          "incompatible mlpilot version. Train the model again.") from err


def _read_background(path: Path, files: list[str]) -> np.ndarray | None:
    if BACKGROUND_FILE not in files:
        return None
    return np.asarray(json.loads((path / BACKGROUND_FILE).read_text()), dtype=float)  # null -> NaN


def _check_versions(path: Path, saved: dict[str, str]) -> None:
    """Warn when a library that reads the payload has another major version than at save time."""
    from importlib.metadata import PackageNotFoundError, version

    for pkg in ("lightgbm", "xgboost", "catboost", "scikit-learn", "numpy"):
        if pkg not in saved:
            continue
        try:
            now = version(pkg)
        except PackageNotFoundError:
            continue  # needed only if a member uses it: _load_member says so
        if now.split(".")[0] != str(saved[pkg]).split(".")[0]:
            logger.warning("Bundle '%s' was saved with %s %s; %s is installed. Predictions may differ.",
                           path, pkg, saved[pkg], now)


def _load_member(directory: Path, entry: dict[str, Any]) -> Member:
    family = FAMILIES.get(entry["family"])
    if family is None:
        raise BundleError(f"The bundle needs model family '{entry['family']}', which this mlpilot lacks. "
                          f"Known: {', '.join(FAMILIES)}.")
    try:
        models = [family.fitted_class.load(directory, f"{entry['name']}.fold{i}", meta)
                  for i, meta in enumerate(entry["meta"])]
    except ImportError as err:
        raise BundleError(f"Model '{entry['name']}' of this bundle needs the Python package '{err.name}', "
                          f"which is not installed. Install it (pip install {err.name}) and load again.") from err
    return Member(entry["name"], entry["family"], entry["config"], entry["weight"], models)
