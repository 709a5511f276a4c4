"""``WS /ws``: the lab's live channels (seed 004): metrics, game_state, session_updates.

A client sends ``{"type": "subscribe", "channel": C}`` (optionally with
``"session_id"`` for metrics) and receives ``{"type", "channel", "data", "ts"}``
messages. Metrics and session changes come from the replica's one
:class:`~arenalab.training.events.TrainingFeed` (one look at the registry per tick,
whatever the number of subscribers; every training job writes there wherever it runs);
game states from the EnvHost actor. So any replica serves any subscriber, with no
broker to run.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from arenalab.bounds import RowId
from arenalab.serving.core import auth
from arenalab.serving.core.runtime import Runtime, RuntimeDep
from arenalab.serving.lab.environments import Request, on_live_host
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, ValidationError
from ray.exceptions import RayActorError

router = APIRouter(tags=["lab: live"])
HOST_RETRY_S = 0.5  # after the EnvHost actor died, before asking its successor
CHANNELS = ("metrics", "game_state", "session_updates")


class Subscription(BaseModel):
    """A client's request to start or stop a channel."""

    model_config = ConfigDict(extra="forbid")

    type: str
    channel: str
    session_id: RowId | None = None


def message(kind: str, channel: str, data: Any) -> dict[str, Any]:
    """The one shape every server message has."""
    return {"type": kind, "channel": channel, "data": data, "ts": time.time()}


def metrics(runtime: Runtime, session_id: int | None) -> AsyncIterator[dict[str, Any]]:
    """New training metrics rows, as training jobs record them."""
    return runtime.training_feed.metrics(session_id)


def session_updates(runtime: Runtime, _: int | None) -> AsyncIterator[dict[str, Any]]:
    """Every session's status and progress, first as a snapshot, then each change."""
    return runtime.training_feed.session_updates()


def _states_after(after: int) -> Request:
    """The EnvHost call that waits (up to 5 s) for states newer than ``after``."""
    return lambda host: host.next_states.remote(after, 5.0)


async def game_states(_: Runtime, __: int | None) -> AsyncIterator[dict[str, Any]]:
    """States of the lab's environments as they are reset and stepped (a new host: from 0)."""
    after = await on_live_host(lambda host: host.sequence.remote())
    while True:
        try:
            events = await on_live_host(_states_after(after))
        except RayActorError:
            after = 0
            await asyncio.sleep(HOST_RETRY_S)
            continue
        for event in events:
            after = event["seq"]
            yield event["data"]


PRODUCERS: dict[str, Callable[[Runtime, int | None], AsyncIterator[dict[str, Any]]]] = {
    "metrics": metrics,
    "game_state": game_states,
    "session_updates": session_updates,
}
KINDS = {"metrics": "metrics", "game_state": "game_state", "session_updates": "session_update"}


async def _pump(channel: str, source: AsyncIterator[dict[str, Any]], out: asyncio.Queue) -> None:
    async for data in source:
        await out.put(message(KINDS[channel], channel, data))


@router.websocket("/ws")
async def live(socket: WebSocket, runtime: RuntimeDep, _: auth.Admin) -> None:
    """Subscribe and unsubscribe to channels; bad messages get an error, never a close."""
    await socket.accept()
    outbox: asyncio.Queue = asyncio.Queue(maxsize=1000)
    tasks: dict[str, asyncio.Task] = {}

    async def send_all() -> None:
        while True:
            await socket.send_json(await outbox.get())

    sender = asyncio.create_task(send_all())
    try:
        while True:
            received = await socket.receive()
            if received["type"] == "websocket.disconnect":
                break
            raw = received.get("text")
            if raw is None:  # a binary frame: the protocol is JSON text
                detail = "send each message as a text frame holding JSON"
                await outbox.put(message("error", "", {"detail": detail}))
                continue
            try:
                request = Subscription.model_validate_json(raw)
            except ValidationError as exc:
                errors = [
                    f"{'.'.join(map(str, e['loc'])) or 'message'}: {e['msg']}" for e in exc.errors()
                ]
                await outbox.put(message("error", "", {"detail": errors}))
                continue
            if request.channel not in CHANNELS or request.type not in ("subscribe", "unsubscribe"):
                detail = f"type must be subscribe|unsubscribe and channel one of {list(CHANNELS)}"
                await outbox.put(message("error", request.channel, {"detail": detail}))
                continue
            if (old := tasks.pop(request.channel, None)) is not None:
                old.cancel()
            if request.type == "subscribe":
                source = PRODUCERS[request.channel](runtime, request.session_id)
                tasks[request.channel] = asyncio.create_task(_pump(request.channel, source, outbox))
            await outbox.put(message(f"{request.type}d", request.channel, None))
    except WebSocketDisconnect:
        pass
    finally:
        for task in [*tasks.values(), sender]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
