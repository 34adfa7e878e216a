"""``POST /v1/models/{name}/predict``: JSON rows, or a CSV / Parquet file for batch scoring."""

from __future__ import annotations

import time
import uuid
from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from mlpilot.data.schema import parse_numeric_values
from mlpilot.exceptions import DataError, MlpilotError
from mlpilot.serving.catalog import Served
from mlpilot.serving.errors import status_for
from mlpilot.serving.schemas import (ErrorResponse, ExplainRequest, FeedbackRequest, FeedbackResponse, PredictRequest,
                                     PredictResponse)
from mlpilot.serving.scoring import check_rows, explanations, frame_from_rows, read_upload, score

__all__ = ["router", "answer"]

router = APIRouter(tags=["predict"])

INLINE_ROWS = 64  # larger requests are scored in a worker thread, so the event loop keeps answering
FILE_TYPES = ("text/csv", "application/vnd.apache.parquet", "application/x-parquet", "application/octet-stream")
ERRORS = {code: {"model": ErrorResponse} for code in (404, 413, 422)}

_BODY_DOC = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": PredictRequest.model_json_schema()},  # self-contained: no $defs
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "A .csv or .parquet file"}}}},
    "text/csv": {"schema": {"type": "string"}},
}}}


def _score_and_explain(served: Served, df: pd.DataFrame, metrics, explain: bool, class_: Any) -> dict[str, Any]:
    result = score(served, df, metrics)
    return result | explanations(served, df, class_) if explain else result


async def answer(request: Request, name: str, route: str, served_of, frame_of, request_id: str) -> Any:
    """Score the table ``frame_of()`` gives with the model ``served_of()`` gives (with each row's explanation
    where ``request.state.explain``, of the class ``request.state.explain_class``), counting the request in the
    metrics under ``route`` whatever the outcome, and logging the answered rows under ``request_id``."""
    metrics = request.app.state.metrics
    start = time.perf_counter()
    served: Served | None = None
    try:
        served = served_of()
        df = await frame_of()
        explain, class_ = getattr(request.state, "explain", False), getattr(request.state, "explain_class", None)
        if len(df) > INLINE_ROWS or (explain and len(df) > 1):
            result = await run_in_threadpool(_score_and_explain, served, df, metrics, explain, class_)
        else:
            result = _score_and_explain(served, df, metrics, explain, class_)
    except (MlpilotError, RequestValidationError) as err:
        code = 422 if isinstance(err, RequestValidationError) else status_for(err)
        version = str(served.version) if served else ""
        metrics.errors.labels(name, version, type(err).__name__).inc()
        metrics.requests.labels(name, version, route, str(code)).inc()
        raise
    version = str(served.version)
    log = request.app.state.prediction_log
    if log is not None:
        log.record(served, request_id, df, result)
    metrics.requests.labels(name, version, route, "200").inc()
    metrics.latency.labels(name, version, route).observe(time.perf_counter() - start)
    return served, result


async def _table(request: Request, body_model=PredictRequest):
    settings = request.app.state.settings
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form()
        try:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise DataError("The multipart upload has no file field named 'file'; send the table as "
                                "-F file=@data.csv (or .parquet).")
            content = await upload.read()
        finally:
            await form.close()
        return read_upload(content, upload.filename or "", upload.content_type or "", settings.max_rows)
    if kind in FILE_TYPES:
        return read_upload(await request.body(), "", kind, settings.max_rows)
    if kind not in ("application/json", ""):
        raise DataError(f"Content-Type '{kind}' is not accepted; send application/json rows, "
                        "multipart/form-data with a 'file', or text/csv.")
    try:
        body = body_model.model_validate_json(await request.body())
    except ValidationError as err:
        raise RequestValidationError(err.errors()) from None
    if getattr(body, "explain", False):  # predict's body may ask for the explanations
        request.state.explain = True
    request.state.explain_class = getattr(body, "class_", None)
    return frame_from_rows(body.rows, settings.max_rows)


@router.post("/v1/models/{name}/predict", response_model=PredictResponse, responses=ERRORS, openapi_extra=_BODY_DOC,
             summary="Predict for rows (JSON) or a file (CSV, Parquet)")
async def predict(name: str, request: Request) -> PredictResponse:
    """Rows as JSON (`{"rows": [{"col": value, ...}]}`), or a table as a CSV or Parquet file (multipart field
    `file`, or the raw body with Content-Type text/csv). Answers the champion's predictions, the class
    probabilities for classification, the model version and a request id."""
    catalog = request.app.state.catalog
    request_id = uuid.uuid4().hex
    served, result = await answer(request, name, "v1", lambda: catalog.current(name), lambda: _table(request),
                                  request_id)
    return PredictResponse(model=name, version=served.version, request_id=request_id, **result)


_EXPLAIN_DOC = {"requestBody": {"required": True, "content": _BODY_DOC["requestBody"]["content"] | {
    "application/json": {"schema": ExplainRequest.model_json_schema()}}}}


@router.post("/v1/models/{name}/explain", response_model=PredictResponse, responses=ERRORS,
             openapi_extra=_EXPLAIN_DOC, summary="Explain the predictions for rows: each column's contribution")
async def explain(name: str, request: Request) -> PredictResponse:
    """Rows as JSON (optionally with the `class` to explain) or a CSV / Parquet file, answered like predict plus,
    per row, each column's contribution to the answer (the value, or a class's probability): they add up to the
    prediction minus the baseline. Boosted trees give exact tree SHAP values, other models a sampling estimate;
    an ensemble combines its members' by their weights."""
    catalog = request.app.state.catalog
    request_id = uuid.uuid4().hex
    request.state.explain = True
    served, result = await answer(request, name, "explain", lambda: catalog.current(name),
                                  lambda: _table(request, ExplainRequest), request_id)
    return PredictResponse(model=name, version=served.version, request_id=request_id, **result)


@router.post("/v1/models/{name}/feedback", response_model=FeedbackResponse, responses=ERRORS,
             summary="Send the true labels of earlier predictions")
async def feedback(name: str, body: FeedbackRequest, request: Request) -> FeedbackResponse:
    """True labels for rows answered before, by their `request_id` and `row`. Labels may come late and for only
    some rows; monitoring joins them with the logged predictions (the latest label of a row counts)."""
    served = request.app.state.catalog.current(name)  # 404 for a model that is not served
    settings = request.app.state.settings
    check_rows(len(body.labels), settings.max_rows)
    if not served.predictor.task.is_classification:  # read as the model's own number columns are
        numbers = parse_numeric_values(np.array([item.label for item in body.labels], dtype=object))
        bad = np.flatnonzero(np.isnan(numbers))
        if len(bad):
            raise DataError(f"labels[{bad[0]}].label is {body.labels[bad[0]].label!r}, but model '{name}' predicts "
                            "numbers; send the true value as a number.")
    log = request.app.state.prediction_log
    if log is None:
        raise DataError("This service does not log predictions (MLPILOT_LOG_PREDICTIONS=0), so it cannot take "
                        "feedback; start it with logging on.")
    log.feedback(name, pd.DataFrame([item.model_dump() for item in body.labels]))
    return FeedbackResponse(model=name, accepted=len(body.labels))
