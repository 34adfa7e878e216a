"""From request rows to predictions: the check a service adds to the model's own (the row limit),
the unseen-category count, and the answer as plain JSON values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlpilot.exceptions import DataError, LimitError
from mlpilot.serving.catalog import Served
from mlpilot.serving.metrics import ServiceMetrics

__all__ = ["frame_from_rows", "score", "read_upload", "explanations"]


def frame_from_rows(rows: list[dict[str, Any]], max_rows: int) -> pd.DataFrame:
    """A table of the rows (a key missing from a row is a missing value there)."""
    if not rows:
        raise DataError("'rows' is empty; send at least one row, e.g. {\"rows\": [{\"age\": 40}]}.")
    check_rows(len(rows), max_rows)
    return pd.DataFrame.from_records(rows)


def check_rows(n: int, max_rows: int) -> None:
    if n > max_rows:
        raise LimitError(f"The request has {n} rows, more than the limit of {max_rows} (MLPILOT_MAX_ROWS); "
                         "split it into smaller requests.")


def read_upload(content: bytes, filename: str, content_type: str, max_rows: int) -> pd.DataFrame:
    """The table in an uploaded CSV or Parquet file."""
    import io

    kind = "parquet" if filename.lower().endswith(".parquet") or "parquet" in content_type else "csv"
    try:
        df = pd.read_parquet(io.BytesIO(content)) if kind == "parquet" else pd.read_csv(io.BytesIO(content))
    except Exception as err:  # noqa: BLE001 - any parser failure is the client's file, not a server fault
        raise DataError(f"The uploaded file '{filename or 'upload'}' could not be read as {kind}: "
                        f"{type(err).__name__}: {err}".strip()) from err
    if df.empty:
        raise DataError(f"The uploaded file '{filename or 'upload'}' has no rows.")
    check_rows(len(df), max_rows)
    return df


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def score(served: Served, df: pd.DataFrame, metrics: ServiceMetrics, source: str = "the request") -> dict[str, Any]:
    """Predictions (and class probabilities) for the rows of ``df``, as JSON-ready values."""
    predictor = served.predictor
    if predictor.task.is_classification:
        proba = predictor.predict_proba(df, source)
        labels = [str(c) for c in proba.columns]
        P = proba.to_numpy()
        predictions = [_plain(c) for c in np.asarray(predictor.classes, dtype=object)[P.argmax(axis=1)]]
        probabilities = [dict(zip(labels, map(float, row))) for row in P]
    else:
        predictions = [float(v) for v in predictor.predict(df, source)]
        probabilities = None
    if predictor.preprocessor is not None:  # an imported model encodes its own categories
        for column, count in predictor.preprocessor.unseen_categories(df).items():
            metrics.unseen.labels(served.name, column).inc(count)
    metrics.rows.labels(served.name, str(served.version)).inc(len(df))
    return {"predictions": predictions, "probabilities": probabilities}


def explanations(served: Served, df: pd.DataFrame, class_: Any = None, source: str = "the request") -> dict[str, Any]:
    """Each row's explanation (class, prediction, baseline, contributions) and the columns dropped in training."""
    predictor = served.predictor
    table = predictor.explain(df, class_, source)
    features = [c.name for c in predictor.schema.features]
    meta = [c for c in table.columns if c not in features]  # [class (classification),] prediction, baseline
    values = table[features].to_numpy(dtype=float).tolist()
    answers = table[meta[-2:]].to_numpy(dtype=float).tolist()
    rows = [{"prediction": p, "baseline": b, "contributions": dict(zip(features, v))}
            for (p, b), v in zip(answers, values)]
    if len(meta) == 3:
        for item, label in zip(rows, table[meta[0]]):
            item["class"] = _plain(label)
    return {"explanations": rows, "dropped": predictor.schema.dropped}
