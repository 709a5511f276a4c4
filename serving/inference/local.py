"""Policies inside the ingress replica: a request acts with no second actor hop.

The ingress's own model cache (:mod:`arenalab.serving.inference.cache`): a model loads
on its first request (registry row -> checkpoint -> torch policy, in a worker thread),
then its ONNX export is timed against torch and the faster serves greedy actions
(:mod:`arenalab.serving.inference.loaded`). Forward passes run on the event loop: for
the small policies this placement is for they take tens of microseconds, less than a
hop to a thread. torch, RLlib and ONNX Runtime are imported with the first model, so
an ingress that never acts never pays for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from typing import TYPE_CHECKING

from arenalab.registry import Registry
from arenalab.serving.inference.cache import CacheFull, ModelCache
from arenalab.serving.inference.client import ActError, unservable
from arenalab.serving.inference.onnx_files import OnnxFiles
from arenalab.serving.inference.protocol import ActGroup, ActOutcome, PolicyArgs
from arenalab.settings import Settings
from arenalab.storage import open_storage

if TYPE_CHECKING:
    from arenalab.serving.inference.loaded import LoadedPolicy


class LocalPolicies:
    """Acts with the policies of this process's model cache."""

    placement = "ingress"

    def __init__(self, args: PolicyArgs, settings: Settings, registry: Registry) -> None:
        self._registry = registry
        self._storage = open_storage(settings)
        self._data_dir = settings.data_dir
        self._files = OnnxFiles(settings.data_dir)
        self._upgrades: set[asyncio.Task] = set()
        self.cache: ModelCache[LoadedPolicy] = ModelCache(
            self._load,
            lambda policy: policy.nbytes,
            max_models=args.ingress_max_models,
            max_bytes=args.ingress_max_bytes,
            max_waiting=args.max_queued_requests,
        )

    async def _load(self, model_id: int) -> LoadedPolicy:
        model = await asyncio.to_thread(self._registry.get_model, model_id)
        loaded = await asyncio.to_thread(_load_policy, model, self._storage, self._data_dir)
        upgrade = asyncio.create_task(loaded.use_onnx_if_faster(self._files))
        self._upgrades.add(upgrade)  # the loop keeps only weak references to tasks
        upgrade.add_done_callback(self._upgrades.discard)
        return loaded

    async def policy(self, model_id: int) -> LoadedPolicy:
        """The loaded model; ActError 503 when the cache is full of waiters, 500 if unservable."""
        loaded = self.cache.loaded(model_id)
        if loaded is not None:
            return loaded
        try:
            return await self.cache.get(model_id)
        except CacheFull as exc:
            raise ActError(503, f"inference is saturated, retry later ({exc})") from None
        except Exception as exc:  # any load failure is this model's 500
            raise unservable(exc, "loading the policy") from None

    def ready(self, model_id: int) -> bool:
        """Whether the model is loaded."""
        return self.cache.loaded(model_id) is not None

    async def warm(self, model_id: int) -> None:
        """Load the model now (before a fighter switches to it); failures wait for a request."""
        with contextlib.suppress(ActError):
            await self.policy(model_id)

    async def act(self, groups: list[ActGroup]) -> list[ActOutcome]:
        """Actions for each group; a refused group does not stop the others."""
        outcomes = []
        for group in groups:
            policy = self.cache.loaded(group.model_id) or await self.policy(group.model_id)
            outcomes.append(policy.outcome(group))
        return outcomes

    async def models(self) -> list[dict]:
        """The loaded models, least recently used first: id, runtime, bytes, timings."""
        return [{"model_id": i, **policy.summary()} for i, policy in self.cache.items()]

    async def onnx(self, model_id: int) -> tuple[bytes, float]:
        """The model's checked ONNX export (the file its greedy actions may run on)."""
        loaded = await self.policy(model_id)
        file = await self._files.get(loaded.model, loaded.checkpoint)
        return await asyncio.to_thread(file.path.read_bytes), file.max_abs_diff


def _load_policy(model, storage, data_dir) -> LoadedPolicy:  # typed in loaded
    """Import torch and RLlib (in this worker thread, on first use) and load the policy."""
    loaded = importlib.import_module("arenalab.serving.inference.loaded")
    return loaded.load_policy(model, storage, data_dir)
