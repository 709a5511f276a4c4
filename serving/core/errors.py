"""Every error is JSON with a ``detail``: library exceptions mapped to HTTP statuses.

422 bodies keep FastAPI's shape (``detail`` is a list of ``{loc, msg, type}``)
so a field-level error from the library reads like a pydantic one. Ray and Serve
failures (a dead actor, no replica) are a 503 with ``Retry-After``; anything else
unexpected is a 500 carrying only a request id, which the log line repeats with the
traceback: no error body ever shows a traceback, a path or a host.
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Sequence

from arenalab.datasets.ingest import FrameError
from arenalab.datasets.wal import QueueFullError
from arenalab.registry import ConflictError, NotFoundError
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from ray import exceptions as ray_errors
from ray.serve import exceptions as serve_errors
from starlette.types import ASGIApp, Message, Receive, Scope, Send

RETRY_AFTER_S = 1
JSON_METHODS = frozenset({"POST", "PUT", "PATCH"})
logger = logging.getLogger("arenalab.serving")

UNAVAILABLE: tuple[type[BaseException], ...] = (
    ray_errors.RayActorError,  # ActorDiedError, ActorUnavailableError
    ray_errors.WorkerCrashedError,
    ray_errors.NodeDiedError,
    ray_errors.LocalRayletDiedError,
    ray_errors.ObjectLostError,
    ray_errors.RaySystemError,
    ray_errors.PendingCallsLimitExceeded,
    ray_errors.GetTimeoutError,
    serve_errors.BackPressureError,
    serve_errors.DeploymentUnavailableError,
    serve_errors.ReplicaUnavailableError,
)
"""Ray and Serve failures a retry may get past: 503, never a traceback."""


class StatusError(Exception):
    """A request's failure whose HTTP status is known: its detail goes out as JSON.

    Raised anywhere under a route, it is answered by the handler :func:`install`
    registers (503s carry Retry-After), so routes need no try/except of their own.
    """

    def __init__(self, status: int, detail: object) -> None:
        super().__init__(str(detail))
        self.status, self.detail = status, detail


def status_response(exc: StatusError) -> JSONResponse:
    """The HTTP answer to ``exc``: ``{"detail": ...}`` with its status."""
    headers = {"Retry-After": str(RETRY_AFTER_S)} if exc.status == 503 else None
    return JSONResponse({"detail": exc.detail}, exc.status, headers=headers)


def frame_error_detail(exc: FrameError, *, prefix: tuple = ("body",)) -> list[dict]:
    """A library FrameError as a FastAPI-style validation error list."""
    return [{"loc": [*prefix, *exc.loc], "msg": str(exc), "type": "value_error"}]


_FIELD_LINE = re.compile(r"^\s*([A-Za-z_][\w.\[\]]*): (.+)$")


def field_errors(text: str, prefix: Sequence[str | int] = ("body",)) -> list[dict]:
    """Library messages of ``field.path: reason`` lines as ``{loc, msg, type}`` entries.

    A first line that only introduces the others (``body: invalid experiment``) is
    dropped; a line that names no field is located at ``prefix``.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].rstrip().endswith("invalid experiment"):
        lines = lines[1:]
    detail = []
    for line in lines:
        match = _FIELD_LINE.match(line)
        if match and match.group(1) not in ("body", "experiment"):
            loc, msg = [*prefix, *match.group(1).split(".")], match.group(2)
        else:
            loc, msg = list(prefix), line.strip()
        detail.append({"loc": loc, "msg": msg, "type": "value_error"})
    return detail


def unprocessable(text: str, prefix: Sequence[str | int] = ("body",)) -> HTTPException:
    """A 422 in the API's one validation shape, from a library's field-naming message."""
    return HTTPException(422, field_errors(text, prefix))


def failure(exc: BaseException, where: str) -> tuple[int, dict]:
    """Log ``exc`` under a new request id; its status (503 for Ray/Serve failures, else 500).

    The body names only the request id (and for a 503 the wait before a retry); the
    log line has the traceback.
    """
    request_id = uuid.uuid4().hex[:16]
    if isinstance(exc, UNAVAILABLE):
        logger.warning("request %s to %s: cluster unavailable: %r", request_id, where, exc)
        detail = "the cluster is temporarily unavailable; retry later"
        return 503, {"detail": detail, "request_id": request_id, "retry_after": RETRY_AFTER_S}
    logger.error("request %s to %s failed", request_id, where, exc_info=exc)
    detail = "internal server error; the server log has the details under this request id"
    return 500, {"detail": detail, "request_id": request_id}


def internal_error(scope: Scope, exc: BaseException) -> JSONResponse:
    """The JSON answer to an exception no handler took (see :func:`failure`)."""
    status, body = failure(exc, scope.get("path", "?"))
    headers = {"X-Request-ID": body["request_id"]}
    if status == 503:
        headers["Retry-After"] = str(body.pop("retry_after"))
    return JSONResponse(body, status, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers that turn library exceptions into HTTP answers."""

    @app.exception_handler(RequestValidationError)
    async def _unprocessable(_: Request, exc: RequestValidationError) -> JSONResponse:
        # without the offending input: it may hold NaN, which JSON cannot carry back
        fields = ("loc", "msg", "type")
        detail = [{key: error[key] for key in fields} for error in exc.errors()]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(StatusError)
    async def _status(_: Request, exc: StatusError) -> JSONResponse:
        return status_response(exc)

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

    for kind in UNAVAILABLE:
        app.add_exception_handler(kind, _unavailable)


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    return internal_error(request.scope, exc)


class CatchAllMiddleware:
    """The last line: an exception no handler took becomes a JSON 500 (or 503), never text.

    Starlette's own fallback answers plain text and re-raises; this one answers once,
    logs the traceback under the request id and stops there. A WebSocket that fails
    is closed with 1011 (internal error).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: D102
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] in ("http.response.start", "websocket.accept", "websocket.close"):
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # the point: nothing escapes as text
            response = internal_error(scope, exc)
            if started:
                return
            if scope["type"] == "http":
                await response(scope, receive, send)
            else:
                await send({"type": "websocket.close", "code": 1011})


class JsonBodyMiddleware:
    """Answer 415 for a POST, PUT or PATCH body that is not ``application/json``.

    A web page may send a cross-site ``text/plain`` POST without a CORS preflight;
    refusing every other media type is what keeps such a page from writing frames.
    Requests without a body (``POST .../start``) pass.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: D102
        if scope["type"] != "http" or scope["method"] not in JSON_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        has_body = headers.get(b"content-length", b"0").strip() not in (b"0", b"")
        if (has_body or b"transfer-encoding" in headers) and not is_json(
            headers.get(b"content-type", b"")
        ):
            detail = "send the body as JSON with Content-Type: application/json"
            await JSONResponse({"detail": detail}, status_code=415)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def is_json(content_type: bytes) -> bool:
    """Whether a Content-Type header names JSON (``application/json``, ``...+json``)."""
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


class BodyLimitMiddleware:
    """Answer 413 for bodies over ``max_bytes``, by header or while streaming, before parsing.

    A chunked body has no length to check up front: once it passes the limit, whatever
    the app answers (its body parser fails with a 400) is replaced by the 413.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: D102
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0:
                detail = f"Content-Length must be a non-negative integer, got {length[:40]!r}"
                await JSONResponse({"detail": detail}, status_code=400)(scope, receive, send)
                return
            if declared > self.max_bytes:
                await self._reject(scope, receive, send)
                return
        received = 0
        too_large = False

        async def counted() -> Message:
            nonlocal received, too_large
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                too_large = True
                raise _TooLarge
            return message

        async def unless_too_large(message: Message) -> None:
            if not too_large:
                await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counted, unless_too_large)
        if too_large:
            await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"request body is larger than {self.max_bytes} bytes"
        await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)


class _TooLarge(Exception):
    """Raised inside the app when a streamed body passes the limit."""
