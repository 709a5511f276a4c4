"""Do-nothing routes of each ingestion shape, mounted on the same ingress: the ceiling.

They read the body and answer a constant ack, so the gap between them and the
real routes is what validation and durable storage cost.
"""

from __future__ import annotations

from arenalab.serving.app import Mount
from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import Response

router = APIRouter()
ACK = b'{"status":"recorded"}'


@router.post("/fight-frames")
async def one(request: Request) -> Response:
    """Read one frame's bytes, acknowledge."""
    await request.body()
    return Response(ACK, media_type="application/json")


@router.post("/fight-frames/batch")
async def batch(request: Request) -> Response:
    """Read a batch's bytes, acknowledge."""
    await request.body()
    return Response(ACK, media_type="application/json")


@router.websocket("/fight-frames/stream")
async def stream(websocket: WebSocket) -> None:
    """Acknowledge every message by count, like the real stream's cumulative ack."""
    await websocket.accept()
    messages = 0
    try:
        while True:
            await websocket.receive_text()
            messages += 1
            await websocket.send_text(f'{{"type":"ack","messages":{messages}}}')
    except WebSocketDisconnect:
        pass


mount = Mount(router, prefix="/noop")
