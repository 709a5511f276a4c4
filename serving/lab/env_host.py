"""Live environments for the lab API: created, stepped and rendered on request.

The environments live in one named Ray actor rather than in an API replica, so a
client may create an environment through one replica, step it through another,
and watch it over a WebSocket served by a third. Every change bumps a sequence
number; ``next_states`` lets the ``game_state`` channel wait for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import gymnasium as gym
import numpy as np
from arenalab.envs import get_entry
from arenalab.floats import shortest_list, shortest_scalar
from arenalab.registry import ConflictError
from pydantic import ValidationError

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
    observation: Any = None
    player: asyncio.Task | None = None
    """The task of the model playing this env (``play``), if one is."""
    played_by: int | None = None
    play_error: str | None = None


def to_json(value: Any) -> Any:
    """Observations, rewards and infos as plain JSON (numpy arrays become lists)."""
    if isinstance(value, np.ndarray):
        return shortest_list(value)
    if isinstance(value, np.generic):
        return shortest_scalar(value)
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
            "played_by": hosted.played_by if hosted.player else None,
            "play_error": hosted.play_error,
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
        hosted.observation = observation
        hosted.last = {"observation": to_json(observation), "info": to_json(info)}

    async def step(self, env_id: int, action: Any) -> dict[str, Any]:
        """Apply one action (a dict of actions for multi-agent envs) and report the outcome."""
        hosted = self._get(env_id)
        if hosted.player is not None:
            raise ConflictError(
                f"environment {env_id} is played by model {hosted.played_by}; stop that first"
            )
        return await self._step(hosted, action)

    async def _step(self, hosted: HostedEnv, action: Any) -> dict[str, Any]:
        env_id = hosted.env_id
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
        hosted.observation = observation
        hosted.last = {
            "action": to_json(action),
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
        """Close and forget an environment (a model playing it stops)."""
        hosted = self._get(env_id)
        if hosted.player is not None:
            hosted.player.cancel()
        hosted.env.close()
        del self._envs[env_id]

    async def play(
        self,
        env_id: int,
        model: dict[str, Any],
        settings: Any,
        episodes: int = 1,
        fps: float | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """Let a registered model play: greedy, acting as ``/act`` serves it, every step published.

        ``model`` is the registry row's ``id``, ``checkpoint_uri`` and ``module_id``; the
        checkpoint is loaded as the policy server loads it (only from the storage of
        ``settings``). Episodes start from resets seeded ``seed, seed + 1, ...`` and run
        at ``fps`` steps per second (default: the env's playback rate), so a frontend
        watching ``game_state`` sees the game at the speed it renders.

        Raises:
            ConflictError: if a model already plays this environment.
            ActionError: for a multi-agent env, a bad seed, or a model whose
                observations differ from the env's.
        """
        check_seed(seed)
        hosted = self._get(env_id)
        if hosted.player is not None:
            raise ConflictError(
                f"environment {env_id} is played by model {hosted.played_by}; stop that first"
            )
        if get_entry(hosted.name).multi_agent:
            raise ActionError(f"model_id: environment {env_id} is multi-agent; a model plays one")
        policy = await asyncio.to_thread(_load_policy, model, settings)
        if policy.observation_space != hosted.env.observation_space:
            raise ActionError(
                f"model_id: model {model['id']} observes {policy.observation_space}, environment "
                f"{env_id} gives {hosted.env.observation_space} (create it with the model's "
                "game parameters)"
            )
        hosted.played_by, hosted.play_error = model["id"], None
        hosted.player = asyncio.create_task(self._play(hosted, policy, episodes, fps, seed))
        return self.describe(env_id)

    async def stop_playing(self, env_id: int) -> dict[str, Any]:
        """Stop the model playing this environment (the env stays where it is)."""
        hosted = self._get(env_id)
        if hosted.player is not None:
            hosted.player.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await hosted.player
        return self.describe(env_id)

    async def _play(
        self, hosted: HostedEnv, policy: Any, episodes: int, fps: float | None, seed: int | None
    ) -> None:
        from arenalab.training.evaluation import greedy_actor  # imports torch

        act = greedy_actor(policy)
        interval = 1.0 / (fps or hosted.env.metadata.get("render_fps") or 10)
        try:
            for episode in range(episodes):
                self._restart(hosted, None if seed is None else seed + episode)
                await self._publish(hosted)
                while not hosted.done:
                    await asyncio.sleep(interval)
                    await self._step(hosted, act(hosted.observation))
        except Exception as exc:  # reported on the env, the host keeps serving
            hosted.play_error = f"{type(exc).__name__}: {exc}"
        finally:
            hosted.player = None
            await self._publish(hosted)

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


def _load_policy(model: dict[str, Any], settings: Any) -> Any:
    """A registered model's policy, loaded the way the policy server loads it."""
    from arenalab.policies.loading import load_registered_policy  # torch, RLlib
    from arenalab.storage import open_storage

    try:
        row = SimpleNamespace(**model)  # the row's fields the loader reads
        return load_registered_policy(row, open_storage(settings), settings.data_dir)
    except OSError as exc:  # PermissionError included: a checkpoint outside the storage
        raise ActionError(f"model_id: model {model['id']}: {exc}") from None


def get_env_host() -> Any:
    """The cluster's EnvHost actor, created on first use (detached: it outlives callers)."""
    import ray

    remote = ray.remote(num_cpus=0, max_concurrency=64)(EnvHost)
    return remote.options(
        name=ACTOR_NAME, namespace=NAMESPACE, lifetime="detached", get_if_exists=True
    ).remote()
