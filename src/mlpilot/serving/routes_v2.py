"""KServe's Open Inference Protocol v2 (REST): health, server and model metadata, readiness, infer.

A tabular request has one input tensor per column, named by the column, of shape [rows] (or
[rows, 1]); the answer has the tensor ``predict`` (labels or values) and, for classification,
``predict_proba`` of shape [rows, classes] with the class labels in its parameters.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from mlpilot import __version__
from mlpilot.data.schema import ColumnKind
from mlpilot.exceptions import DataError, SchemaError
from mlpilot.serving.catalog import Served
from mlpilot.serving.routes_v1 import ERRORS, answer
from mlpilot.serving.schemas import InferRequest, InferResponse
from mlpilot.serving.scoring import check_rows

__all__ = ["router"]

router = APIRouter(tags=["open inference protocol v2"])

_DATATYPE = {ColumnKind.NUMERIC: "FP64", ColumnKind.BOOLEAN: "BOOL"}  # every other kind travels as BYTES
_NUMBER_TYPES = {"INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64", "FP16", "FP32", "FP64"}


@router.get("/v2/health/live")
def live() -> dict[str, bool]:
    return {"live": True}


@router.get("/v2/health/ready")
def ready(request: Request):
    ok = request.app.state.catalog.ready()
    return JSONResponse({"ready": ok}, status_code=200 if ok else 503)


@router.get("/v2")
def server_metadata() -> dict[str, Any]:
    return {"name": "mlpilot", "version": __version__, "extensions": []}


def _label_datatype(classes: list[Any]) -> str:
    """INT64 where every class label is an integer, else BYTES (labels sent as text)."""
    return "INT64" if all(isinstance(c, int) and not isinstance(c, bool) for c in classes) else "BYTES"


def _metadata(served: Served, versions: list[int]) -> dict[str, Any]:
    p = served.predictor
    inputs = [{"name": c.name, "datatype": _DATATYPE.get(c.kind, "BYTES"), "shape": [-1]} for c in p.schema.features]
    if p.task.is_classification:
        outputs = [{"name": "predict", "datatype": _label_datatype(p.classes), "shape": [-1]},
                   {"name": "predict_proba", "datatype": "FP64", "shape": [-1, len(p.classes)],
                    "parameters": {"classes": [str(c) for c in p.classes]}}]
    else:
        outputs = [{"name": "predict", "datatype": "FP64", "shape": [-1]}]
    return {"name": served.name, "versions": [str(v) for v in versions], "platform": "mlpilot",
            "inputs": inputs, "outputs": outputs,
            "parameters": {"task": str(p.task), "target": p.target, "version": str(served.version)}}


@router.get("/v2/models/{name}", responses=ERRORS)
def model_metadata(name: str, request: Request) -> dict[str, Any]:
    catalog = request.app.state.catalog
    served = catalog.current(name)
    return _metadata(served, [v.version for v in catalog.registry.versions(name)])


@router.get("/v2/models/{name}/versions/{version}", responses=ERRORS)
def version_metadata(name: str, version: int, request: Request) -> dict[str, Any]:
    served = request.app.state.catalog.version(name, version)
    return _metadata(served, [version])


@router.get("/v2/models/{name}/ready", responses=ERRORS)
def model_ready(name: str, request: Request) -> dict[str, Any]:
    request.app.state.catalog.current(name)
    return {"name": name, "ready": True}


@router.get("/v2/models/{name}/versions/{version}/ready", responses=ERRORS)
def version_ready(name: str, version: int, request: Request) -> dict[str, Any]:
    request.app.state.catalog.version(name, version)
    return {"name": name, "version": str(version), "ready": True}


def _flat(data: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in data:
        out.extend(_flat(v) if isinstance(v, list) else [v])
    return out


def _column(t, rows: int) -> list[Any]:
    values = _flat(t.data)
    size = int(np.prod(t.shape))
    if any(d < 0 for d in t.shape) or size != len(values) or (len(t.shape) == 2 and t.shape[1] != 1):
        raise SchemaError(f"Input tensor '{t.name}' has shape {t.shape} and {len(values)} values; a column is "
                          f"shape [{rows}] or [{rows}, 1] with that many values.")
    if t.shape[0] != rows:
        raise SchemaError(f"Input tensor '{t.name}' has {t.shape[0]} rows, but the first tensor has {rows}; "
                          "every column must have the same number of rows.")
    for v in values:
        if v is None:
            continue
        ok = (isinstance(v, str) if t.datatype == "BYTES" else isinstance(v, bool) if t.datatype == "BOOL"
              else isinstance(v, (int, float)) and not isinstance(v, bool))
        if not ok:
            raise SchemaError(f"Input tensor '{t.name}' is {t.datatype} but holds {v!r} "
                              f"({type(v).__name__}); send {_expected(t.datatype)}.")
    return values


def _expected(datatype: str) -> str:
    return "strings" if datatype == "BYTES" else "true/false" if datatype == "BOOL" else "numbers"


def _frame(body: InferRequest, max_rows: int) -> pd.DataFrame:
    rows = body.inputs[0].shape[0]
    if rows < 1:
        raise DataError(f"Input tensor '{body.inputs[0].name}' has {rows} rows; send at least one.")
    check_rows(rows, max_rows)
    names = [t.name for t in body.inputs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SchemaError(f"Input tensor '{dupes[0]}' appears more than once; send one tensor per column.")
    return pd.DataFrame({t.name: _column(t, rows) for t in body.inputs})


def _outputs(served: Served, result: dict[str, Any], wanted: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    p, preds = served.predictor, result["predictions"]
    n = len(preds)
    if p.task.is_classification:
        datatype, labels = _label_datatype(p.classes), [str(c) for c in p.classes]
        outputs = [{"name": "predict", "shape": [n], "datatype": datatype,
                    "data": preds if datatype == "INT64" else [str(v) for v in preds]},
                   {"name": "predict_proba", "shape": [n, len(labels)], "datatype": "FP64",
                    "data": [row[c] for row in result["probabilities"] for c in labels],
                    "parameters": {"classes": labels}}]
    else:
        outputs = [{"name": "predict", "shape": [n], "datatype": "FP64", "data": preds}]
    if not wanted:
        return outputs
    names = [w.get("name") for w in wanted]
    unknown = [x for x in names if x not in {o["name"] for o in outputs}]
    if unknown:
        raise SchemaError(f"Requested output '{unknown[0]}' does not exist; outputs: "
                          f"{', '.join(o['name'] for o in outputs)}.")
    return [o for o in outputs if o["name"] in names]


async def _infer(request: Request, name: str, body: InferRequest, version: int | None) -> InferResponse:
    catalog, settings = request.app.state.catalog, request.app.state.settings

    def served_of() -> Served:
        return catalog.current(name) if version is None else catalog.version(name, version)

    async def frame_of() -> pd.DataFrame:
        return _frame(body, settings.max_rows)

    request_id = body.id or uuid.uuid4().hex
    served, result = await answer(request, name, "v2", served_of, frame_of, request_id)
    return InferResponse(model_name=name, model_version=str(served.version), id=request_id,
                         outputs=_outputs(served, result, body.outputs))


@router.post("/v2/models/{name}/infer", response_model=InferResponse, responses=ERRORS)
async def infer(name: str, body: InferRequest, request: Request) -> InferResponse:
    """Predict with the champion of NAME: one input tensor per column."""
    return await _infer(request, name, body, None)


@router.post("/v2/models/{name}/versions/{version}/infer", response_model=InferResponse, responses=ERRORS)
async def infer_version(name: str, version: int, body: InferRequest, request: Request) -> InferResponse:
    """Predict with one version of NAME: one input tensor per column."""
    return await _infer(request, name, body, version)
