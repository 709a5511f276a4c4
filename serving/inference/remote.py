"""Policies in the separate policy deployment, reached through a DeploymentHandle.

For models that do not belong in every ingress (too big to load in each, or replicas
scaled apart from the API): each request costs a handle call, milliseconds of CPU on
each side, so concurrent requests share one (below). Saturation (the handle's queue
full) and a dead replica are 503 + Retry-After; a model that fails to load is a 500.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from arenalab.serving.inference.client import ActError, unservable
from arenalab.serving.inference.protocol import ActGroup, ActOutcome
from ray import serve
from ray.exceptions import RayActorError, RayTaskError
from ray.serve.exceptions import BackPressureError

if TYPE_CHECKING:
    from ray.serve.handle import DeploymentHandle


class RemotePolicies:
    """The policy deployment's replicas, routed by model id (Serve's model multiplexing)."""

    placement = "deployment"

    def __init__(self, handle: DeploymentHandle) -> None:
        self._handle = handle

    async def act(self, groups: list[ActGroup]) -> list[ActOutcome]:
        """Actions for ``groups``; concurrent requests share one handle call (see below)."""
        return await self._coalesced(groups)

    @serve.batch(max_batch_size=64, batch_wait_timeout_s=0.0, max_concurrent_batches=16)
    async def _coalesced(self, requests: list[list[ActGroup]]) -> list[list[ActOutcome]]:
        """One handle call for every request waiting now (Serve replicas only).

        A handle call costs milliseconds of CPU on each side, far more than the forward
        pass, so under load sharing it is what keeps actions/s up. It never waits for
        company (timeout 0): a request alone goes straight through.
        """
        outcomes = await self.call([group for request in requests for group in request])
        bounds = np.cumsum([0] + [len(request) for request in requests])
        return [outcomes[start:stop] for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]

    async def call(self, groups: list[ActGroup]) -> list[ActOutcome]:
        """One handle call, routed to a replica holding the first group's model; 503 if full."""
        return await self._remote(groups[0].model_id, "act", groups)

    def ready(self, model_id: int) -> bool:
        """Always: the deployment loads a model on its first request, next to the others."""
        return True

    async def warm(self, model_id: int) -> None:
        """Nothing ahead (see :meth:`ready`)."""

    async def onnx(self, model_id: int) -> tuple[bytes, float]:
        """The model's checked ONNX export, from a replica holding the model."""
        return await self._remote(model_id, "onnx", model_id)

    async def models(self) -> list[dict]:
        """The models one replica of the deployment holds."""
        return await self._handle.models.remote()

    async def _remote(self, model_id: int, method: str, *args: object) -> object:
        handle = self._handle.options(multiplexed_model_id=str(model_id))
        try:
            return await getattr(handle, method).remote(*args)
        except BackPressureError as exc:
            raise ActError(503, f"inference is saturated, retry later ({exc})") from None
        except RayActorError:
            raise ActError(503, "a policy replica died; retry") from None
        except RayTaskError as exc:  # e.g. a checkpoint that cannot be served
            raise unservable(exc.cause or exc, "the policy deployment") from None
