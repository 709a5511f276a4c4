"""The policy Serve deployment: many models per replica, one forward pass per batch.

The ingress calls :meth:`PolicyServer.act` through a DeploymentHandle with
``multiplexed_model_id`` set, so Serve routes a model's requests to replicas that
already hold it; ``@serve.multiplexed`` keeps an LRU of loaded policies per replica
(``max_models_per_replica``) and ``@serve.batch`` merges concurrent requests into one
forward pass per model. ``arenalab.serving.deployment.build_app`` binds it into the
ingress's application: not an ingress itself, so with direct ingress it takes no port.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections import defaultdict
from typing import Any

import numpy as np
import torch
from arenalab.policies import ObservationError, Policy, export_onnx, load_registered_policy
from arenalab.policies.loading import CACHE_DIR
from arenalab.registry import Registry
from arenalab.serving.policy_protocol import POLICY_DEPLOYMENT, ActGroup, ActOutcome, PolicyArgs
from arenalab.settings import load_settings
from arenalab.storage import open_storage
from ray import serve
from ray.serve import Application
from ray.serve.schema import LoggingConfig


class PolicyServer:
    """Loads registered policies on demand and acts on batches of observations."""

    def __init__(self, args: dict[str, Any]) -> None:
        torch.set_num_threads(1)  # many small forward passes: threads only contend
        options = PolicyArgs.model_validate(args)
        self._settings = load_settings(**options.settings)
        self._registry = Registry.from_settings(self._settings)
        self._storage = open_storage(self._settings)
        self._forward.set_max_batch_size(options.max_batch_size)
        self._forward.set_batch_wait_timeout_s(options.batch_wait_timeout_s)

        async def load(model_id: str) -> Policy:
            return await asyncio.to_thread(self._load, int(model_id))

        self._policy = serve.multiplexed(max_num_models_per_replica=options.max_models_per_replica)(
            load
        )

    def _load(self, model_id: int) -> Policy:
        model = self._registry.get_model(model_id)
        return load_registered_policy(model, self._storage, self._settings.data_dir)

    async def act(self, groups: list[ActGroup]) -> list[ActOutcome]:
        """Actions for each group; a refused group does not stop the others."""
        policies = await asyncio.gather(*(self._policy(str(g.model_id)) for g in groups))
        outcomes: list[ActOutcome | asyncio.Future] = []
        for group, policy in zip(groups, policies, strict=True):
            try:
                checked = policy.check(group.observations)
            except ObservationError as exc:
                row = exc.loc[0] if exc.loc else None
                outcomes.append(ActOutcome(error=str(exc), error_row=row))
                continue
            outcomes.append(asyncio.ensure_future(self._forward((policy, checked, group))))
        return [o if isinstance(o, ActOutcome) else ActOutcome(await o) for o in outcomes]

    @serve.batch(
        max_batch_size=256,
        batch_wait_timeout_s=0.0,
        batch_size_fn=lambda items: sum(len(i[1]) for i in items),
    )
    async def _forward(self, items: list[tuple[Policy, np.ndarray, ActGroup]]) -> list[np.ndarray]:
        """One forward pass per (policy, mode) over every request waiting in this batch."""
        by_policy: dict[tuple[int, bool], list[int]] = defaultdict(list)
        for index, (policy, _, group) in enumerate(items):
            by_policy[id(policy), group.deterministic].append(index)
        results: list[np.ndarray] = [np.empty(0)] * len(items)
        for (_, deterministic), indices in by_policy.items():
            policy = items[indices[0]][0]
            actions = policy.act(
                np.concatenate([items[i][1] for i in indices]), deterministic=deterministic
            )
            bounds = np.cumsum([0] + [len(items[i][1]) for i in indices])
            for i, start, stop in zip(indices, bounds[:-1], bounds[1:], strict=True):
                results[i] = actions[start:stop]
        return results

    async def onnx(self, model_id: int) -> tuple[bytes, float]:
        """The model's ONNX file and its checked max abs difference to torch (cached on disk)."""
        policy = await self._policy(str(model_id))
        folder = self._settings.data_dir / CACHE_DIR / "onnx"
        path, check = folder / f"{model_id}.onnx", folder / f"{model_id}.check.json"
        if not (path.exists() and check.exists()):
            staging = folder / f".{model_id}-{uuid.uuid4().hex}.onnx"
            export = await asyncio.to_thread(export_onnx, policy, staging)
            check.write_text(json.dumps({"max_abs_diff": export.max_abs_diff}))
            os.replace(staging, path)  # readers never see a half-written file
        return path.read_bytes(), json.loads(check.read_text())["max_abs_diff"]


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
