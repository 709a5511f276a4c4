"""Score a policy on a single-agent env over seeded episodes: learned vs. baselines."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from arenalab.envs.baselines import Policy, resolve_policy
from arenalab.envs.registration import get_entry


@dataclass(frozen=True)
class EvalResult:
    """Summary of an evaluation; ``returns`` keeps each episode's return, in seed order."""

    mean_return: float
    std_return: float
    win_rate: float
    mean_length: float
    episodes: int
    returns: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the registry and the lab API."""
        return asdict(self)


def evaluate_policy(
    env_name: str,
    env_config: Mapping[str, Any] | None,
    policy: str | Policy,
    episodes: int = 20,
    seed: int = 0,
) -> EvalResult:
    """Run ``episodes`` episodes with seeds ``seed, seed + 1, ...`` and summarise them.

    Args:
        env_name: a single-agent catalogue name, e.g. ``"arenalab/PacMan-v0"``.
        env_config: the env's config dict (as RLlib would receive it).
        policy: ``"random"``, ``"heuristic"`` or a callable ``obs -> action``.
        episodes: number of episodes (>= 1).
        seed: first episode seed; the same seed gives the same result for the same policy.

    A win is an episode whose final ``info["is_victory"]`` is True (Pac-Man cleared the
    maze; the arena's learner was the last fighter standing).

    Raises:
        ValueError: for a multi-agent or unknown env, a bad policy or ``episodes < 1``.
    """
    entry = get_entry(env_name)
    if entry.multi_agent:
        raise ValueError(f"env_name must be a single-agent env, got multi-agent {env_name!r}")
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    env = entry.make(env_config)
    try:
        return play_episodes(env, resolve_policy(policy, env, seed), episodes, seed)
    finally:
        env.close()


def play_episodes(env: Any, act: Policy, episodes: int, seed: int) -> EvalResult:
    """Play ``episodes`` episodes of an existing env with seeds ``seed + i`` and summarise them.

    The one evaluation loop: baselines, trained modules (training, sweeps, offline RL)
    and the CLI's ``evaluate`` all score through it, so their numbers compare.
    """
    returns, lengths, wins = [], [], 0
    for episode in range(episodes):
        obs, _ = env.reset(seed=seed + episode)
        total, length, done, info = 0.0, 0, False, {}
        while not done:
            obs, reward, terminated, truncated, info = env.step(act(obs))
            total += float(reward)
            length += 1
            done = terminated or truncated
        returns.append(total)
        lengths.append(length)
        wins += bool(info.get("is_victory", False))
    mean = sum(returns) / episodes
    std = math.sqrt(sum((r - mean) ** 2 for r in returns) / episodes)
    return EvalResult(
        mean_return=mean,
        std_return=std,
        win_rate=wins / episodes,
        mean_length=sum(lengths) / episodes,
        episodes=episodes,
        returns=tuple(returns),
    )
