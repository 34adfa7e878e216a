"""The prediction service as `mlpilot serve` runs it: serving's app with monitoring's route and, with
--auto-retrain, the retraining loop.

Serving knows nothing of the stages to its right (monitoring, retraining); this module puts
them together, as ``pipeline.fit`` does for training.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi import FastAPI

from mlpilot.exceptions import ConfigError
from mlpilot.monitoring import routes as monitoring_routes
from mlpilot.retrain.loop import AutoRetrainer
from mlpilot.retrain.policy import RetrainPolicy, load_policy
from mlpilot.serving.app import MODELS_ENV, ServeSettings, create_app
from mlpilot.serving.predlog import LogStore

__all__ = ["build_app", "app_from_env", "AUTO_RETRAIN_ENV", "POLICY_FILE_ENV"]

AUTO_RETRAIN_ENV = "MLPILOT_AUTO_RETRAIN"
POLICY_FILE_ENV = "MLPILOT_RETRAIN_POLICY"


def build_app(settings: ServeSettings, policy: RetrainPolicy | None = None,
              policy_file: Path | None = None) -> FastAPI:
    """The service: predictions, feedback, KServe v2, admin, metrics, and monitoring; with ``policy``, also
    automatic retraining by it (in one of the server's processes)."""
    hooks: tuple = ((), ())
    if policy is not None:
        if settings.log_root is None:
            raise ConfigError("--auto-retrain needs the prediction log (MLPILOT_LOG_PREDICTIONS is off).")
        retrainer = AutoRetrainer(settings.registry, LogStore(settings.log_root, settings.log_retention_days), policy,
                                  settings.names, policy_file)
        hooks = ((retrainer.start,), (retrainer.stop,))
    app = create_app(settings, *hooks)
    app.include_router(monitoring_routes.router)
    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn's workers call: `mlpilot serve` passes the model names in MLPILOT_SERVE_MODELS, and
    with --auto-retrain the policy in MLPILOT_AUTO_RETRAIN (a JSON object) and MLPILOT_RETRAIN_POLICY (a file)."""
    names = tuple(n for n in os.environ.get(MODELS_ENV, "").split(",") if n)
    raw = os.environ.get(AUTO_RETRAIN_ENV)
    policy_file = os.environ.get(POLICY_FILE_ENV) or None
    policy = None if not raw else load_policy(policy_file, **json.loads(raw))
    return build_app(ServeSettings.from_env(names), policy, Path(policy_file) if policy_file else None)
