"""Errors as JSON: bad input is a 4xx naming the column or limit; nothing a client sends is a 500.

Every error body is ``{"error": MESSAGE}`` (the Open Inference Protocol's shape), with
``"detail"`` added for request-validation errors (the list FastAPI gives).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlpilot.exceptions import ConfigError, DataError, LimitError, MlpilotError, NotFoundError

logger = logging.getLogger(__name__)

__all__ = ["install_error_handlers", "BodyLimit", "status_for"]


def status_for(err: BaseException) -> int:
    if isinstance(err, NotFoundError):
        return 404
    if isinstance(err, LimitError):
        return 413
    if isinstance(err, (DataError, ConfigError)):
        return 422
    return 400 if isinstance(err, MlpilotError) else 500


def _loc(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p != "body") or "the request body"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MlpilotError)
    async def _mlpilot(request: Request, err: MlpilotError) -> JSONResponse:
        return JSONResponse({"error": str(err)}, status_code=status_for(err))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        errors = err.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        message = f"{_loc(tuple(first.get('loc', ())))}: {first.get('msg', 'invalid')}"
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in errors[:20]]
        return JSONResponse({"error": message, "detail": detail}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(err.detail)}, status_code=err.status_code, headers=err.headers)

    @app.exception_handler(Exception)
    async def _bug(request: Request, err: Exception) -> JSONResponse:
        logger.exception("Unexpected error answering %s %s", request.method, request.url.path)
        return JSONResponse({"error": f"internal error ({type(err).__name__}); the server log has the details"},
                            status_code=500)


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` is answered 413, by its Content-Length, or
    while it streams in when it has none (the route's read of the body then fails with the 413)."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    def _message(self) -> str:
        return (f"The request body is larger than the limit of {self.max_bytes} bytes (MLPILOT_MAX_BODY_BYTES); "
                "send fewer rows per request.")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            response = JSONResponse({"error": self._message() if length.isdigit() else
                                     "The Content-Length header is not a number."},
                                    status_code=413 if length.isdigit() else 400)
            await response(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise StarletteHTTPException(413, self._message())
            return message

        await self.app(scope, limited_receive, send)
