"""Inference endpoints: fighters' best models and any registered model, HTTP and WebSocket.

``router`` is mounted under ``/api`` (and, hidden, at the root like the rest of seed
000's API); ``v1_router`` under ``/api/v1`` for the lab. Both are thin: the registry
lookups live in :mod:`arenalab.serving.inference.client`, the models in this replica
(:mod:`arenalab.serving.inference.local`) or in the policy deployment
(:mod:`arenalab.serving.inference.deployment`), as ``PolicyArgs.placement`` says.
"""

from __future__ import annotations

import contextlib
import json
from typing import Annotated

from arenalab.serving.core import auth
from arenalab.serving.core.bodies import documented_body, parse_body
from arenalab.serving.core.limits import IdPath
from arenalab.serving.inference import stream
from arenalab.serving.inference.client import PolicyClient, get_policy_client
from arenalab.serving.inference.schemas import (
    ActRequest,
    ActResponse,
    BattleActRequest,
    BattleActResponse,
    LoadedModels,
    ModelRef,
)
from fastapi import APIRouter, Depends, Request, Response, WebSocket, WebSocketDisconnect

router = APIRouter(tags=["inference"])
v1_router = APIRouter(tags=["inference"])
PolicyDep = Annotated[PolicyClient, Depends(get_policy_client)]
ONNX_MEDIA_TYPE = "application/octet-stream"


async def _act(
    client: PolicyClient, model: ModelRef, body: ActRequest, fighter_id: int | None = None
) -> Response:
    actions = await client.act_one(model, body)
    fields = {"action": actions[0]} if body.observation is not None else {"actions": actions}
    if fighter_id is not None:
        fields["fighter_id"] = fighter_id
    return _json(client.answer(model, **fields))


def _json(body: dict) -> Response:
    """The answer as its response model would serialize it, without a second validation.

    FastAPI validates and dumps a returned model again against ``response_model``; these
    answers are built from validated parts, and on the per-request path that pass costs
    as much as the forward pass. The route's ``response_model`` still documents them.
    """
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")


@router.post(
    "/fighters/{fighter_id}/act",
    response_model=ActResponse,
    response_model_exclude_none=True,
    openapi_extra=documented_body(ActRequest),  # registered by /api/v1/policies/{id}/act
)
async def act_as_fighter(fighter_id: IdPath, request: Request) -> Response:
    """The action of the fighter's best model (the answer names the model that acted).

    A game's AI fighter calls this every frame: the body and the API key are checked
    inline (:mod:`arenalab.serving.core.bodies`), not as FastAPI dependencies.
    """
    auth.require_admin(await auth.caller(request))
    body = parse_body(ActRequest, await request.body())
    client = await get_policy_client(request)
    return await _act(client, await client.best_model(fighter_id), body, fighter_id)


@router.post("/act", response_model=BattleActResponse)
async def act_battle(body: BattleActRequest, _: auth.Admin, client: PolicyDep) -> Response:
    """Every AI fighter of a battle in one request, each with its own best model."""
    return _json({"actions": await client.act_battle(body)})


@router.websocket("/act/stream")
async def act_stream(websocket: WebSocket, _: auth.Admin, client: PolicyDep) -> None:
    """Battle frames in, actions out, in order, over one connection (see inference/stream.py)."""
    await websocket.accept()
    with contextlib.suppress(WebSocketDisconnect):
        await stream.serve(websocket, client)


@router.get(
    "/models/{model_id}/onnx",
    response_class=Response,
    responses={200: {"content": {ONNX_MEDIA_TYPE: {}}}},
)
async def model_onnx(model_id: IdPath, _: auth.Admin, client: PolicyDep) -> Response:
    """The model's greedy policy as one self-contained ONNX file, checked against torch."""
    body, max_abs_diff = await client.onnx(model_id)
    headers = {
        "Content-Disposition": f'attachment; filename="model-{model_id}.onnx"',
        "X-Onnx-Max-Abs-Diff": f"{max_abs_diff:.3g}",
    }
    return Response(body, media_type=ONNX_MEDIA_TYPE, headers=headers)


@v1_router.post(
    "/policies/{model_id}/act", response_model=ActResponse, response_model_exclude_none=True
)
async def act_as_model(
    model_id: IdPath, body: ActRequest, _: auth.Admin, client: PolicyDep
) -> Response:
    """The action of any registered model (the lab compares checkpoints with it)."""
    return await _act(client, await client.model(model_id), body)


@v1_router.get("/inference/models", response_model=LoadedModels)
async def loaded_models(_: auth.Admin, client: PolicyDep) -> LoadedModels:
    """Where policies run and the models loaded there, each with the runtime it acts on."""
    models = await client.policies.models()
    return LoadedModels(placement=client.policies.placement, models=models)
