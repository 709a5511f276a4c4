"""Live environments for the lab API: created, stepped and rendered on request.

The environments live in one named Ray actor rather than in an API replica, so a
client may create an environment through one replica, step it through another,
and watch it over a WebSocket served by a third. Every change bumps a sequence
number; ``next_states`` lets the ``game_state`` channel wait for the next one.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
from pydantic import ValidationError

from arenalab.envs import get_entry
from arenalab.registry import ConflictError

ACTOR_NAME = "arenalab-env-host"
NAMESPACE = "arenalab"
MAX_ENVS = 64
HISTORY = 256
MAX_SEED = 2**32 - 1


class ActionError(ValueError):
    """An action or a parameter does not fit the environment; the message names the field."""


class EnvNotFoundError(LookupError):
    """No live environment has this id (never created, deleted or evicted)."""


@dataclass
class HostedEnv:
    """One environment and what the API reports about it."""

    env_id: int
    name: str
    config: dict[str, Any]
    env: Any
    steps: int = 0
    episode_return: float = 0.0
    done: bool = False
    last: dict[str, Any] = field(default_factory=dict)


def to_json(value: Any) -> Any:
    """Observations, rewards and infos as plain JSON (numpy arrays become lists)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value


def parse_action(space: gym.Space, action: Any, where: str = "action") -> Any:
    """Turn JSON into an action of ``space``, or raise naming ``where`` and the space."""
    try:
        if isinstance(space, gym.spaces.Discrete):
            value = int(action)
            if float(action) != value:
                raise ValueError
        else:
            value = np.asarray(action, dtype=space.dtype).reshape(space.shape)
    except (TypeError, ValueError):
        raise ActionError(f"{where}: expected an action in {space}, got {action!r}") from None
    if not space.contains(value):
        raise ActionError(f"{where}: {action!r} is outside {space}")
    return value


def check_seed(seed: int | None) -> None:
    """Refuse a seed numpy cannot take (negative, or past 32 bits) before it breaks an env."""
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise ActionError(f"seed: expected an integer from 0 to {MAX_SEED}, got {seed}")


class EnvHost:
    """The Ray actor holding the lab's environments (oldest evicted past ``max_envs``)."""

    def __init__(self, max_envs: int = MAX_ENVS) -> None:
        self._envs: OrderedDict[int, HostedEnv] = OrderedDict()
        self._ids = itertools.count(1)
        self._max_envs = max_envs
        self._seq = 0
        self._history: deque[dict[str, Any]] = deque(maxlen=HISTORY)
        self._changed = asyncio.Condition()

    async def create(self, name: str, config: dict[str, Any], seed: int | None = None) -> dict:
        """Build a catalogued env from its game parameters and reset it.

        The env is kept only once its first reset succeeded: one that cannot start
        (a bad seed, a bad parameter) never joins the list every client reads.
        """
        check_seed(seed)
        try:
            env = get_entry(name).make(config, render_mode="rgb_array")
        except ValidationError as exc:
            problems = (
                f"parameters.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            raise ActionError("\n".join(problems)) from None
        except ValueError as exc:
            raise ActionError(str(exc)) from None
        hosted = HostedEnv(next(self._ids), name, dict(config), env)
        try:
            self._restart(hosted, seed)
        except Exception:
            env.close()
            raise
        self._envs[hosted.env_id] = hosted
        while len(self._envs) > self._max_envs:
            self._envs.popitem(last=False)[1].env.close()
        return await self._publish(hosted)

    def describe(self, env_id: int) -> dict[str, Any]:
        """Name, config, spaces, progress and state of one environment."""
        hosted = self._get(env_id)
        env = hosted.env
        multi = get_entry(hosted.name).multi_agent
        spaces = (
            {agent: str(env.action_spaces[agent]) for agent in env.possible_agents}
            if multi
            else str(env.action_space)
        )
        return {
            "id": env_id,
            "name": hosted.name,
            "config": hosted.config,
            "multi_agent": multi,
            "action_space": spaces,
            "fps": env.metadata.get("render_fps"),
            "steps": hosted.steps,
            "episode_return": hosted.episode_return,
            "done": hosted.done,
            "state": to_json(env.state()),
        }

    def list(self) -> list[dict[str, Any]]:
        """Every live environment, oldest first."""
        return [self.describe(env_id) for env_id in self._envs]

    async def reset(self, env_id: int, seed: int | None = None) -> dict[str, Any]:
        """Start a new episode; the answer carries the first observation."""
        check_seed(seed)
        hosted = self._get(env_id)
        self._restart(hosted, seed)
        return await self._publish(hosted)

    @staticmethod
    def _restart(hosted: HostedEnv, seed: int | None) -> None:
        observation, info = hosted.env.reset(seed=seed)
        hosted.steps, hosted.episode_return, hosted.done = 0, 0.0, False
        hosted.last = {"observation": to_json(observation), "info": to_json(info)}

    async def step(self, env_id: int, action: Any) -> dict[str, Any]:
        """Apply one action (a dict of actions for multi-agent envs) and report the outcome."""
        hosted = self._get(env_id)
        if hosted.done:
            raise ConflictError(f"environment {env_id}: the episode ended; reset it first")
        env = hosted.env
        if get_entry(hosted.name).multi_agent:
            if not isinstance(action, dict):
                raise ActionError(f"action: expected a dict of agent -> action, got {action!r}")
            unknown = set(action) - set(env.agents)
            if unknown:
                raise ActionError(f"action: unknown agents {sorted(unknown)}")
            action = {
                agent: parse_action(env.action_spaces[agent], value, f"action.{agent}")
                for agent, value in action.items()
            }
            observation, reward, terminated, truncated, info = env.step(action)
            total = float(sum(reward.values()))
            hosted.done = bool(terminated["__all__"] or truncated["__all__"])
        else:
            action = parse_action(env.action_space, action)
            observation, reward, terminated, truncated, info = env.step(action)
            total = float(reward)
            hosted.done = bool(terminated or truncated)
        hosted.steps += 1
        hosted.episode_return += total
        hosted.last = {
            "observation": to_json(observation),
            "reward": to_json(reward),
            "terminated": to_json(terminated),
            "truncated": to_json(truncated),
            "info": to_json(info),
        }
        return await self._publish(hosted)

    def frame(self, env_id: int) -> np.ndarray:
        """The current picture of an environment (an RGB array)."""
        return self._get(env_id).env.render()

    def delete(self, env_id: int) -> None:
        """Close and forget an environment."""
        self._get(env_id).env.close()
        del self._envs[env_id]

    async def next_states(self, after: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
        """States published after sequence number ``after``; waits up to ``timeout_s`` for one."""
        async with self._changed:
            if self._seq <= after:
                try:
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: self._seq > after), timeout_s
                    )
                except TimeoutError:
                    return []
        return [event for event in self._history if event["seq"] > after]

    def sequence(self) -> int:
        """The sequence number of the newest published state."""
        return self._seq

    def _get(self, env_id: int) -> HostedEnv:
        hosted = self._envs.get(env_id)
        if hosted is None:
            raise EnvNotFoundError(f"environment {env_id} not found")
        return hosted

    async def _publish(self, hosted: HostedEnv) -> dict[str, Any]:
        report = {**self.describe(hosted.env_id), **hosted.last}
        async with self._changed:
            self._seq += 1
            self._history.append({"seq": self._seq, "env_id": hosted.env_id, "data": report})
            self._changed.notify_all()
        return report


def get_env_host() -> Any:
    """The cluster's EnvHost actor, created on first use (detached: it outlives callers)."""
    import ray

    remote = ray.remote(num_cpus=0, max_concurrency=64)(EnvHost)
    return remote.options(
        name=ACTOR_NAME, namespace=NAMESPACE, lifetime="detached", get_if_exists=True
    ).remote()
