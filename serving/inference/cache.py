"""An LRU of loaded models by id, bounded by count and by bytes, each loaded once.

Serve's ``@serve.multiplexed`` bounds a replica by model count and reports the ids to
the controller so handles route by model; the ingress needs no routing (the request
is already here) and does need a memory bound, since its models sit next to the rest
of the API. Concurrent requests for a model that is loading share its one load; past
``max_waiting`` of them (-1: no bound) the cache refuses (the caller answers 503 + Retry-After).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class CacheFull(Exception):
    """Too many requests already wait for models to load."""


class ModelCache(Generic[T]):
    """Loaded models by id, least recently used first out."""

    def __init__(
        self,
        load: Callable[[int], Awaitable[T]],
        size: Callable[[T], int],
        *,
        max_models: int,
        max_bytes: int,
        max_waiting: int,
    ) -> None:
        self._load, self._size = load, size
        self._max_models, self._max_bytes, self._max_waiting = max_models, max_bytes, max_waiting
        self._models: OrderedDict[int, T] = OrderedDict()
        self._bytes = 0
        self._loading: dict[int, asyncio.Future[T]] = {}
        self._waiting = 0

    def items(self) -> list[tuple[int, T]]:
        """The loaded models by id, least recently used first (using none of them)."""
        return list(self._models.items())

    @property
    def nbytes(self) -> int:
        """What the loaded models hold, as ``size`` counts it."""
        return self._bytes

    def loaded(self, model_id: int) -> T | None:
        """The model if loaded (now the most recently used), without awaiting anything."""
        model = self._models.get(model_id)
        if model is not None:
            self._models.move_to_end(model_id)
        return model

    async def get(self, model_id: int) -> T:
        """The model, loading it first if needed; CacheFull past ``max_waiting`` waiters."""
        model = self.loaded(model_id)
        if model is not None:
            return model
        if 0 <= self._max_waiting <= self._waiting:  # -1: unbounded, as in Serve
            raise CacheFull(f"{self._waiting} requests already wait for models to load")
        task = self._loading.get(model_id)
        if task is None:
            task = asyncio.ensure_future(self._load_and_keep(model_id))
            self._loading[model_id] = task
        self._waiting += 1
        try:
            return await asyncio.shield(task)
        finally:
            self._waiting -= 1

    async def _load_and_keep(self, model_id: int) -> T:
        try:
            model = await self._load(model_id)
        finally:
            del self._loading[model_id]  # a failed load is tried again by the next request
        self._models[model_id] = model
        self._bytes += self._size(model)
        while len(self._models) > 1 and (
            len(self._models) > self._max_models or self._bytes > self._max_bytes
        ):  # the model just loaded stays, even alone past max_bytes
            _, evicted = self._models.popitem(last=False)
            self._bytes -= self._size(evicted)
        return model
