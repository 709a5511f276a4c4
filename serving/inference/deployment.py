"""The policy Serve deployment (placement ``deployment``): many models per replica.

The ingress calls :meth:`PolicyServer.act` through a DeploymentHandle with
``multiplexed_model_id`` set, so Serve routes a model's requests to replicas that
already hold it; ``@serve.multiplexed`` keeps an LRU of loaded policies per replica
(``max_models_per_replica``) and ``@serve.batch`` merges concurrent requests into one
forward pass per model, on the runtime that measured faster for it
(:mod:`arenalab.serving.inference.loaded`). ``arenalab.serving.deployment.build_app``
binds it into the ingress's application only for that placement: not an ingress
itself, so with direct ingress it takes no port.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import defaultdict
from typing import Any

import numpy as np
from arenalab.policies import ObservationError
from arenalab.registry import Registry
from arenalab.serving.inference.loaded import LoadedPolicy, load_policy
from arenalab.serving.inference.onnx_files import OnnxFiles
from arenalab.serving.inference.protocol import POLICY_DEPLOYMENT, ActGroup, ActOutcome, PolicyArgs
from arenalab.settings import load_settings
from arenalab.storage import open_storage
from ray import serve
from ray.serve import Application
from ray.serve.schema import LoggingConfig

Work = tuple[LoadedPolicy, np.ndarray, bool]  # policy, checked rows, deterministic


class PolicyServer:
    """Loads registered policies on demand and acts on batches of observations."""

    def __init__(self, args: dict[str, Any]) -> None:
        options = PolicyArgs.model_validate(args)
        self._settings = load_settings(**options.settings)
        self._registry = Registry.from_settings(self._settings)
        self._storage = open_storage(self._settings)
        self._files = OnnxFiles(self._settings.data_dir)
        self._loaded: weakref.WeakValueDictionary[int, LoadedPolicy] = weakref.WeakValueDictionary()
        self._upgrades: set[asyncio.Task] = set()
        self._forward.set_max_batch_size(options.max_batch_size)
        self._forward.set_batch_wait_timeout_s(options.batch_wait_timeout_s)

        async def load(model_id: str) -> LoadedPolicy:
            loaded = await asyncio.to_thread(self._load, int(model_id))
            upgrade = asyncio.create_task(loaded.use_onnx_if_faster(self._files))
            self._upgrades.add(upgrade)  # the loop keeps only weak references to tasks
            upgrade.add_done_callback(self._upgrades.discard)
            self._loaded[int(model_id)] = loaded  # gone once the multiplexer drops it
            return loaded

        self._policy = serve.multiplexed(max_num_models_per_replica=options.max_models_per_replica)(
            load
        )

    def _load(self, model_id: int) -> LoadedPolicy:
        model = self._registry.get_model(model_id)
        return load_policy(model, self._storage, self._settings.data_dir)

    async def act(self, groups: list[ActGroup]) -> list[ActOutcome]:
        """Actions for each group; a refused group does not stop the others."""
        ids = sorted({group.model_id for group in groups})
        loaded = dict(
            zip(ids, await asyncio.gather(*(self._policy(str(i)) for i in ids)), strict=True)
        )
        outcomes: list[ActOutcome | None] = [None] * len(groups)
        work: list[Work] = []
        positions: list[int] = []
        for index, group in enumerate(groups):
            policy = loaded[group.model_id]
            try:
                work.append((policy, policy.check(group.observations), group.deterministic))
            except ObservationError as exc:
                row = exc.loc[0] if exc.loc else None
                outcomes[index] = ActOutcome(error=str(exc), error_row=row)
                continue
            positions.append(index)
        merged, members = _merge(work)  # one item per (model, mode) of this call
        actions = _unmerge(await asyncio.gather(*map(self._forward, merged)), members, work)
        for index, result in zip(positions, actions, strict=True):
            outcomes[index] = ActOutcome(result)
        return outcomes

    @serve.batch(
        max_batch_size=256,
        batch_wait_timeout_s=0.0,
        batch_size_fn=lambda items: sum(len(item[1]) for item in items),
    )
    async def _forward(self, items: list[Work]) -> list[np.ndarray]:
        """One forward pass per (policy, mode) over every call waiting in this batch."""
        merged, members = _merge(items)
        actions = [policy.act(rows, deterministic=mode) for policy, rows, mode in merged]
        return _unmerge(actions, members, items)

    async def onnx(self, model_id: int) -> tuple[bytes, float]:
        """The model's ONNX file and its checked max abs difference to torch (cached on disk)."""
        loaded = await self._policy(str(model_id))
        export = await self._files.get(loaded.model, loaded.checkpoint)
        return await asyncio.to_thread(export.path.read_bytes), export.max_abs_diff

    async def models(self) -> list[dict]:
        """The models this replica holds: id, runtime, bytes, timings."""
        return [{"model_id": i, **policy.summary()} for i, policy in self._loaded.items()]


def build_policy_deployment(args: PolicyArgs, settings: dict[str, Any]) -> Application:
    """Bind the policy deployment with its options, for the ingress's application graph."""
    scaling = (
        {"autoscaling_config": args.autoscaling_config}
        if args.autoscaling_config
        else {"num_replicas": args.num_replicas}
    )
    deployment = serve.deployment(
        PolicyServer,
        name=POLICY_DEPLOYMENT,
        max_ongoing_requests=args.max_ongoing_requests,
        max_queued_requests=args.max_queued_requests,
        ray_actor_options={"num_cpus": args.num_cpus},
        logging_config=LoggingConfig(enable_access_log=False),
        **scaling,
    )
    merged = args.model_copy(update={"settings": {**settings, **args.settings}})
    return deployment.bind(merged.model_dump(mode="json"))


def _merge(items: list[Work]) -> tuple[list[Work], list[list[int]]]:
    """Concatenate the rows of items sharing a policy and mode; remember who is where."""
    members: dict[tuple[int, bool], list[int]] = defaultdict(list)
    for index, (policy, _, mode) in enumerate(items):
        members[id(policy), mode].append(index)
    merged = [
        (items[ids[0]][0], np.concatenate([items[i][1] for i in ids]), items[ids[0]][2])
        for ids in members.values()
    ]
    return merged, list(members.values())


def _unmerge(
    results: list[np.ndarray], members: list[list[int]], items: list[Work]
) -> list[np.ndarray]:
    """Split merged results back into one array per original item, in item order."""
    out: list[np.ndarray] = [np.empty(0)] * len(items)
    for result, ids in zip(results, members, strict=True):
        bounds = np.cumsum([0] + [len(items[i][1]) for i in ids])
        for i, start, stop in zip(ids, bounds[:-1], bounds[1:], strict=True):
            out[i] = result[start:stop]
    return out
