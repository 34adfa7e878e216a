"""The prediction service as `mlpilot serve` runs it: serving's app with monitoring's route.

Serving knows nothing of the stages to its right (monitoring, retraining); this module puts
them together, as ``pipeline.fit`` does for training.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from mlpilot.monitoring import routes as monitoring_routes
from mlpilot.serving.app import MODELS_ENV, ServeSettings, create_app

__all__ = ["build_app", "app_from_env"]


def build_app(settings: ServeSettings) -> FastAPI:
    """The service: predictions, feedback, KServe v2, admin, metrics, and monitoring."""
    app = create_app(settings)
    app.include_router(monitoring_routes.router)
    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn's workers call (`mlpilot serve` passes the model names in MLPILOT_SERVE_MODELS)."""
    names = tuple(n for n in os.environ.get(MODELS_ENV, "").split(",") if n)
    return build_app(ServeSettings.from_env(names))
