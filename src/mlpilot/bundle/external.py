"""Models trained elsewhere, served like mlpilot's own: a scikit-learn pipeline saved with skops,
or an ONNX graph. Either takes the table's columns as they are (the pipeline does its own
preparation), so mlpilot only checks the rows against the Schema before handing them over.

Loading a skops file builds only the types it is told to trust: skops' defaults (NumPy,
scikit-learn) plus the ones listed at import time; an ONNX graph runs in onnxruntime and
executes no Python at all.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlpilot.data.task import Task
from mlpilot.exceptions import BundleError, ConfigError, DataError

__all__ = ["ExternalModel", "SkopsModel", "OnnxModel", "load_external", "EXTERNAL_KINDS"]

EXTERNAL_KINDS = {".skops": "skops", ".onnx": "onnx"}


class ExternalModel:
    """A model that predicts from the original columns. ``predict`` gives class probabilities
    (columns in the order of ``classes``) or values."""

    kind: str
    file_name: str

    def __init__(self, path: Path, task: Task, classes: list[Any] | None, trusted: list[str]):
        self.path, self.task, self.classes, self.trusted = Path(path), task, classes, list(trusted)

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def save(self, directory: Path) -> str:
        shutil.copyfile(self.path, directory / self.file_name)
        return self.file_name

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "file": self.file_name, "trusted": self.trusted}

    def _by_classes(self, P: np.ndarray, model_classes: list[Any]) -> np.ndarray:
        """Probability columns reordered from the model's class order to ``self.classes``."""
        index = {str(c): j for j, c in enumerate(model_classes)}
        missing = [c for c in self.classes if str(c) not in index]
        if missing:
            raise DataError(f"The imported model does not know class {missing[0]!r} of the sample's target; "
                            f"it predicts {', '.join(map(str, model_classes))}.")
        return P[:, [index[str(c)] for c in self.classes]].astype(float)


class SkopsModel(ExternalModel):
    kind, file_name = "skops", "pipeline.skops"

    def __init__(self, path: Path, task: Task, classes: list[Any] | None, trusted: list[str]):
        super().__init__(path, task, classes, trusted)
        from mlpilot.models.forest import _skops_io

        sio = _skops_io()
        untrusted = [t for t in sio.get_untrusted_types(file=str(path)) if t not in self.trusted]
        if untrusted:
            raise ConfigError(f"The skops file '{path.name}' holds types that are not trusted: "
                              f"{', '.join(untrusted[:5])}. If you trust them (they come from your own code or "
                              f"libraries), repeat the import with --trust for each, e.g. --trust {untrusted[0]}.")
        try:
            self.estimator = sio.load(str(path), trusted=self.trusted or None)
        except Exception as err:  # noqa: BLE001 - skops raises many kinds for a bad file
            raise BundleError(f"The skops file '{path.name}' could not be loaded: {type(err).__name__}: {err}") from err

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        if self.task.is_classification:
            return self._by_classes(self.estimator.predict_proba(df), list(self.estimator.classes_))
        return np.asarray(self.estimator.predict(df), dtype=float).ravel()


_ONNX_TYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int64)": np.int64,
               "tensor(int32)": np.int32, "tensor(string)": object, "tensor(bool)": bool}


class OnnxModel(ExternalModel):
    kind, file_name = "onnx", "model.onnx"

    def __init__(self, path: Path, task: Task, classes: list[Any] | None, trusted: list[str]):
        super().__init__(path, task, classes, trusted)
        try:
            import onnxruntime as ort
        except ImportError as err:
            raise BundleError("ONNX models need onnxruntime: pip install 'mlpilot[onnx]'.") from err
        try:
            self.session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        except Exception as err:  # noqa: BLE001 - onnxruntime's errors for a bad graph
            raise BundleError(f"The ONNX file '{path.name}' could not be loaded: {err}") from err
        self.inputs = self.session.get_inputs()
        self.outputs = [o.name for o in self.session.get_outputs()]

    def _feed(self, df: pd.DataFrame) -> dict[str, np.ndarray]:
        if len(self.inputs) == 1 and self.inputs[0].name not in df.columns:  # one matrix of every column
            kind = _ONNX_TYPES.get(self.inputs[0].type, np.float32)
            return {self.inputs[0].name: df.to_numpy(dtype=kind)}
        missing = [i.name for i in self.inputs if i.name not in df.columns]
        if missing:
            raise DataError(f"The ONNX model needs the input '{missing[0]}', which is not a column of the data.")
        feed = {}
        for i in self.inputs:
            kind = _ONNX_TYPES.get(i.type, np.float32)
            col = df[i.name]
            values = col.astype(str).to_numpy(dtype=object) if kind is object else col.to_numpy(dtype=kind)
            feed[i.name] = values.reshape(-1, 1)
        return feed

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        results = self.session.run(None, self._feed(df))
        if not self.task.is_classification:
            return np.asarray(results[0], dtype=float).ravel()
        proba = results[1] if len(results) > 1 else results[0]
        if isinstance(proba, list):  # skl2onnx's ZipMap: one {label: p} per row
            labels = list(proba[0].keys())
            P = np.array([[row[k] for k in labels] for row in proba], dtype=float)
            return self._by_classes(P, labels)
        return self._by_classes(np.asarray(proba, dtype=float), list(self.classes))


def load_external(directory: Path, spec: dict[str, Any], task: Task, classes: list[Any] | None) -> ExternalModel:
    kinds = {"skops": SkopsModel, "onnx": OnnxModel}
    if spec.get("kind") not in kinds:
        raise BundleError(f"The bundle's external model has the kind {spec.get('kind')!r}; known: skops, onnx.")
    return kinds[spec["kind"]](directory / spec["file"], task, classes, spec.get("trusted", []))
