"""``POST /v1/models/{name}/predict``: JSON rows, or a CSV / Parquet file for batch scoring."""

from __future__ import annotations

import time
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from mlpilot.exceptions import DataError, MlpilotError
from mlpilot.serving.catalog import Served
from mlpilot.serving.errors import status_for
from mlpilot.serving.schemas import ErrorResponse, PredictRequest, PredictResponse
from mlpilot.serving.scoring import frame_from_rows, read_upload, score

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


async def answer(request: Request, name: str, route: str, served_of, frame_of) -> Any:
    """Score the table ``frame_of()`` gives with the model ``served_of()`` gives, counting the request
    in the metrics under ``route`` whatever the outcome."""
    metrics = request.app.state.metrics
    start = time.perf_counter()
    served: Served | None = None
    try:
        served = served_of()
        df = await frame_of()
        if len(df) > INLINE_ROWS:
            result = await run_in_threadpool(score, served, df, metrics)
        else:
            result = score(served, df, metrics)
    except (MlpilotError, RequestValidationError) as err:
        code = 422 if isinstance(err, RequestValidationError) else status_for(err)
        version = str(served.version) if served else ""
        metrics.errors.labels(name, version, type(err).__name__).inc()
        metrics.requests.labels(name, version, route, str(code)).inc()
        raise
    version = str(served.version)
    metrics.requests.labels(name, version, route, "200").inc()
    metrics.latency.labels(name, version, route).observe(time.perf_counter() - start)
    return served, result


async def _table(request: Request):
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
        body = PredictRequest.model_validate_json(await request.body())
    except ValidationError as err:
        raise RequestValidationError(err.errors()) from None
    return frame_from_rows(body.rows, settings.max_rows)


@router.post("/v1/models/{name}/predict", response_model=PredictResponse, responses=ERRORS, openapi_extra=_BODY_DOC,
             summary="Predict for rows (JSON) or a file (CSV, Parquet)")
async def predict(name: str, request: Request) -> PredictResponse:
    """Rows as JSON (`{"rows": [{"col": value, ...}]}`), or a table as a CSV or Parquet file (multipart field
    `file`, or the raw body with Content-Type text/csv). Answers the champion's predictions, the class
    probabilities for classification, the model version and a request id."""
    catalog = request.app.state.catalog
    served, result = await answer(request, name, "v1", lambda: catalog.current(name), lambda: _table(request))
    return PredictResponse(model=name, version=served.version, request_id=uuid.uuid4().hex, **result)
