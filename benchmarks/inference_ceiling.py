"""Do-nothing routes of each inference shape on the same ingress: the ceiling.

They read the request and answer a constant body of the real answer's size class,
so the gap to the real routes is what validation, the policy handle and the forward
pass cost.
"""

from __future__ import annotations

from arenalab.serving.app import Mount
from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import Response

router = APIRouter()
ONE = b'{"model_id":1,"action":[0.0,0.0,0.0,0.0]}'
BATTLE = b'{"actions":[' + b",".join([b'{"fighter_id":1,"action":[0.0,0.0,0.0,0.0]}'] * 8) + b"]}"


@router.post("/fighters/{fighter_id}/act")
async def one(fighter_id: int, request: Request) -> Response:
    """Read one observation's bytes, answer a constant action."""
    await request.body()
    return Response(ONE, media_type="application/json")


@router.post("/act")
async def battle(request: Request) -> Response:
    """Read a battle frame's bytes, answer constant actions."""
    await request.body()
    return Response(BATTLE, media_type="application/json")


@router.websocket("/act/stream")
async def stream(websocket: WebSocket) -> None:
    """Answer every message with constant actions, like the real stream's per-frame answer."""
    await websocket.accept()
    try:
        while True:
            await websocket.receive_text()
            await websocket.send_text('{"type":"actions","actions":[]}')
    except WebSocketDisconnect:
        pass


mount = Mount(router, prefix="/noop")
