"""Every error is JSON with a ``detail``: library exceptions mapped to HTTP statuses.

422 bodies keep FastAPI's shape (``detail`` is a list of ``{loc, msg, type}``)
so a field-level error from the library reads like a pydantic one.
"""

from __future__ import annotations

from arenalab.datasets.ingest import FrameError
from arenalab.datasets.wal import QueueFullError
from arenalab.registry import ConflictError, NotFoundError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

RETRY_AFTER_S = 1


def frame_error_detail(exc: FrameError, *, prefix: tuple = ("body",)) -> list[dict]:
    """A library FrameError as a FastAPI-style validation error list."""
    return [{"loc": [*prefix, *exc.loc], "msg": str(exc), "type": "value_error"}]


def install(app: FastAPI) -> None:
    """Register the handlers that turn library exceptions into HTTP answers."""

    @app.exception_handler(RequestValidationError)
    async def _unprocessable(_: Request, exc: RequestValidationError) -> JSONResponse:
        # without the offending input: it may hold NaN, which JSON cannot carry back
        fields = ("loc", "msg", "type")
        detail = [{key: error[key] for key in fields} for error in exc.errors()]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(NotFoundError)
    async def _not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(ConflictError)
    async def _conflict(_: Request, exc: ConflictError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(FrameError)
    async def _invalid(_: Request, exc: FrameError) -> JSONResponse:
        return JSONResponse({"detail": frame_error_detail(exc)}, status_code=422)

    @app.exception_handler(QueueFullError)
    async def _busy(_: Request, exc: QueueFullError) -> JSONResponse:
        headers = {"Retry-After": str(RETRY_AFTER_S)}
        return JSONResponse({"detail": str(exc)}, status_code=503, headers=headers)


class BodyLimitMiddleware:
    """Answer 413 for bodies over ``max_bytes``, by header or while streaming, before parsing."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: D102
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and int(length) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"request body is larger than {self.max_bytes} bytes"
        await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)


class _TooLarge(Exception):
    """Raised inside the app when a streamed body passes the limit."""
