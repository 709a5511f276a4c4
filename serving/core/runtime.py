"""What every route needs, opened once per process by the app's lifespan.

Routers get it with ``Depends(get_runtime)``; what a router shares across requests
(the lab's session jobs, the live feed) hangs here rather than in globals.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated

from arenalab.datasets.ingest import FrameIngestor
from arenalab.registry import Registry
from arenalab.settings import Settings
from arenalab.storage import Storage
from arenalab.training.events import TrainingFeed
from arenalab.training.jobs import SessionJobs
from fastapi import Depends
from starlette.requests import HTTPConnection


@dataclass
class Runtime:
    """The settings, registry, storage and frame ingestor of this replica."""

    settings: Settings
    registry: Registry
    storage: Storage
    ingestor: FrameIngestor
    _closing: asyncio.Future[None] | None = field(default=None, init=False, repr=False)

    @classmethod
    async def open(cls, settings: Settings) -> Runtime:
        """Open the registry and start ingestion (replaying logs a crash left behind)."""
        registry = Registry.from_settings(settings)
        ingestor = FrameIngestor(settings, registry)
        await ingestor.start()
        return cls(settings, registry, ingestor.storage, ingestor)

    @cached_property
    def session_jobs(self) -> SessionJobs:
        """Training sessions as Ray jobs (the lab API), set up on first use."""
        return SessionJobs(self.registry, self.settings)

    @cached_property
    def training_feed(self) -> TrainingFeed:
        """The replica's one reader of training events, shared by every ``/ws`` subscriber."""
        return TrainingFeed(self.registry)

    async def close(self) -> None:
        """Flush and compact what this replica logged, then release the database.

        Idempotent: the app's shutdown and a replica flushing on its own (its cluster
        went away, ``deployment.flush_when_orphaned``) may both ask; the log closes once.
        """
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        await self.ingestor.stop()
        self.registry.engine.dispose()


async def runtime_dependency(connection: HTTPConnection) -> Runtime:
    """Dependency: async, so FastAPI runs it inline rather than in its thread pool."""
    return get_runtime(connection)


def get_runtime(connection: HTTPConnection) -> Runtime:
    """The runtime of the app serving this request or socket."""
    return connection.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_dependency)]
