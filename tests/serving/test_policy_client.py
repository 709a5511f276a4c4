"""The ingress side of inference without Serve: load shedding and the best-model cache."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pytest
from arenalab.policies import BestModels
from arenalab.registry import Registry
from arenalab.serving.core.errors import status_response
from arenalab.serving.inference.client import ActError, PolicyClient
from arenalab.serving.inference.local import LocalPolicies
from arenalab.serving.inference.protocol import ActGroup, PolicyArgs
from arenalab.serving.inference.remote import RemotePolicies
from arenalab.settings import load_settings
from ray.serve.exceptions import BackPressureError


class SaturatedHandle:
    """A DeploymentHandle whose queue is always full."""

    def options(self, **_: object) -> SaturatedHandle:
        """Routing options change nothing here."""
        return self

    @property
    def act(self) -> SaturatedHandle:
        """The method handle."""
        return self

    async def remote(self, groups: list[ActGroup]) -> list:
        """Refuse like Serve does beyond max_queued_requests."""
        raise BackPressureError(num_queued_requests=512, max_queued_requests=512)


@dataclass
class Row:
    """The registry columns the client reads."""

    id: int
    created_at: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    algorithm: str = "PPO"
    obs_spec: str = "arena-obs-v1"


class CountingRegistry:
    """A registry whose best model for every fighter can be swapped, counting lookups."""

    def __init__(self) -> None:
        self.best = Row(1)
        self.lookups = 0

    def best_model(self, *, fighter_id: int) -> Row:
        """The current best row, slowly, like a real database round trip."""
        self.lookups += 1
        time.sleep(0.05)
        return self.best


def test_saturated_policy_queue_is_a_503_with_retry_after() -> None:
    """BackPressureError from the policy handle becomes 503 + Retry-After, not a 500."""
    policies = RemotePolicies(SaturatedHandle())
    group = ActGroup(1, np.zeros((1, 49), dtype=np.float32))
    with pytest.raises(ActError) as info:
        asyncio.run(policies.call([group]))
    assert info.value.status == 503
    assert status_response(info.value).headers["Retry-After"] == "1"
    assert info.value.message()["retry_after"] == 1


def test_best_model_is_looked_up_once_and_refreshed_in_the_background() -> None:
    """Concurrent first requests share one lookup; after the TTL nobody waits for the next."""
    registry = CountingRegistry()
    client = PolicyClient(RemotePolicies(SaturatedHandle()), registry, BestModels(registry, 0.1))

    async def scenario() -> list[int]:
        first = await asyncio.gather(*(client.best_model(7) for _ in range(20)))
        assert registry.lookups == 1 and {ref.model_id for ref in first} == {1}
        registry.best = Row(2)
        await asyncio.sleep(0.15)
        started = time.monotonic()
        stale = await client.best_model(7)  # expired: answered at once, refreshed behind
        assert time.monotonic() - started < 0.04 and stale.model_id == 1
        await asyncio.sleep(0.1)
        return [(await client.best_model(7)).model_id, registry.lookups]

    assert asyncio.run(scenario()) == [2, 2]


def test_requests_waiting_for_model_loads_past_the_bound_are_a_503(tmp_path) -> None:
    """In the ingress, max_queued_requests bounds the requests waiting for a model to load."""
    settings = load_settings(data_dir=tmp_path / "data")
    policies = LocalPolicies(
        PolicyArgs(max_queued_requests=0), settings, Registry.from_settings(settings)
    )
    with pytest.raises(ActError) as info:
        asyncio.run(policies.act([ActGroup(1, np.zeros((1, 49), dtype=np.float32))]))
    assert info.value.status == 503 and status_response(info.value).headers["Retry-After"] == "1"


class LoadingPolicies:
    """Policies where model 1 is loaded and any other loads when ``loaded`` is set."""

    placement = "ingress"

    def __init__(self) -> None:
        self.ready_ids, self.loaded = {1}, asyncio.Event()

    def ready(self, model_id: int) -> bool:
        """Whether the model acts without loading."""
        return model_id in self.ready_ids

    async def warm(self, model_id: int) -> None:
        """Load the model once allowed to."""
        await self.loaded.wait()
        self.ready_ids.add(model_id)


def test_a_new_best_model_answers_once_loaded_the_old_one_until_then() -> None:
    """Hot reload never makes a request wait for a load: the old model answers meanwhile."""
    registry = CountingRegistry()
    policies = LoadingPolicies()
    client = PolicyClient(policies, registry, BestModels(registry, 0.05))

    async def scenario() -> list[int]:
        seen = [(await client.best_model(7)).model_id]
        registry.best = Row(2)
        await asyncio.sleep(0.06)
        for _ in range(4):  # the refresh finds model 2, which is still loading
            seen.append((await client.best_model(7)).model_id)
            await asyncio.sleep(0.03)
        policies.loaded.set()
        await asyncio.sleep(0.01)
        seen.append((await client.best_model(7)).model_id)
        return seen

    assert asyncio.run(scenario()) == [1, 1, 1, 1, 1, 2]


@pytest.mark.parametrize(
    "poison",
    [
        "[" * 100_000,  # nested past the recursion limit: reading its `frame` crashed the sender
        '{"frame": 1, "fighters": [{"fighter_id": 1180591620717411303424, "observation": [0]}]}',
        b"\xff\xfe binary garbage",
    ],
)
def test_act_stream_answers_every_message_after_a_poison_one(make_client, poison) -> None:
    """The socket answers the bad message, then the next ones (here: unknown fighter, 404)."""
    client = make_client()
    with client.websocket_connect("/api/act/stream") as socket:
        if isinstance(poison, bytes):
            socket.send_bytes(poison)
        else:
            socket.send_text(poison)
        for frame in (2, 3):
            socket.send_json({"frame": frame, "fighters": [{"fighter_id": 77, "observation": [0]}]})
        first, *later = (socket.receive_json() for _ in range(3))
    assert first["type"] == "error" and first["status"] == 422
    assert [(a["frame"], a["status"]) for a in later] == [(2, 404), (3, 404)]
