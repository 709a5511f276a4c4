"""Vectorized env runners never play the same seeded games, and seeded evaluation is unchanged."""

import gymnasium as gym
import numpy as np
import pytest
from arenalab.envs.arena import ArenaEnv
from arenalab.envs.pacman import PacManEnv
from ray.rllib.env.env_context import EnvContext

SEED = 7
GAME = {"grid_size": 10, "num_ghosts": 2}


def first_observations(env_class: type[gym.Env], runner: int, envs: int) -> list[np.ndarray]:
    """What each env of runner ``runner`` sees first, seeded the way RLlib seeds them."""
    context = EnvContext(GAME if env_class is PacManEnv else {}, worker_index=runner)
    vector = gym.vector.SyncVectorEnv([lambda: env_class(context) for _ in range(envs)])
    observations, _ = vector.reset(seed=SEED + runner)  # RLlib: seed + worker_index
    return list(observations)


@pytest.mark.parametrize("env_class", [PacManEnv, ArenaEnv])
def test_two_runners_with_vectorized_envs_start_different_games(env_class) -> None:
    """Runner 1's second env and runner 2's first get the same RLlib seed, not the same game."""
    runner_1, runner_2 = first_observations(env_class, 1, 2), first_observations(env_class, 2, 2)
    starts = [*runner_1, *runner_2]
    assert not np.array_equal(runner_1[1], runner_2[0])
    assert len({obs.tobytes() for obs in starts}) == len(starts)


@pytest.mark.parametrize("env_class", [PacManEnv, ArenaEnv])
def test_the_driver_and_plain_envs_keep_the_seed_as_given(env_class) -> None:
    """Evaluation's seeded games (runner 0, or an env built outside RLlib) are unchanged."""
    config = GAME if env_class is PacManEnv else {}
    plain, _ = env_class(config).reset(seed=SEED)
    driver, _ = env_class(EnvContext(config, worker_index=0)).reset(seed=SEED)
    moved, _ = env_class(EnvContext(config, worker_index=1)).reset(seed=SEED)
    assert np.array_equal(plain, driver) and not np.array_equal(plain, moved)
