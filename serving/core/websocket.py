"""One WebSocket pipeline: every message starts when it arrives, answers go back in order.

The frame stream (``WS /api/fight-frames/stream``) and the act stream
(``WS /api/act/stream``) both let a client pipeline: a message is started as soon as
it is read and its answer is sent after those of every earlier message, with at most
``max_in_flight`` messages outstanding (beyond that, reading pauses: the client's
backpressure). What a message does and how answers are worded is each stream's own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import WebSocket, WebSocketDisconnect

T = TypeVar("T")
Pending = asyncio.Queue[asyncio.Future[T]]
"""Started messages, oldest first: what a stream's answerer reads."""


async def pipeline(
    websocket: WebSocket,
    start: Callable[[str | bytes], asyncio.Future[T]],
    answer: Callable[[Pending[T]], Awaitable[None]],
    max_in_flight: int,
) -> None:
    """Read messages until the client disconnects; ``answer`` sends their results in order."""
    pending: Pending[T] = asyncio.Queue(max_in_flight)
    sender = asyncio.create_task(answer(pending))
    try:
        while True:
            message = await websocket.receive()
            if sender.done():  # answers can no longer be sent (the client went away)
                return
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            await pending.put(start(message.get("text") or message.get("bytes") or ""))
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
