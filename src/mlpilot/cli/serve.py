"""`mlpilot serve`: registered models behind HTTP (uvicorn)."""

from __future__ import annotations

import json
import os
from pathlib import Path
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
    auto_retrain: Annotated[bool, typer.Option(
        "--auto-retrain", help="Watch each model's drift, live performance and labels, and retrain it by the "
                               "policy in the background (a lower-priority process); the new version becomes "
                               "the champion only if it is better beyond noise.")] = False,
    policy: Annotated[Optional[Path], typer.Option(
        "--policy", help="The retrain policy (TOML) for --auto-retrain; see `mlpilot retrain --help`.")] = None,
    check_seconds: Annotated[Optional[float], typer.Option(
        "--check-seconds", help="How often --auto-retrain looks at the logs (default 60).", min=0.1)] = None,
) -> None:
    """Serve registered models over HTTP: each NAME's champion, switched without a restart when the
    champion moves.

    Routes: POST /v1/models/NAME/predict (JSON rows, or a CSV / Parquet file), POST
    /v1/models/NAME/feedback (true labels, by request id), GET /v1/models/NAME/monitor, KServe's Open
    Inference Protocol v2 under /v2, Prometheus metrics at /metrics, the API's documentation at /docs.
    Admin routes (/v1/admin/...) need MLPILOT_ADMIN_TOKEN. Limits: MLPILOT_MAX_ROWS,
    MLPILOT_MAX_BODY_BYTES. Every answered row is logged under MLPILOT_HOME/monitoring (kept
    MLPILOT_LOG_RETENTION_DAYS days; MLPILOT_LOG_PREDICTIONS=0 turns it off).

    Example: mlpilot serve churn --port 8000 --auto-retrain --policy retrain.toml
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
    if auto_retrain or policy is not None:
        from mlpilot.retrain.policy import load_policy
        from mlpilot.service import AUTO_RETRAIN_ENV, POLICY_FILE_ENV

        overrides = {} if check_seconds is None else {"check_seconds": check_seconds}
        load_policy(policy, **overrides)  # a bad policy fails now, with exit code 2
        os.environ[AUTO_RETRAIN_ENV] = json.dumps(overrides)
        os.environ[POLICY_FILE_ENV] = str(policy.resolve()) if policy is not None else ""
    uvicorn.run("mlpilot.service:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=False)
