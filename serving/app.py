"""One FastAPI application from a list of routers: the single ingress of every Serve app.

Every router (the game's ingestion, policy inference, the lab API, the live WebSocket) is
listed in ``MOUNTS``; the app, its lifespan (opening the runtime), CORS, JSON-only bodies, body
limit, error handlers and the offline ``/docs`` and ``/redoc`` pages are shared. The same app
runs under Ray Serve (``arenalab.serving.deployment``) or any ASGI server, which tests use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import arenalab
from arenalab.serving.arena import routes as arena
from arenalab.serving.core import errors, health
from arenalab.serving.core.runtime import Runtime
from arenalab.serving.inference import routes as inference
from arenalab.serving.lab import environments, experiments, live, sessions
from arenalab.settings import Settings
from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline


@dataclass(frozen=True)
class Mount:
    """A router, its prefix, and whether it also answers without the prefix (hidden)."""

    router: APIRouter
    prefix: str = ""
    also_unprefixed: bool = False


# URL -> module: the route for a path is in the module its mount names.
MOUNTS: list[Mount] = [
    Mount(health.router),  # /health: core/health.py
    # /api/fighters, /api/episodes, /api/fight-frames (seed 000 documents both prefixes)
    Mount(arena.router, prefix="/api", also_unprefixed=True),  # arena/routes.py
    # /api/act, /api/act/stream, /api/models/{id}/onnx
    Mount(inference.router, prefix="/api", also_unprefixed=True),  # inference/routes.py
    Mount(inference.v1_router, prefix="/api/v1"),  # /api/v1/act: inference/routes.py
    Mount(experiments.router, prefix="/api/v1"),  # /api/v1/experiments, presets: lab/experiments.py
    Mount(sessions.router, prefix="/api/v1"),  # /api/v1/training/sessions: lab/sessions.py
    # /api/v1/environments, /api/v1/visualization: lab/environments.py
    Mount(environments.router, prefix="/api/v1"),
    Mount(live.router),  # /ws: lab/live.py
]


def create_app(settings: Settings, mounts: Sequence[Mount] = MOUNTS) -> FastAPI:
    """Build the API for ``settings``; the runtime opens on startup and closes on shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = await Runtime.open(settings)
        try:
            yield
        finally:
            await app.state.runtime.close()

    app = FastAPIOffline(  # /docs and /redoc load their assets from the app, not a CDN
        title="arenalab",
        version=arenalab.__version__,
        summary="Game frames in, trained fighters out.",
        lifespan=lifespan,
    )
    # outermost last: CORS headers on every answer, then the catch-all around the rest
    app.add_middleware(errors.BodyLimitMiddleware, max_bytes=settings.ingest_max_body_bytes)
    app.add_middleware(errors.JsonBodyMiddleware)
    app.add_middleware(errors.CatchAllMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Total-Count", "Retry-After"],
    )
    errors.install(app)
    for mount in mounts:
        app.include_router(mount.router, prefix=mount.prefix)
        if mount.also_unprefixed:
            app.include_router(mount.router, include_in_schema=False)
    return app
