"""The lean sampling connectors store the episodes RLlib's pipelines store, seed for seed."""

from __future__ import annotations

import numpy as np
import pytest
from arenalab.algorithms.sampling import LatestObservations, SampledActions
from arenalab.experiments import build_config, build_experiment
from ray.rllib.core.columns import Columns
from ray.rllib.env.single_agent_env_runner import SingleAgentEnvRunner

GAME = {"grid_size": 7, "num_ghosts": 1, "max_steps": 60, "observation": "features"}


def experiment_config(environment: str = "pacman", envs: int = 4):
    """A seeded PPO experiment's config, sampling in the driver."""
    experiment = build_experiment(
        {
            "algorithm": "PPO",
            "environment": environment,
            "seed": 3,
            "game": GAME if environment == "pacman" else {},
            "resources": {"num_env_runners": 0, "num_envs_per_env_runner": envs},
        }
    )
    return build_config(experiment).config


def rllib_pipelines(config):
    """The same config with RLlib's own pipelines: an (empty) user connector opts out."""
    return config.copy(copy_frozen=False).env_runners(
        env_to_module_connector=lambda env, spaces, device: [],
        module_to_env_connector=lambda env, spaces: [],
    )


def stored(runner: SingleAgentEnvRunner, explore: bool) -> list[dict[str, np.ndarray]]:
    """Every column of the episodes a runner samples in 400 steps (each env resets)."""
    columns = []
    for episode in runner.sample(num_timesteps=400, explore=explore):
        episode = episode.to_numpy() if not episode.is_numpy else episode
        outputs = {
            key: np.asarray(episode.get_extra_model_outputs(key))
            for key in episode.extra_model_outputs
        }
        columns.append(
            {
                "obs": np.asarray(episode.get_observations()),
                "actions": np.asarray(episode.get_actions()),
                "rewards": np.asarray(episode.get_rewards()),
                **outputs,
            }
        )
    return columns


def test_pacman_ppo_runners_use_the_lean_connectors() -> None:
    """Box observations and Discrete actions, one agent, no state: the lean pair."""
    runner = SingleAgentEnvRunner(config=experiment_config())
    assert [type(c) for c in runner._env_to_module.connectors] == [LatestObservations]
    assert [type(c) for c in runner._module_to_env.connectors] == [SampledActions]


def test_continuous_actions_keep_rllibs_pipelines() -> None:
    """The arena's Box actions need RLlib's unsquashing and clipping."""
    runner = SingleAgentEnvRunner(config=experiment_config("arena", envs=1))
    assert LatestObservations not in [type(c) for c in runner._env_to_module.connectors]
    assert SampledActions not in [type(c) for c in runner._module_to_env.connectors]


@pytest.mark.parametrize("explore", [True, False])
def test_lean_connectors_store_what_rllibs_pipelines_store(explore: bool) -> None:
    """Same seed, same weights: identical observations, actions, logp and logits per step."""
    config = experiment_config()
    lean = stored(SingleAgentEnvRunner(config=config), explore)
    default_runner = SingleAgentEnvRunner(config=rllib_pipelines(config))
    assert len(default_runner._env_to_module.connectors) > 1  # RLlib's pipeline, not ours
    default = stored(default_runner, explore)
    assert len(lean) == len(default) >= 4
    for ours, theirs in zip(lean, default, strict=True):
        assert ours.keys() == theirs.keys()
        assert {Columns.ACTION_LOGP, Columns.ACTION_DIST_INPUTS} <= ours.keys()
        for key in ours:
            assert ours[key].dtype == theirs[key].dtype, key
            np.testing.assert_array_equal(ours[key], theirs[key], err_msg=key)
