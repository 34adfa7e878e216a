"""``mlpilot import``: a data scientist's own model (a scikit-learn pipeline saved with skops, or an
ONNX graph) made into a bundle, so that it is registered, served, validated and monitored like a
model mlpilot trained.

A sample of the training data comes with it: its columns give the Schema that requests are
checked against (every column but the target is an input, whatever it looks like), its target
gives the task and the classes, and the model's score on it is recorded (on rows the model was
trained on, so an optimistic figure; the manifest says so).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from mlpilot.bundle.external import EXTERNAL_KINDS, OnnxModel, SkopsModel
from mlpilot.bundle.predictor import Predictor
from mlpilot.data.schema import ColumnKind, Schema, infer_schema
from mlpilot.data.task import check_target, infer_task
from mlpilot.evaluate.metrics import get_metric
from mlpilot.exceptions import ConfigError, DataError
from mlpilot.pipeline import encode_target, load_training_table
from mlpilot.profile.reference import fingerprint, reference_profile

logger = logging.getLogger(__name__)

__all__ = ["import_model"]


def _every_column_an_input(schema: Schema) -> Schema:
    """The pipeline chose its own inputs: none of the sample's columns is dropped."""
    cols = []
    for c in schema.columns:
        kind = c.kind
        if kind is ColumnKind.IDENTIFIER:
            kind = ColumnKind.NUMERIC if c.dtype == "number" else ColumnKind.CATEGORICAL
        cols.append(dataclasses.replace(c, kind=kind, dropped=None))
    return dataclasses.replace(schema, columns=tuple(cols))


def _open(path: Path, task, classes: list[Any] | None, trust: tuple[str, ...]):
    kind = EXTERNAL_KINDS.get(path.suffix.lower())
    if kind is None:
        raise ConfigError(f"PIPELINE '{path}' has the extension '{path.suffix or '(none)'}'; allowed: "
                          f"{', '.join(EXTERNAL_KINDS)} (a scikit-learn pipeline saved with skops.io.dump, "
                          "or an ONNX graph).")
    if not path.is_file():
        raise ConfigError(f"PIPELINE '{path}' does not exist or is not a file.")
    return (SkopsModel if kind == "skops" else OnnxModel)(path, task, classes, list(trust))


def import_model(pipeline: str | os.PathLike, sample: pd.DataFrame | str | os.PathLike, target: str, *,
                 task: str = "auto", metric: str = "auto", trust: tuple[str, ...] = (),
                 out: str | os.PathLike | None = None) -> Predictor:
    """The model at ``pipeline`` as a Predictor (saved to ``out`` if given), checked on ``sample``,
    a table of its training data that holds ``target``. ``trust`` lists extra types a skops file
    may build (skops' defaults: NumPy and scikit-learn)."""
    df = load_training_table(sample, target)
    y_raw = check_target(df[target])
    df = df.loc[y_raw.index].reset_index(drop=True)
    the_task = infer_task(y_raw, task)
    the_metric = get_metric(metric, the_task)
    y, classes = encode_target(y_raw.reset_index(drop=True), the_task)
    schema = _every_column_an_input(infer_schema(df, target))
    X = df.drop(columns=[target])
    model = _open(Path(pipeline), the_task, classes, trust)
    predictor = Predictor(schema, the_task, the_metric.name, classes, None, [], [], external=model)
    try:
        raw = predictor._raw(X, "the sample")
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        if isinstance(err, DataError):
            raise
        raise DataError(f"The imported model fails on the sample: {type(err).__name__}: {err}. The sample must "
                        "have the columns the model was trained on.") from err
    if the_task.is_classification:
        raw = raw / raw.sum(axis=1, keepdims=True)
    score = the_metric(y, raw)
    predictor.board = [{"model": Path(pipeline).name, "family": f"imported ({model.kind})",
                        f"val_{the_metric.name}": score, "weight": 1.0}]
    predictor.info = {"source": "import", "imported_from": Path(pipeline).name, "n_rows": int(len(df)),
                      "score_note": "scored on the sample, which the model was trained on: optimistic",
                      "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      "data_fingerprint": fingerprint(df), "reference_profile": reference_profile(X, schema)}
    logger.info("Imported %s: %s %.4f on the %d sample rows.", Path(pipeline).name, the_metric.name, score, len(df))
    if out is not None:
        predictor.save(out)
    return predictor
