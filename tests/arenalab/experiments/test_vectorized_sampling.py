"""Vectorized envs (``auto``: 4 per runner, on-policy) play the games one env would."""

from __future__ import annotations

import numpy as np
import pytest
from arenalab.experiments import build_config, build_experiment
from ray.rllib.env.single_agent_env_runner import SingleAgentEnvRunner

GAME = {"grid_size": 7, "num_ghosts": 1, "max_steps": 60, "observation": "features"}
SEED = 7
ENVS = 4


def runner(seed: int, envs: int | str) -> SingleAgentEnvRunner:
    """A driver-side env runner of a seeded PPO Pac-Man experiment with ``envs`` envs."""
    experiment = build_experiment(
        {
            "algorithm": "PPO",
            "environment": "pacman",
            "seed": seed,
            "game": GAME,
            "resources": {"num_env_runners": 0, "num_envs_per_env_runner": envs},
        }
    )
    return SingleAgentEnvRunner(config=build_config(experiment).config)


def played(episode) -> tuple[bytes, tuple[int, ...], float]:
    """What makes two episodes the same game: every observation, action and the return."""
    observations = np.asarray(episode.get_observations()).tobytes()
    return observations, tuple(int(a) for a in episode.get_actions()), episode.get_return()


@pytest.mark.parametrize(("algorithm", "envs"), [("PPO", 4), ("A2C", 4), ("DQN", 1), ("SAC", 1)])
def test_auto_vectorizes_on_policy_algorithms_only(algorithm: str, envs: int) -> None:
    """Replay-based algorithms keep one env: their update-to-data ratio counts single steps."""
    environment = "arena" if algorithm == "SAC" else "pacman"
    experiment = build_experiment(
        {
            "algorithm": algorithm,
            "environment": environment,
            "resources": {"num_envs_per_env_runner": "auto"},
        }
    )
    assert build_config(experiment).config.num_envs_per_env_runner == envs


def test_vectorized_envs_play_the_games_unvectorized_runners_play_under_their_seeds() -> None:
    """Env i of a seed-s runner plays what one env seeded s+i plays, with the same policy."""
    vectorized = runner(SEED, ENVS)
    weights = vectorized.module.get_state()
    episodes = vectorized.sample(num_episodes=ENVS, explore=False)
    games = {played(episode) for episode in episodes if episode.is_done}
    assert len(games) >= ENVS
    singles = []
    for index in range(ENVS):
        single = runner(SEED + index, 1)
        single.module.set_state(weights)
        (episode,) = single.sample(num_episodes=1, explore=False)
        singles.append(played(episode))
        assert singles[-1] in games, f"env {index} (seed {SEED + index}) played another game"
    assert len(set(singles)) == ENVS, "the seeds played the same game: the check proves nothing"
