"""The ingress side of inference: fighter -> best model (short TTL), then the policy handle.

Hot reload lives here: a fighter's best model is looked up in the registry at most
every ``BEST_MODEL_TTL_S``; when it changes, new requests carry the new model id and
the policy deployment loads it next to the old one (multiplexing is by model id), so
requests in flight finish on the old model and none fails during the switch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from arenalab.floats import shortest_list
from arenalab.registry import Model, NotFoundError, Registry
from arenalab.serving.core.errors import RETRY_AFTER_S, failure
from arenalab.serving.core.runtime import get_runtime
from arenalab.serving.inference.protocol import ActGroup, ActOutcome
from arenalab.serving.inference.schemas import (
    ActRequest,
    BattleActRequest,
    FighterAction,
    ModelRef,
)
from fastapi import HTTPException
from ray import serve
from ray.exceptions import RayActorError, RayTaskError
from ray.serve.exceptions import BackPressureError
from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from ray.serve.handle import DeploymentHandle

BEST_MODEL_TTL_S = 1.0  # how stale a fighter's best model may be: the hot-reload delay


class ActError(Exception):
    """Why a request gets no actions: an HTTP status, a detail and the fighter concerned."""

    def __init__(self, status: int, detail: object, *, fighter_id: int | None = None) -> None:
        super().__init__(str(detail))
        self.status, self.detail, self.fighter_id = status, detail, fighter_id

    def http(self) -> HTTPException:
        """The same error for an HTTP answer (503s carry Retry-After)."""
        headers = {"Retry-After": str(RETRY_AFTER_S)} if self.status == 503 else None
        return HTTPException(self.status, self.detail, headers=headers)

    def message(self) -> dict:
        """The same error as a stream message body."""
        body = {"status": self.status, "fighter_id": self.fighter_id, "detail": self.detail}
        return body | ({"retry_after": RETRY_AFTER_S} if self.status == 503 else {})


def invalid(loc: Sequence[str | int], message: str, fighter_id: int | None = None) -> ActError:
    """A 422 shaped like FastAPI's: the field path and the reason."""
    detail = [{"loc": list(loc), "msg": message, "type": "value_error"}]
    return ActError(422, detail, fighter_id=fighter_id)


class PolicyClient:
    """Resolves fighters and models in the registry and asks the policy deployment to act."""

    def __init__(
        self, handle: DeploymentHandle | None, registry: Registry, ttl_s: float = BEST_MODEL_TTL_S
    ) -> None:
        self._handle = handle
        self._registry = registry
        self._ttl_s = ttl_s
        self._best: dict[int, tuple[float, ModelRef]] = {}
        self._models: dict[int, ModelRef] = {}
        self._lookups: dict[int, asyncio.Future[ModelRef]] = {}

    async def best_model(self, fighter_id: int) -> ModelRef:
        """The fighter's best model, refreshed in the background once ``ttl_s`` old.

        The first request for a fighter waits for the registry (one lookup however
        many requests arrive together); later ones never do: an expired entry is
        answered as it is while one lookup refreshes it. ActError 404 without a model.
        """
        cached = self._best.get(fighter_id)
        if cached is None:
            return await asyncio.shield(self._lookup(fighter_id))
        expires, ref = cached
        if expires <= time.monotonic():
            self._lookup(fighter_id)
        return ref

    def _lookup(self, fighter_id: int) -> asyncio.Future[ModelRef]:
        """The one registry lookup in flight for a fighter (started if there is none)."""
        task = self._lookups.get(fighter_id)
        if task is None:
            task = asyncio.ensure_future(self._resolve(fighter_id))
            self._lookups[fighter_id] = task
            task.add_done_callback(lambda done: self._finished(fighter_id, done))
        return task

    def _finished(self, fighter_id: int, task: asyncio.Future[ModelRef]) -> None:
        self._lookups.pop(fighter_id, None)
        if not task.cancelled() and task.exception() is not None:
            self._best.pop(fighter_id, None)  # e.g. the fighter lost its model: 404 next time

    async def _resolve(self, fighter_id: int) -> ModelRef:
        model = await asyncio.to_thread(self._registry.best_model, fighter_id=fighter_id)
        if model is None:
            try:
                await asyncio.to_thread(self._registry.get_fighter, fighter_id)
            except NotFoundError as exc:
                raise ActError(404, str(exc), fighter_id=fighter_id) from None
            detail = f"fighter {fighter_id} has no model that clearly beats random yet"
            raise ActError(404, detail, fighter_id=fighter_id)
        ref = _ref(model)
        self._best[fighter_id] = (time.monotonic() + self._ttl_s, ref)
        return ref

    async def model(self, model_id: int) -> ModelRef:
        """A registered model by id (rows never change what they point at: cached)."""
        if model_id not in self._models:
            try:
                model = await asyncio.to_thread(self._registry.get_model, model_id)
            except NotFoundError as exc:
                raise ActError(404, str(exc)) from None
            self._models[model_id] = _ref(model)
        return self._models[model_id]

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
        handle = self._routed(groups[0].model_id)
        try:
            return await handle.act.remote(groups)
        except BackPressureError as exc:
            raise ActError(503, f"inference is saturated, retry later ({exc})") from None
        except RayActorError:
            raise ActError(503, "a policy replica died; retry") from None
        except RayTaskError as exc:  # e.g. a checkpoint that cannot be served
            cause = exc.cause or exc
            _, body = failure(cause, "the policy deployment")  # the log has the message
            detail = (
                f"the policy deployment failed: {type(cause).__name__} "
                f"(request id {body['request_id']} in the server log)"
            )
            raise ActError(500, detail) from None

    async def act_one(self, model: ModelRef, request: ActRequest) -> list[list[float] | int]:
        """Actions of one model for a request's rows; 422 naming the refused field."""
        lengths = [len(row) for row in request.rows]
        for index, length in enumerate(lengths):
            if length != lengths[0]:
                message = (
                    f"observations differ in length: {lengths[0]} values in row 0, {length} here"
                )
                raise invalid(["body", "observations", index], message)
        rows = np.asarray(request.rows, dtype=np.float32)
        (outcome,) = await self.act([ActGroup(model.model_id, rows, request.deterministic)])
        if outcome.error is not None:
            if request.observation is not None:
                loc = ["body", "observation"]
            else:
                loc = [
                    "body",
                    "observations",
                    *([outcome.error_row] if outcome.error_row is not None else []),
                ]
            raise invalid(loc, outcome.error)
        return [to_json_action(action) for action in outcome.actions]

    async def act_battle(self, request: BattleActRequest) -> list[FighterAction]:
        """Each fighter's action from its own best model, all in one handle call."""
        models = await asyncio.gather(*(self.best_model(f.fighter_id) for f in request.fighters))
        groups = [
            ActGroup(
                model.model_id, np.asarray([f.observation], dtype=np.float32), request.deterministic
            )
            for f, model in zip(request.fighters, models, strict=True)
        ]
        outcomes = await self.act(groups)
        actions = []
        for index, (fighter, model, outcome) in enumerate(
            zip(request.fighters, models, outcomes, strict=True)
        ):
            if outcome.error is not None:
                loc = ["body", "fighters", index, "observation"]
                raise invalid(
                    loc, f"fighter {fighter.fighter_id}: {outcome.error}", fighter.fighter_id
                )
            action = to_json_action(outcome.actions[0])
            actions.append(
                FighterAction(fighter_id=fighter.fighter_id, action=action, **model.model_dump())
            )
        return actions

    async def onnx(self, model_id: int) -> tuple[bytes, float]:
        """The model's checked ONNX export."""
        await self.model(model_id)
        return await self._routed(model_id).onnx.remote(model_id)

    def _routed(self, model_id: int) -> DeploymentHandle:
        """The handle routed to replicas holding ``model_id``; 503 when there is no deployment."""
        if self._handle is None:
            raise ActError(503, "inference needs the policy deployment: run `arenalab serve`")
        return self._handle.options(multiplexed_model_id=str(model_id))


def to_json_action(action: np.ndarray) -> list[float] | int:
    """A Box action as a list of floats (float32 in its shortest form), a Discrete one as an int."""
    return shortest_list(action) if action.ndim else int(action)


def _ref(model: Model) -> ModelRef:
    return ModelRef(
        model_id=model.id,
        model_created_at=model.created_at,
        algorithm=model.algorithm,
        obs_spec=model.obs_spec,
    )


async def get_policy_client(connection: HTTPConnection) -> PolicyClient:
    """The app's policy client (async: no thread-pool hop per request).

    Without Serve (an app under a plain ASGI server) the client answers 503 once asked
    to act, so requests are still validated (and refused with 4xx) first.
    """
    state = connection.app.state
    if getattr(state, "policy_client", None) is None:
        handle = getattr(state, "policy_handle", None)
        state.policy_client = PolicyClient(handle, get_runtime(connection).registry)
    return state.policy_client
