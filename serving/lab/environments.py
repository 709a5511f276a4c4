"""The lab's live environments and their pictures (seed 004 ``/environments``, ``/visualization``).

Environments live in the cluster's :class:`arenalab.serving.lab.env_host.EnvHost` actor, so any
API replica can create, step, render or stream them; these routes only translate.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from arenalab.envs import CATALOGUE
from arenalab.registry import ConflictError, NotFoundError
from arenalab.serving.core import auth
from arenalab.serving.core.errors import unprocessable
from arenalab.serving.core.limits import IdPath
from arenalab.serving.core.runtime import RuntimeDep
from arenalab.serving.lab.env_host import ActionError, EnvNotFoundError, get_env_host
from arenalab.serving.lab.schemas import EnvironmentIn, PlayIn, ResetIn, StepIn
from fastapi import APIRouter, HTTPException, Response
from PIL import Image
from ray.exceptions import RayActorError, RayTaskError

router = APIRouter(tags=["lab: environments"])


@cache
def env_host() -> Any:
    """This replica's handle on the EnvHost actor (forgotten when the actor dies)."""
    return get_env_host()


Request = Callable[[Any], Awaitable[Any]]
"""One EnvHost call, e.g. ``lambda host: host.reset.remote(env_id, seed)``."""


async def call(request: Request) -> Any:
    """Call the EnvHost; unknown ids become 404, bad actions or parameters 422.

    Errors raised in the actor are answered with their own message, never Ray's
    traceback; a host that stays unreachable is a 503 (serving.errors).
    """
    try:
        return await on_live_host(request)
    except EnvNotFoundError as exc:
        raise HTTPException(404, cause_message(exc)) from None
    except ConflictError as exc:
        raise HTTPException(409, cause_message(exc)) from None
    except ActionError as exc:
        raise unprocessable(cause_message(exc)) from None


async def on_live_host(request: Request) -> Any:
    """Call the EnvHost; a dead one (killed, its node lost) is replaced and the call retried.

    The new actor starts empty, so the lab recovers without restarting the API; the
    environments of the dead one are gone (404).
    """
    try:
        return await request(env_host())
    except RayActorError:
        env_host.cache_clear()
        return await request(env_host())


def cause_message(exc: BaseException) -> str:
    """The message the actor raised (a RayTaskError's own text is a remote traceback)."""
    return str(exc.cause) if isinstance(exc, RayTaskError) else str(exc)


@router.get("/environments")
async def list_environments(_: auth.Admin) -> dict[str, Any]:
    """The catalogue of environments and the live instances."""
    return {
        "catalogue": [entry.to_dict() for entry in CATALOGUE.values()],
        "instances": await call(lambda host: host.list.remote()),
    }


@router.post("/environments", status_code=201)
async def create_environment(body: EnvironmentIn, _: auth.Admin) -> dict[str, Any]:
    """Create an environment from game parameters and reset it (seeded if ``seed`` is set)."""
    if body.name not in CATALOGUE:
        raise unprocessable(f"name: expected one of {sorted(CATALOGUE)}, got {body.name!r}")
    return await call(lambda host: host.create.remote(body.name, body.parameters, body.seed))


@router.get("/environments/{env_id}")
async def get_environment(env_id: IdPath, _: auth.Admin) -> dict[str, Any]:
    """Name, parameters, spaces, progress and state of one environment."""
    return await call(lambda host: host.describe.remote(env_id))


@router.delete("/environments/{env_id}", status_code=204)
async def delete_environment(env_id: IdPath, _: auth.Admin) -> None:
    """Close an environment."""
    await call(lambda host: host.delete.remote(env_id))


@router.post("/environments/{env_id}/reset")
async def reset_environment(env_id: IdPath, body: ResetIn, _: auth.Admin) -> dict[str, Any]:
    """Start a new episode; the answer carries the first observation and the state."""
    return await call(lambda host: host.reset.remote(env_id, body.seed))


@router.post("/environments/{env_id}/step")
async def step_environment(env_id: IdPath, body: StepIn, _: auth.Admin) -> dict[str, Any]:
    """Apply one action; the new state is also published on the ``game_state`` channel."""
    return await call(lambda host: host.step.remote(env_id, body.action))


@router.post("/environments/{env_id}/play", status_code=202)
async def play_environment(
    env_id: IdPath, body: PlayIn, runtime: RuntimeDep, _: auth.Admin
) -> dict[str, Any]:
    """A registered model plays this env (greedy, as /act serves it); steps go out on game_state.

    Answers at once (202) with the environment; it plays ``episodes`` episodes at
    ``fps`` steps per second, and manual steps are refused (409) until it stops.
    """
    try:
        model = await asyncio.to_thread(runtime.registry.get_model, body.model_id)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    row = {"id": model.id, "checkpoint_uri": model.checkpoint_uri, "module_id": model.module_id}
    settings = runtime.settings
    return await call(
        lambda host: host.play.remote(env_id, row, settings, body.episodes, body.fps, body.seed)
    )


@router.delete("/environments/{env_id}/play")
async def stop_playing(env_id: IdPath, _: auth.Admin) -> dict[str, Any]:
    """Stop the model playing this env; it stays where it is, for manual steps."""
    return await call(lambda host: host.stop_playing.remote(env_id))


@router.get("/environments/{env_id}/state")
async def environment_state(env_id: IdPath, _: auth.Admin) -> dict[str, Any]:
    """The JSON state a client-side renderer draws."""
    return (await call(lambda host: host.describe.remote(env_id)))["state"]


@router.get("/visualization/{env_id}/frame.png", response_class=Response)
async def frame_png(env_id: IdPath, _: auth.Admin) -> Response:
    """The current frame as PNG, drawn with the environment's visualization parameters."""
    frame = await call(lambda host: host.frame.remote(env_id))
    png = io.BytesIO()
    Image.fromarray(frame).save(png, format="PNG")
    return Response(png.getvalue(), media_type="image/png")


@router.get("/visualization/{env_id}/state")
async def visualization_state(env_id: IdPath, _: auth.Admin) -> dict[str, Any]:
    """State plus the playback rate (``fps``) a client should animate it at."""
    described = await call(lambda host: host.describe.remote(env_id))
    return {"fps": described["fps"], "steps": described["steps"], "state": described["state"]}
