"""A fighter's best model as a server follows it: looked up at most once per ``ttl_s``.

Hot reload rests on this: when training crowns a new best model (the one rule in
``Registry.refresh_best``), a server asking here picks it up within ``ttl_s`` and sends
new requests to it, while requests already in flight finish on the old one. The first
request for a fighter waits for the registry (one lookup however many requests arrive
together); later ones never do: an expired entry is answered as it is while one lookup
refreshes it in the background.
"""

from __future__ import annotations

import asyncio
import time

from arenalab.registry import Model, NotFoundError, Registry

BEST_MODEL_TTL_S = 1.0  # how stale a fighter's best model may be: the hot-reload delay


class BestModels:
    """The best model of each fighter asked about, refreshed from the registry."""

    def __init__(self, registry: Registry, ttl_s: float = BEST_MODEL_TTL_S) -> None:
        self._registry = registry
        self._ttl_s = ttl_s
        self._best: dict[int, tuple[float, Model]] = {}
        self._lookups: dict[int, asyncio.Future[Model]] = {}

    async def of(self, fighter_id: int) -> Model:
        """The fighter's best model; NotFoundError for an unknown fighter or one without."""
        cached = self._best.get(fighter_id)
        if cached is None:
            return await asyncio.shield(self._lookup(fighter_id))
        expires, model = cached
        if expires <= time.monotonic():
            self._lookup(fighter_id)
        return model

    def _lookup(self, fighter_id: int) -> asyncio.Future[Model]:
        """The one registry lookup in flight for a fighter (started if there is none)."""
        task = self._lookups.get(fighter_id)
        if task is None:
            task = asyncio.ensure_future(self._resolve(fighter_id))
            self._lookups[fighter_id] = task
            task.add_done_callback(lambda done: self._finished(fighter_id, done))
        return task

    def _finished(self, fighter_id: int, task: asyncio.Future[Model]) -> None:
        self._lookups.pop(fighter_id, None)
        if not task.cancelled() and task.exception() is not None:
            self._best.pop(fighter_id, None)  # e.g. the fighter lost its model: 404 next time

    async def _resolve(self, fighter_id: int) -> Model:
        model = await asyncio.to_thread(self._registry.best_model, fighter_id=fighter_id)
        if model is None:
            await asyncio.to_thread(self._registry.get_fighter, fighter_id)  # unknown: names it
            raise NotFoundError(f"fighter {fighter_id} has no model that clearly beats random yet")
        self._best[fighter_id] = (time.monotonic() + self._ttl_s, model)
        return model
