"""arenalab's PPO learner steps exactly as RLlib's: same weights after the same updates."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from arenalab.algorithms.ppo import PPO, PPOConfig, PPOTorchLearner
from arenalab.experiments import build_config, build_experiment
from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner as RLlibLearner
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.env.single_agent_env_runner import SingleAgentEnvRunner
from ray.rllib.utils.metrics import NUM_ENV_STEPS_SAMPLED_LIFETIME


@pytest.fixture(scope="module")
def config() -> PPOConfig:
    """PPO on a small Pac-Man, sampled in the test process."""
    experiment = build_experiment(
        {"algorithm": "PPO", "environment": "pacman", "game": {"grid_size": 7, "num_ghosts": 1}}
    )
    return build_config(experiment).config.env_runners(num_env_runners=0)


@pytest.fixture(scope="module")
def runner(config: PPOConfig) -> SingleAgentEnvRunner:
    """An env runner of that config (episodes to learn from, and the spaces)."""
    return SingleAgentEnvRunner(config=config)


def learner_of(config: PPOConfig, runner: SingleAgentEnvRunner, learner_class=PPOTorchLearner):
    """A learner of ``learner_class`` for the config's module."""
    own = config.copy(copy_frozen=False).training(learner_class=learner_class)
    return own.build_learner(spaces=runner.get_spaces())


def weights_after_updates(config, runner, learner_class: type, episodes, start) -> dict:
    """The module's weights after two epochs of 64-row minibatches, in batch order."""
    learner = learner_of(config, runner, learner_class)
    learner.module[DEFAULT_MODULE_ID].set_state(start)
    learner.update(
        episodes=copy.deepcopy(episodes),  # the connector extends episodes in place
        timesteps={NUM_ENV_STEPS_SAMPLED_LIFETIME: 256},
        num_epochs=2,
        minibatch_size=64,
        shuffle_batch_per_epoch=False,
    )
    return learner.module[DEFAULT_MODULE_ID].get_state()


def test_experiments_train_ppo_on_the_lean_learner(config: PPOConfig) -> None:
    """An experiment's PPO is arenalab's, whose learner is the lean-step one."""
    assert config.algo_class is PPO
    assert config.get_default_learner_class() is PPOTorchLearner


def test_the_lean_step_reaches_rllibs_weights(config: PPOConfig, runner) -> None:
    """Foreach Adam and one finiteness check change the speed, not the arithmetic."""
    episodes = runner.sample(num_timesteps=256)
    start = learner_of(config, runner).module[DEFAULT_MODULE_ID].get_state()
    ours = weights_after_updates(config, runner, PPOTorchLearner, episodes, start)
    theirs = weights_after_updates(config, runner, RLlibLearner, episodes, start)
    assert ours.keys() == theirs.keys()
    moved = any(not np.allclose(start[k], ours[k]) for k in ours)
    assert moved, "the updates changed no weight"
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_non_finite_gradients_take_rllibs_checked_path(config: PPOConfig, runner) -> None:
    """A NaN gradient is zeroed (RLlib's rule), never stepped into the weights."""
    learner = learner_of(config, runner)
    params = learner._params
    grads = {pid: torch.ones_like(p) for pid, p in params.items()}
    first = next(iter(grads))
    grads[first][...] = float("nan")
    learner.apply_gradients(grads)
    for p in params.values():
        assert torch.isfinite(p).all()
