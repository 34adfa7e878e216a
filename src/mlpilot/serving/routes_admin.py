"""Admin routes: promote, roll back, reload. They need ``Authorization: Bearer MLPILOT_ADMIN_TOKEN``;
without a token configured they answer 404 (off)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import HTTPException

from mlpilot.serving.routes_v1 import ERRORS
from mlpilot.serving.schemas import AliasResponse, PromoteRequest, RollbackRequest

__all__ = ["router"]


def require_admin(request: Request) -> None:
    token = request.app.state.settings.admin_token
    if not token:
        raise HTTPException(404, "Admin routes are off: start the server with MLPILOT_ADMIN_TOKEN set.")
    sent = request.headers.get("authorization", "")
    scheme, _, value = sent.partition(" ")
    if scheme.lower() != "bearer" or not value:
        raise HTTPException(401, "Admin routes need the header 'Authorization: Bearer <MLPILOT_ADMIN_TOKEN>'.",
                            headers={"WWW-Authenticate": "Bearer"})
    if not secrets.compare_digest(value.strip().encode(), token.encode()):
        raise HTTPException(403, "The bearer token is not the admin token.")


router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)],
                   responses={**ERRORS, 401: ERRORS[404], 403: ERRORS[404]})


def _moved(request: Request, name: str, alias: str, version: int, previous: int | None) -> AliasResponse:
    catalog = request.app.state.catalog
    if alias == "champion":
        catalog.wait_until_loaded(name, version)
    serving = catalog.current(name).version
    return AliasResponse(model=name, alias=alias, version=version, previous=previous, serving=serving)


@router.post("/models/{name}/promote", response_model=AliasResponse)
def promote(name: str, body: PromoteRequest, request: Request) -> AliasResponse:
    """Point an alias of NAME at a version; for the champion, this server serves it when this returns."""
    previous = request.app.state.catalog.registry.promote(name, body.version, body.alias)
    return _moved(request, name, body.alias, body.version, previous)


@router.post("/models/{name}/rollback", response_model=AliasResponse)
def rollback(name: str, body: RollbackRequest, request: Request) -> AliasResponse:
    """Point an alias of NAME back at the version it had before its latest promotion."""
    registry = request.app.state.catalog.registry
    previous = registry.aliases(name).get(body.alias)
    version = registry.rollback(name, body.alias)
    return _moved(request, name, body.alias, version, previous)


@router.post("/reload")
def reload(request: Request) -> dict[str, list[str]]:
    """Check the registry now (instead of at the next poll); lists what changed as NAME:VERSION."""
    return {"changed": request.app.state.catalog.refresh()}
