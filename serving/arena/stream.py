"""The WebSocket frame stream: many messages in flight, one cumulative ack per fsync.

Protocol (``WS /api/fight-frames/stream``): each client message is one frame
or a JSON list of frames. The server answers ``{"type": "ack", "frames": F,
"messages": M}`` where F and M count everything stored so far on this socket,
so a client keeps unacknowledged frames and resends them after a reconnect
(duplicates are dropped on (episode_id, frame_number)). A rejected message gets
``{"type": "error", "message": i, "status": s, "detail": ...}`` (i counts from 0),
stores nothing, and the socket keeps serving; 503 carries ``retry_after``.
Messages are answered in order; an ack covers every message fsynced so far and is
sent as soon as the next message is not yet stored, so pipelining never starves acks.
"""

from __future__ import annotations

import asyncio
import itertools

from arenalab.datasets import FightFrame
from arenalab.datasets.ingest import FrameError
from arenalab.datasets.wal import QueueFullError
from arenalab.registry import ConflictError, NotFoundError
from arenalab.serving.core.auth import Principal
from arenalab.serving.core.errors import RETRY_AFTER_S, frame_error_detail
from arenalab.serving.core.runtime import Runtime
from arenalab.serving.core.websocket import Pending, pipeline
from fastapi import HTTPException, WebSocket
from pydantic import TypeAdapter, ValidationError

_FRAMES = TypeAdapter(list[FightFrame])
MAX_IN_FLIGHT = 256  # messages awaiting their fsync per socket; beyond it reading pauses


async def serve(websocket: WebSocket, runtime: Runtime, caller: Principal) -> None:
    """Read messages until the client disconnects, acknowledging as fsyncs complete."""
    await pipeline(
        websocket,
        lambda data: _start(data, runtime, caller),
        lambda pending: _acknowledge(websocket, pending),
        MAX_IN_FLIGHT,
    )


def _start(data: str | bytes, runtime: Runtime, caller: Principal) -> asyncio.Future[int]:
    """Validate one message and start logging it; the future yields its frame count."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    try:
        max_bytes = runtime.settings.ingest_max_body_bytes
        if len(data) > max_bytes:
            raise HTTPException(413, f"message larger than {max_bytes} bytes")
        frames = _parse(data)
        limit = runtime.settings.ingest_max_batch_frames
        if len(frames) > limit:
            raise HTTPException(422, f"at most {limit} frames per message, got {len(frames)}")
        for frame in frames:
            caller.require_episode(frame.episode_id)
    except (ValidationError, HTTPException) as exc:
        future.set_exception(exc)
        return future
    return asyncio.ensure_future(runtime.ingestor.ingest(frames))


def _parse(data: str | bytes) -> list[FightFrame]:
    """One frame or a list of frames; error locations name the field as the HTTP routes do."""
    if data.lstrip()[:1] in ("[", b"["):
        return _FRAMES.validate_json(data)
    return [FightFrame.model_validate_json(data)]


async def _acknowledge(websocket: WebSocket, pending: Pending[int]) -> None:
    """Answer messages in order: an error per rejected one, acks coalesced but never held back.

    Messages fsynced together are acknowledged once; an ack is sent as soon as the next
    message is not yet stored (or none is waiting), so a client that keeps pipelining still
    gets acks (they are never deferred until its stream pauses).
    """
    frames = messages = 0
    unacked = False
    for index in itertools.count():  # messages are numbered from 0 in arrival order
        future = await pending.get()
        if unacked and not future.done():
            await websocket.send_json({"type": "ack", "frames": frames, "messages": messages})
            unacked = False
        try:
            frames += await future
            messages += 1
            unacked = True
        except Exception as exc:  # every failure becomes an error message
            await websocket.send_json({"type": "error", "message": index, **_describe(exc)})
        if unacked and pending.empty():
            await websocket.send_json({"type": "ack", "frames": frames, "messages": messages})
            unacked = False


def _describe(exc: Exception) -> dict:
    """Status and detail of a rejected message, as the HTTP endpoints would answer."""
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        return {"status": 422, "detail": errors}
    if isinstance(exc, FrameError):
        return {"status": 422, "detail": frame_error_detail(exc, prefix=())}
    if isinstance(exc, HTTPException):
        return {"status": exc.status_code, "detail": exc.detail}
    if isinstance(exc, QueueFullError):
        return {"status": 503, "detail": str(exc), "retry_after": RETRY_AFTER_S}
    status = {NotFoundError: 404, ConflictError: 409}.get(type(exc), 500)
    return {"status": status, "detail": str(exc)}
