"""``WS /api/act/stream``: one battle frame per message, actions back in order.

Protocol: each client message is a :class:`StreamRequest` (``frame``, ``fighters``,
``deterministic``). The server answers each message, in order, with
``{"type": "actions", "frame": F, "actions": [...]}`` or
``{"type": "error", "frame": F, "fighter_id": ..., "status": S, "detail": ...}`` (an
unexpected failure: status 500 or 503 and a ``request_id``); an error never closes the
socket. Up to ``MAX_IN_FLIGHT`` messages are acted on
concurrently, so a game may send the next frame before the previous answer arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from arenalab.serving.core.errors import failure
from arenalab.serving.core.websocket import Pending, pipeline
from arenalab.serving.inference.client import ActError, PolicyClient
from arenalab.serving.inference.schemas import MAX_FIGHTERS, StreamRequest
from fastapi import WebSocket
from pydantic import ValidationError

MAX_IN_FLIGHT = 64
MAX_MESSAGE_BYTES = MAX_FIGHTERS * 64 * 1024


async def serve(websocket: WebSocket, client: PolicyClient) -> None:
    """Read messages until the client disconnects, answering each in arrival order."""
    await pipeline(
        websocket,
        lambda data: asyncio.ensure_future(_act(data, client)),
        lambda pending: _answer(websocket, pending),
        MAX_IN_FLIGHT,
    )


async def _act(data: str | bytes, client: PolicyClient) -> dict:
    """One message's answer; every failure becomes an error message naming what to fix."""
    try:
        if len(data) > MAX_MESSAGE_BYTES:
            raise ActError(413, f"message larger than {MAX_MESSAGE_BYTES} bytes")
        try:
            request = StreamRequest.model_validate_json(data)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False, include_input=False)
            raise ActError(422, errors, fighter_id=_fighter_of(data, errors)) from None
        actions = await client.act_battle(request)
    except ActError as exc:
        return {"type": "error", "frame": _frame_of(data), **exc.message()}
    except Exception as exc:  # answered (and logged), so later messages still are
        status, body = failure(exc, "/api/act/stream")
        return {"type": "error", "frame": _frame_of(data), "status": status, **body}
    return {"type": "actions", "frame": request.frame, "actions": actions}  # StreamActions


async def _answer(websocket: WebSocket, pending: Pending[dict]) -> None:
    while True:
        future = await pending.get()
        await websocket.send_json(await future)


def _frame_of(data: str | bytes) -> int | None:
    """The message's frame number when it has a readable one (echoed even in errors)."""
    with contextlib.suppress(ValueError, TypeError, AttributeError, RecursionError):
        frame = json.loads(data).get("frame")
        return frame if isinstance(frame, int) else None
    return None


def _fighter_of(data: str | bytes, errors: list[dict]) -> int | None:
    """The fighter_id of the first invalid ``fighters[i]`` entry, if the message names it."""
    for error in errors:
        loc = error["loc"]
        if len(loc) > 1 and loc[0] == "fighters" and isinstance(loc[1], int):
            with contextlib.suppress(
                ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError
            ):
                return int(json.loads(data)["fighters"][loc[1]]["fighter_id"])
    return None
