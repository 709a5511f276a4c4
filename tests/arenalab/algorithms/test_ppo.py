"""arenalab's PPO: RLlib's step arithmetic; with sb3_details, SB3's shuffling and weights."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from arenalab.algorithms.ppo import PPO, PPOConfig, PPOTorchLearner
from arenalab.experiments import build_config, build_experiment
from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner as RLlibLearner
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.core.columns import Columns
from ray.rllib.env.single_agent_env_runner import SingleAgentEnvRunner
from ray.rllib.utils.metrics import NUM_ENV_STEPS_SAMPLED_LIFETIME
from torch import nn


@pytest.fixture(scope="module")
def config() -> PPOConfig:
    """PPO on a small Pac-Man, sampled in the test process."""
    experiment = build_experiment(
        {"algorithm": "PPO", "environment": "pacman", "game": {"grid_size": 7, "num_ghosts": 1}}
    )
    return build_config(experiment).config.env_runners(num_env_runners=0)


@pytest.fixture(scope="module")
def sb3_config(config: PPOConfig) -> PPOConfig:
    """The same PPO with SB3's PPO details."""
    return config.copy(copy_frozen=False).training(sb3_details=True)


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


def test_a_learning_rate_schedule_steps_the_lean_optimizer(config: PPOConfig, runner) -> None:
    """A schedule (``rllib.lr: [[0, 3e-4], [400000, 1e-6]]``, as pacman-ppo.yaml) trains."""
    scheduled = config.copy(copy_frozen=False).training(lr=[[0, 3e-4], [400_000, 1e-6]])
    learner = learner_of(scheduled, runner)
    start = learner.module[DEFAULT_MODULE_ID].get_state()
    learner.update(
        episodes=runner.sample(num_timesteps=128),
        timesteps={NUM_ENV_STEPS_SAMPLED_LIFETIME: 200_000},
        num_epochs=1,
        minibatch_size=64,
    )
    after = learner.module[DEFAULT_MODULE_ID].get_state()
    assert any(not np.allclose(start[k], after[k]) for k in after)
    ((_, optimizer),) = learner.get_optimizers_for_module(DEFAULT_MODULE_ID)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(3e-4 + (1e-6 - 3e-4) / 2, rel=1e-3)


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


def minibatches_seen(config, runner, learner_class: type, episodes, shuffle: bool) -> list:
    """The observations of each minibatch a learner trains on over two epochs."""
    seen = []

    class Recording(learner_class):
        def _update(self, batch, **kwargs):
            seen.append(batch[DEFAULT_MODULE_ID][Columns.OBS].clone())
            return super()._update(batch, **kwargs)

    learner_of(config, runner, Recording).update(
        episodes=copy.deepcopy(episodes),
        timesteps={NUM_ENV_STEPS_SAMPLED_LIFETIME: 256},
        num_epochs=2,
        minibatch_size=64,
        shuffle_batch_per_epoch=shuffle,
    )
    return seen


def test_sb3_details_shuffle_the_first_epoch_too(config, sb3_config, runner) -> None:
    """RLlib's first epoch takes minibatches in sampling order; SB3's are shuffled."""
    episodes = runner.sample(num_timesteps=256)
    in_order = minibatches_seen(config, runner, PPOTorchLearner, episodes, shuffle=False)
    rllib = minibatches_seen(config, runner, RLlibLearner, episodes, shuffle=True)
    default = minibatches_seen(config, runner, PPOTorchLearner, episodes, shuffle=True)
    sb3 = minibatches_seen(sb3_config, runner, PPOTorchLearner, episodes, shuffle=True)
    assert torch.equal(rllib[0], in_order[0]), "RLlib's first minibatch is the first rows"
    assert torch.equal(default[0], in_order[0]), "off by default: RLlib's order"
    assert not torch.equal(sb3[0], in_order[0])
    batch_rows = {tuple(row.tolist()) for row in torch.cat(in_order)}
    assert all(tuple(row.tolist()) in batch_rows for row in sb3[0])


def test_sb3_details_start_orthogonal_with_a_near_uniform_policy(sb3_config, runner) -> None:
    """Hidden layers orthogonal (gain sqrt 2), policy output gain 0.01, zero biases, eps."""
    learner = learner_of(sb3_config, runner)
    ((_, optimizer),) = learner.get_optimizers_for_module(DEFAULT_MODULE_ID)
    assert optimizer.defaults["eps"] == 1e-5
    module = learner.module[DEFAULT_MODULE_ID]
    linears = {
        part: [m for m in getattr(module, part).modules() if isinstance(m, nn.Linear)]
        for part in ("encoder", "pi", "vf")
    }
    gains = [(layer, 2.0) for layer in linears["encoder"]]
    gains += [(linears["pi"][-1], 0.01**2), (linears["vf"][-1], 1.0)]
    for layer, squared_gain in gains:
        w = layer.weight.detach()
        small = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        torch.testing.assert_close(small, squared_gain * torch.eye(len(small)), atol=1e-5, rtol=0)
        assert not layer.bias.detach().any()
    obs = torch.as_tensor(np.stack(runner.sample(num_timesteps=64)[0].get_observations()))
    logits = module.forward_inference({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS]
    probs = torch.softmax(logits, dim=-1)
    assert (probs - 1 / probs.shape[-1]).abs().max() < 0.05


def test_an_experiment_opts_in_and_ppo_starts_as_rllib_by_default(config, runner) -> None:
    """``rllib: {sb3_details: true}`` reaches the config; without it, torch's initial weights."""
    experiment = build_experiment({"algorithm": "PPO", "rllib": {"sb3_details": True}})
    opted = build_config(experiment).config
    assert opted.sb3_details and opted.model_config["orthogonal_init"]
    assert not config.sb3_details
    module = learner_of(config, runner).module[DEFAULT_MODULE_ID]
    output = [m for m in module.pi.modules() if isinstance(m, nn.Linear)][-1].weight.detach()
    assert output.norm(dim=1).min() > 0.1, "torch's default init, not gain 0.01"
