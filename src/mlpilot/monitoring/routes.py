"""``GET /v1/models/{name}/monitor``: the served champion's drift and live performance, as JSON."""

from __future__ import annotations

import time
from typing import Any, Optional

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from mlpilot.exceptions import DataError
from mlpilot.monitoring.drift import DriftThresholds
from mlpilot.monitoring.monitor import json_safe, monitor
from mlpilot.serving.routes_v1 import ERRORS

__all__ = ["router"]

router = APIRouter(tags=["monitoring"])


@router.get("/v1/models/{name}/monitor", responses=ERRORS, summary="Drift and live performance of the champion")
async def monitor_route(
    name: str, request: Request,
    hours: Optional[float] = Query(None, gt=0, description="Only predictions of the last HOURS hours."),
    psi: float = Query(0.2, gt=0, description="PSI from which a column counts as drifted."),
    p_value: float = Query(0.01, gt=0, lt=1, description="Test p-value below which a drift is significant."),
) -> dict[str, Any]:
    """Input drift per feature (PSI with a Kolmogorov-Smirnov or chi-square test) and prediction drift against
    the training data, live performance on the labelled rows with a 90 % interval, and the same per time
    window, for the rows the champion answered."""
    served = request.app.state.catalog.current(name)
    log = request.app.state.prediction_log
    if log is None:
        raise DataError("This service does not log predictions (MLPILOT_LOG_PREDICTIONS=0): there is nothing to "
                        "monitor.")
    log.writer.flush()  # the rows answered so far count
    since = None if hours is None else time.time() - hours * 3600
    state = await run_in_threadpool(monitor, name, served.predictor, served.version, log.store,
                                    DriftThresholds(psi, p_value), since)
    return json_safe(state)
