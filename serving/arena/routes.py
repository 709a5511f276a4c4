"""The arena game's API (seed 000): fighters, episodes, frames, stats and models.

Thin adapters over ``arenalab.registry`` and ``arenalab.datasets``. The router
is mounted under ``/api`` and, hidden from the schema, at the root, because
the seed's README documents both.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Literal

from arenalab.datasets import FightFrame, reader
from arenalab.datasets.ingest import declared_obs_spec
from arenalab.registry import NotFoundError
from arenalab.serving.arena import stream
from arenalab.serving.arena.schemas import (
    BatchAck,
    EpisodeCreate,
    EpisodeOut,
    EpisodeUpdate,
    FighterCreate,
    FighterOut,
    FighterStats,
    FrameAck,
    FramePage,
    ModelOut,
)
from arenalab.serving.core import auth
from arenalab.serving.core.bodies import documented_body, parse_body
from arenalab.serving.core.limits import CountQuery, IdPath
from arenalab.serving.core.runtime import RuntimeDep, get_runtime
from fastapi import (
    APIRouter,
    HTTPException,
    Query,
    Request,
    Response,
    WebSocket,
    WebSocketDisconnect,
)

router = APIRouter(tags=["arena"])
MAX_PAGE = 10_000
MEDIA_TYPES = {
    "arrow": "application/vnd.apache.arrow.stream",
    "parquet": "application/vnd.apache.parquet",
}


@router.post("/fighters", status_code=201, response_model=FighterOut)
async def create_fighter(body: FighterCreate, runtime: RuntimeDep, _: auth.Admin) -> object:
    """Register a fighter; a declared ``metadata_json.obs_spec`` must be a known spec."""
    declared_obs_spec(body.metadata_json)
    return await asyncio.to_thread(
        runtime.registry.create_fighter, body.glb_filename, body.metadata_json
    )


@router.get("/fighters", response_model=list[FighterOut])
async def list_fighters(runtime: RuntimeDep, _: auth.Admin) -> object:
    """All fighters, oldest first."""
    return await asyncio.to_thread(runtime.registry.list_fighters)


@router.get("/fighters/{fighter_id}", response_model=FighterOut)
async def get_fighter(fighter_id: IdPath, runtime: RuntimeDep, _: auth.Admin) -> object:
    """One fighter."""
    return await asyncio.to_thread(runtime.registry.get_fighter, fighter_id)


@router.post("/episodes", status_code=201, response_model=EpisodeOut)
async def create_episode(body: EpisodeCreate, runtime: RuntimeDep, _: auth.Admin) -> EpisodeOut:
    """Open an episode; with auth on, the answer carries its ingest token for the browser."""
    fields = body.model_dump(exclude={"fighter_id"})
    episode = await asyncio.to_thread(
        runtime.registry.create_episode, body.fighter_id, source="game", **fields
    )
    out = EpisodeOut.model_validate(episode)
    minted = auth.mint_ingest_token(runtime.settings, episode.id)
    if minted is not None:
        out.ingest_token, out.ingest_token_expires_at = minted
    return out


@router.patch("/episodes/{episode_id}", response_model=EpisodeOut)
async def complete_episode(
    episode_id: IdPath, body: EpisodeUpdate, runtime: RuntimeDep, caller: auth.Caller
) -> object:
    """Close an episode with its outcome; its frames are compacted and counted."""
    await auth.require_closable(caller, runtime.registry, episode_id)
    outcome = body.model_dump(exclude_none=True)
    return await runtime.ingestor.close_episode(episode_id, **outcome)


FRAME_BODY = documented_body(FightFrame)  # FightFrame is registered by /batch
FRAME_ACK = b'{"status":"recorded","episode_id":%d,"frame_number":%d}'  # FrameAck's JSON


@router.post("/fight-frames", response_model=FrameAck, openapi_extra=FRAME_BODY)
async def record_frame(request: Request) -> Response:
    """Record one frame; answered once it is durable (the seed's per-frame call).

    Durable as ``ARENALAB_INGEST_DURABILITY`` says: fsynced (the default) or written to
    the OS. The hot path of the seed's client: no FastAPI dependencies or body field (each
    costs tens of microseconds per request), the same checks done inline, and the ack
    formatted from its two numbers rather than built and serialised as a model.
    """
    runtime = get_runtime(request)
    caller = await auth.caller(request)
    frame = parse_body(FightFrame, await request.body())
    caller.require_episode(frame.episode_id)
    await runtime.ingestor.ingest([frame])
    ack = FRAME_ACK % (frame.episode_id, frame.frame_number)
    return Response(ack, media_type="application/json")


@router.post("/fight-frames/batch", response_model=BatchAck)
async def record_frames(
    frames: list[FightFrame], runtime: RuntimeDep, caller: auth.Caller
) -> Response:
    """Record a list of frames (e.g. a second of play) in one log record; all or none."""
    limit = runtime.settings.ingest_max_batch_frames
    if len(frames) > limit:
        detail = [
            {
                "loc": ["body"],
                "msg": f"at most {limit} frames per batch, got {len(frames)}",
                "type": "too_long",
            }
        ]
        raise HTTPException(422, detail)
    for frame in frames:
        caller.require_episode(frame.episode_id)
    ack = BatchAck(frames=await runtime.ingestor.ingest(frames))
    return Response(ack.model_dump_json(), media_type="application/json")


@router.websocket("/fight-frames/stream")
async def stream_frames(websocket: WebSocket, runtime: RuntimeDep, caller: auth.Caller) -> None:
    """Frames in (one frame or a list per message), cumulative acks out once durable."""
    await websocket.accept()
    with contextlib.suppress(WebSocketDisconnect):
        await stream.serve(websocket, runtime, caller)


@router.get("/fighters/{fighter_id}/stats", response_model=FighterStats)
async def fighter_stats(fighter_id: IdPath, runtime: RuntimeDep, _: auth.Admin) -> object:
    """Episodes, victories, win rate, rewards, duration, frames and last played."""
    return await asyncio.to_thread(runtime.registry.fighter_stats, fighter_id)


@router.get("/fighters/{fighter_id}/episodes", response_model=list[EpisodeOut])
async def fighter_episodes(fighter_id: IdPath, runtime: RuntimeDep, _: auth.Admin) -> object:
    """A fighter's episodes, oldest first."""
    await asyncio.to_thread(runtime.registry.get_fighter, fighter_id)
    return await asyncio.to_thread(runtime.registry.list_episodes, fighter_id)


@router.get(
    "/episodes/{episode_id}/frames",
    response_model=FramePage,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
)
async def episode_frames(
    episode_id: IdPath,
    runtime: RuntimeDep,
    _: auth.Admin,
    format: Literal["json", "arrow", "parquet"] = "json",  # the query name
    offset: CountQuery = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1000,
) -> object:
    """One page of an episode's frames, stored or still in the log; JSON, Arrow IPC or Parquet."""
    await asyncio.to_thread(runtime.registry.get_episode, episode_id)
    table = await asyncio.to_thread(
        reader.episode_frames, runtime.storage, runtime.ingestor.wal_dir, episode_id
    )
    page = table.slice(offset, limit)
    if format == "json":
        return FramePage(
            episode_id=episode_id,
            offset=offset,
            limit=limit,
            total=table.num_rows,
            frames=reader.to_records(page),
        )
    body = await asyncio.to_thread(reader.to_bytes, page, format)
    headers = {"X-Total-Count": str(table.num_rows)}
    return Response(body, media_type=MEDIA_TYPES[format], headers=headers)


@router.get("/fighters/{fighter_id}/best-model", response_model=ModelOut)
async def best_model(fighter_id: IdPath, runtime: RuntimeDep, _: auth.Admin) -> object:
    """The fighter's best evaluated model (docs/architecture.md 4.6); 404 until one is evaluated."""
    await asyncio.to_thread(runtime.registry.get_fighter, fighter_id)
    model = await asyncio.to_thread(runtime.registry.best_model, fighter_id=fighter_id)
    if model is None:
        raise NotFoundError(f"fighter {fighter_id} has no model that clearly beats random yet")
    return model


@router.get("/fighters/{fighter_id}/models", response_model=list[ModelOut])
async def fighter_models(fighter_id: IdPath, runtime: RuntimeDep, _: auth.Admin) -> object:
    """The fighter's checkpoints with metrics and ratings, newest first."""
    await asyncio.to_thread(runtime.registry.get_fighter, fighter_id)
    return await asyncio.to_thread(runtime.registry.list_models, fighter_id=fighter_id)
