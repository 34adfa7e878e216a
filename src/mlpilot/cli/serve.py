"""`mlpilot serve`: registered models behind HTTP (uvicorn)."""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

__all__ = ["serve"]


def serve(
    names: Annotated[Optional[list[str]], typer.Argument(
        help="Registered model names to serve (default: every registered model).", show_default=False)] = None,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes (one per core is a good start).", min=1)] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn's log level: critical, error, warning, info, debug.")]
    = "info",
) -> None:
    """Serve registered models over HTTP: each NAME's champion, switched without a restart when the
    champion moves.

    Routes: POST /v1/models/NAME/predict (JSON rows, or a CSV / Parquet file), KServe's Open Inference
    Protocol v2 under /v2, Prometheus metrics at /metrics, the API's documentation at /docs. Admin routes
    (/v1/admin/...) need MLPILOT_ADMIN_TOKEN. Limits: MLPILOT_MAX_ROWS, MLPILOT_MAX_BODY_BYTES.

    Example: mlpilot serve churn --port 8000
    """
    import uvicorn

    from mlpilot.exceptions import NotFoundError
    from mlpilot.registry import Registry
    from mlpilot.serving.app import MODELS_ENV

    registry = Registry()
    wanted = list(names or [])
    for name in wanted:
        registry.resolve(name)  # an unknown name fails now, with exit code 2
    if not wanted and not registry.names():
        raise NotFoundError(f"The registry at {registry.home} has no models to serve; register one with "
                            "mlpilot fit DATA --target COL --name NAME.")
    registry.close()
    os.environ[MODELS_ENV] = ",".join(wanted)
    uvicorn.run("mlpilot.service:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=False)
