"""The ingress side of inference: fighter -> best model (short TTL), then the policies.

The policies act where ``PolicyArgs.placement`` says: in this replica's own model cache
(:mod:`arenalab.serving.inference.local`, the default) or in the policy deployment
behind a handle (:mod:`arenalab.serving.inference.remote`); both answer :class:`Policies`.

Hot reload lives here: a fighter's best model is looked up in the registry at most
every ``BEST_MODEL_TTL_S`` (:class:`arenalab.policies.BestModels`); when it changes,
the new model is loaded next to the old one (the cache is by model id) before new
requests carry its id, so the old model keeps answering meanwhile and no request fails
or waits for the load during the switch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np
from arenalab.floats import shortest_list
from arenalab.registry import Model, NotFoundError, Registry
from arenalab.serving.core.errors import RETRY_AFTER_S, StatusError, failure
from arenalab.serving.core.runtime import get_runtime
from arenalab.serving.inference.protocol import ActGroup, ActOutcome, PolicyArgs
from arenalab.serving.inference.schemas import (
    ActRequest,
    BattleActRequest,
    ModelRef,
)
from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from arenalab.policies import BestModels


class ActError(StatusError):
    """Why a request gets no actions: an HTTP status, a detail and the fighter concerned."""

    def __init__(self, status: int, detail: object, *, fighter_id: int | None = None) -> None:
        super().__init__(status, detail)
        self.fighter_id = fighter_id

    def message(self) -> dict:
        """The same error as a stream message body."""
        body = {"status": self.status, "fighter_id": self.fighter_id, "detail": self.detail}
        return body | ({"retry_after": RETRY_AFTER_S} if self.status == 503 else {})


def invalid(loc: Sequence[str | int], message: str, fighter_id: int | None = None) -> ActError:
    """A 422 shaped like FastAPI's: the field path and the reason."""
    detail = [{"loc": list(loc), "msg": message, "type": "value_error"}]
    return ActError(422, detail, fighter_id=fighter_id)


def unservable(cause: BaseException, where: str) -> ActError:
    """A 500 naming the failure's type and a request id (the log has the message)."""
    _, body = failure(cause, where)
    detail = f"{where} failed: {type(cause).__name__} (request id {body['request_id']} in the log)"
    return ActError(500, detail)


class Policies(Protocol):
    """Where the models act: this replica's cache or the policy deployment."""

    placement: str

    async def act(self, groups: list[ActGroup]) -> list[ActOutcome]:
        """Actions for each group, or why its observations were refused; ActError else."""

    def ready(self, model_id: int) -> bool:
        """Whether the model acts without a load first."""

    async def warm(self, model_id: int) -> None:
        """Make the model ready to act (hot reload waits for it); never raises."""

    async def onnx(self, model_id: int) -> tuple[bytes, float]:
        """The model's ONNX file and its checked max abs difference to torch."""

    async def models(self) -> list[dict]:
        """The loaded models (of one replica for the deployment): id, runtime, bytes."""


class PolicyClient:
    """Resolves fighters and models in the registry and asks the policies to act."""

    def __init__(self, policies: Policies, registry: Registry, best: BestModels) -> None:
        self.policies = policies
        self._registry = registry
        self._best = best
        self._models: dict[int, ModelRef] = {}
        self._dumped: dict[int, dict] = {}  # ModelRef fields as JSON, per model id
        self._serving: dict[int, ModelRef] = {}  # per fighter: the model answering for it
        self._warming: dict[int, asyncio.Future[None]] = {}  # new best models being loaded

    async def best_model(self, fighter_id: int) -> ModelRef:
        """The model that answers for the fighter: its best one, once that is ready to act.

        :class:`~arenalab.policies.BestModels` refreshes the best model in the
        background once ``ttl_s`` old; a new best model is then loaded in the background
        while the previous one keeps answering (a failed load switches too, so its error
        is answered). ActError 404 for an unknown fighter or one without a best model.
        """
        try:
            best = self._ref(await self._best.of(fighter_id))
        except NotFoundError as exc:
            raise ActError(404, str(exc), fighter_id=fighter_id) from None
        serving = self._serving.get(fighter_id)
        if serving is not None and serving.model_id != best.model_id and not self._ready(best):
            return serving
        self._serving[fighter_id] = best
        return best

    def _ready(self, model: ModelRef) -> bool:
        """Whether ``model`` acts now; if not, its one background load is started."""
        if self.policies.ready(model.model_id):
            return True
        warming = self._warming.get(model.model_id)
        if warming is None:
            warming = asyncio.ensure_future(self.policies.warm(model.model_id))
            self._warming[model.model_id] = warming  # kept: a failed load is not retried here
        return warming.done()

    def _ref(self, model: Model) -> ModelRef:
        """The model's answer fields (cached: rows never change what they point at)."""
        ref = self._models.get(model.id)
        if ref is None:
            ref = self._models[model.id] = _ref(model)
        return ref

    async def model(self, model_id: int) -> ModelRef:
        """A registered model by id (rows never change what they point at: cached)."""
        if model_id not in self._models:
            try:
                model = await asyncio.to_thread(self._registry.get_model, model_id)
            except NotFoundError as exc:
                raise ActError(404, str(exc)) from None
            self._ref(model)
        return self._models[model_id]

    async def act(self, groups: list[ActGroup]) -> list[ActOutcome]:
        """Actions for ``groups`` from wherever the policies run."""
        return await self.policies.act(groups)

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

    def answer(self, model: ModelRef, **fields: object) -> dict:
        """A JSON-ready answer naming ``model`` (its fields dumped once per model)."""
        dumped = self._dumped.get(model.model_id)
        if dumped is None:
            dumped = self._dumped[model.model_id] = model.model_dump(mode="json")
        return {**dumped, **fields}

    async def act_battle(self, request: BattleActRequest) -> list[dict]:
        """Each fighter's action (FighterAction as JSON) from its own best model, in one call."""
        models = [await self.best_model(f.fighter_id) for f in request.fighters]  # no tasks
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
            actions.append(self.answer(model, fighter_id=fighter.fighter_id, action=action))
        return actions

    async def onnx(self, model_id: int) -> tuple[bytes, float]:
        """The model's checked ONNX export."""
        await self.model(model_id)
        return await self.policies.onnx(model_id)


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

    The ingress puts its ``PolicyArgs`` (and, with placement deployment, the handle) in
    the app's state; an app without them (a plain ASGI server, tests) acts in-process.
    """
    state = connection.app.state
    if getattr(state, "policy_client", None) is None:
        runtime = get_runtime(connection)
        args = getattr(state, "policy_args", None) or PolicyArgs()
        handle = getattr(state, "policy_handle", None)
        from arenalab.policies.best import BestModels  # imports torch

        if handle is not None:
            from arenalab.serving.inference.remote import RemotePolicies

            policies: Policies = RemotePolicies(handle)
        else:
            from arenalab.serving.inference.local import LocalPolicies

            policies = LocalPolicies(args, runtime.settings, runtime.registry)
        best = BestModels(runtime.registry)
        state.policy_client = PolicyClient(policies, runtime.registry, best)
    return state.policy_client
