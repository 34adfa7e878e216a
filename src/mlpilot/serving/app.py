"""The FastAPI application: mlpilot's routes, the Open Inference Protocol v2, admin, /metrics, /docs.

``create_app(settings)`` builds it for a catalog of registered models; ``mlpilot.service`` adds the
monitoring route and is what ``mlpilot serve`` runs.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response

from mlpilot import __version__, config
from mlpilot.registry import Registry
from mlpilot.serving import routes_admin, routes_v1, routes_v2
from mlpilot.serving.catalog import ModelCatalog
from mlpilot.serving.errors import BodyLimit, install_error_handlers
from mlpilot.serving.metrics import CONTENT_TYPE, ServiceMetrics
from mlpilot.serving.predlog import LogStore, PredictionLog

__all__ = ["ServeSettings", "create_app", "MODELS_ENV"]

MODELS_ENV = "MLPILOT_SERVE_MODELS"


@dataclass
class ServeSettings:
    names: tuple[str, ...] = ()  # empty: every registered model
    registry: Registry = field(default_factory=Registry)
    admin_token: str | None = None
    max_rows: int = 10_000
    max_body_bytes: int = 64 * 2**20
    poll_seconds: float = 2.0
    log_root: Path | None = None  # where predictions and feedback are logged (None: not logged)
    log_retention_days: float = 30.0

    @classmethod
    def from_env(cls, names: tuple[str, ...] = ()) -> ServeSettings:
        return cls(names, Registry(), config.admin_token(), config.max_rows(), config.max_body_bytes(),
                   config.poll_seconds(), config.log_root(), config.log_retention_days())


def create_app(settings: ServeSettings, on_start: tuple = (), on_stop: tuple = ()) -> FastAPI:
    """The service for ``settings``; ``on_start`` and ``on_stop`` are callables run when it starts and
    stops (background work that other stages add, such as automatic retraining)."""
    catalog = ModelCatalog(settings.registry, settings.names, settings.poll_seconds)
    metrics = ServiceMetrics()
    log = None if settings.log_root is None else PredictionLog(LogStore(settings.log_root,
                                                                        settings.log_retention_days))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        catalog.start()
        if log is not None:
            log.start()
        for hook in on_start:
            hook()
        yield
        for hook in on_stop:
            hook()
        if log is not None:
            log.stop()  # writes what is buffered
        catalog.stop()

    app = FastAPI(title="mlpilot", version=__version__, lifespan=lifespan,
                  description="Predictions from registered mlpilot models: mlpilot's JSON routes, KServe's Open "
                              "Inference Protocol v2, Prometheus metrics at /metrics.")
    app.state.settings, app.state.catalog, app.state.metrics = settings, catalog, metrics
    app.state.prediction_log = log
    install_error_handlers(app)
    app.include_router(routes_v1.router)
    app.include_router(routes_v2.router)
    app.include_router(routes_admin.router)

    @app.get("/metrics", include_in_schema=False)
    def prometheus(request: Request) -> Response:
        for name in catalog.served_names():
            metrics.served.labels(name).set(catalog.current(name).version)
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    @app.get("/", tags=["health"])
    def index() -> dict[str, object]:
        return {"service": "mlpilot", "version": __version__, "models": catalog.served_names(), "docs": "/docs"}

    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app


