"""The envs train in RLlib by name, on a remote env runner of the shared Ray head."""

from __future__ import annotations

from typing import Any

import pytest
from arenalab.envs import register_rllib_envs

pytestmark = pytest.mark.slow


def one_ppo_iteration(env: str, env_config: dict[str, Any], **multi_agent: Any) -> dict:
    """Build a tiny PPO with one remote env runner, train once, stop, return the result."""
    from ray.rllib.algorithms.ppo import PPOConfig  # heavy import

    register_rllib_envs()
    config = (
        PPOConfig()
        .environment(env, env_config=env_config)
        .env_runners(num_env_runners=1, num_cpus_per_env_runner=1)
        .learners(num_learners=0)
        .training(train_batch_size_per_learner=128, minibatch_size=64, num_epochs=1)
        .rl_module(model_config={"fcnet_hiddens": [32]})
        .debugging(seed=0)
    )
    if multi_agent:
        config = config.multi_agent(**multi_agent)
    algo = config.build_algo()
    try:
        return algo.train()
    finally:
        algo.stop()


def test_pacman_trains_on_a_remote_env_runner(ray_head: Any) -> None:
    """PPO samples Pac-Man by its registered name with an env_config dict."""
    config = {"grid_size": 7, "num_ghosts": 1, "power_pellets": 1, "max_steps": 60}
    result = one_ppo_iteration("arenalab/PacMan-v0", config)
    assert result["env_runners"]["num_env_steps_sampled"] >= 128
    assert "default_policy" in result["learners"]


def test_arena_single_agent_trains_on_a_remote_env_runner(ray_head: Any) -> None:
    """PPO samples the single-agent arena (continuous actions) by name."""
    result = one_ppo_iteration("arenalab/Arena-v0", {"num_fighters": 3, "max_steps": 60})
    assert result["env_runners"]["num_env_steps_sampled"] >= 128


def test_multi_agent_arena_trains_one_policy_per_role(ray_head: Any) -> None:
    """Fighter 0 maps to the "learner" module, the rest to "opponent"; both get updated."""
    result = one_ppo_iteration(
        "arenalab/MultiAgentArena-v0",
        {"num_fighters": 3, "max_steps": 60},
        policies={"learner", "opponent"},
        policy_mapping_fn=lambda agent_id, *args, **kwargs: (
            "learner" if agent_id == "fighter_0" else "opponent"
        ),
    )
    assert {"learner", "opponent"} <= set(result["learners"])
    assert result["env_runners"]["num_env_steps_sampled"] >= 128


def test_multi_agent_pacman_trains_pacman_and_ghost_policies(ray_head: Any) -> None:
    """Pac-Man maps to "pacman", every ghost to a shared "ghost" module; both get updated."""
    result = one_ppo_iteration(
        "arenalab/MultiAgentPacMan-v0",
        {"grid_size": 7, "num_ghosts": 2, "power_pellets": 1, "max_steps": 60},
        policies={"pacman", "ghost"},
        policy_mapping_fn=lambda agent_id, *args, **kwargs: (
            "pacman" if agent_id == "pacman" else "ghost"
        ),
    )
    assert {"pacman", "ghost"} <= set(result["learners"])
    assert result["env_runners"]["num_env_steps_sampled"] >= 128
