"""Scripted arena sessions as the game would post them: seed-000 frames from the simulator.

The tests' game-like data without a game: the learner
seat of ``arenalab/Arena-v0`` is driven by a scripted policy against ``opponent``, and
every step becomes one frame whose ``observation_vector`` is the ``arena-obs-v1``
vector the policy acted on, ``action_vector`` the action and ``reward_delta`` the
reward that followed it (the view's convention, docs/offline.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from arenalab.offline.evaluation import ARENA_SIZE

Policy = Callable[[Any], Any]
LEARNER_ID, OPPONENT_ID = 1, 2


def memoryless_heuristic(arena_size: float = ARENA_SIZE) -> Policy:
    """The scripted heuristic without its cooldown counter: a function of the observation.

    The heuristic remembers when it last swung (blocking until it may swing again), and
    that memory is not in ``arena-obs-v1``; cloned from its frames, a policy sees the
    same observation followed by attack once and block nine times. Forgetting between
    steps makes the expert a pure function of what a cloned policy observes.
    """
    from arenalab.envs.arena import ArenaHeuristic

    return lambda obs: ArenaHeuristic(arena_size)(obs)


def arena_config(
    learner: dict[str, float] | None = None,
    opponent: str = "random",
    max_steps: int = 200,
    obs_spec: str = "arena-obs-v1",
) -> dict[str, Any]:
    """Config of a two-fighter arena: the learner (optional size/speed) against ``opponent``.

    ``obs_spec`` defaults to ``arena-obs-v1``, the vectors the seed's game posts today.
    """
    fighters = [{"id": str(LEARNER_ID), **(learner or {})}, {"id": str(OPPONENT_ID)}]
    return {
        "fighters": fighters,
        "opponent_policy": opponent,
        "max_steps": max_steps,
        "arena_size": ARENA_SIZE,
        "obs_spec": obs_spec,
    }


def scripted_episodes(
    episodes: int,
    *,
    seed: int = 0,
    policy: Policy | None = None,
    learner: dict[str, float] | None = None,
    opponent: str = "random",
    max_steps: int = 200,
) -> Iterator[list[dict[str, Any]]]:
    """Yield one list of seed-000 frame dicts (without ``episode_id``) per episode.

    Args:
        episodes: how many episodes, with env seeds ``seed, seed + 1, ...``.
        seed: first episode seed.
        policy: the learner's policy; defaults to :func:`memoryless_heuristic`.
        learner: the learner's ``size``/``speed`` (its fighter ``metadata_json``).
        opponent: ``"random"`` or ``"heuristic"``.
        max_steps: truncation length.
    """
    from arenalab.envs.arena import ArenaEnv  # keeps the import cheap

    env = ArenaEnv(arena_config(learner, opponent, max_steps))
    act = policy or memoryless_heuristic()
    for episode in range(episodes):
        obs, _ = env.reset(seed=seed + episode)
        frames, total, done = [], 0.0, False
        while not done:
            frame = env.frame()
            for enemy in frame["enemies_state"]:
                enemy["id"] = int(enemy["id"])  # the seed's enemies_state[].id is an int
            action = np.asarray(act(obs), np.float32)
            next_obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            frame.update(
                action_vector=action.tolist(),
                reward_delta=float(reward),
                cumulative_reward=total,
                observation_vector=np.asarray(obs, np.float32).tolist(),
            )
            frames.append(frame)
            obs, done = next_obs, terminated or truncated
        yield frames
