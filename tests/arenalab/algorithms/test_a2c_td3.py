"""A2C and TD3 (arenalab.algorithms) learn, sweep, resume and serve like RLlib's own forward."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
import yaml
from arenalab.algorithms.a2c import A2CConfig
from arenalab.algorithms.td3 import TD3Config
from arenalab.experiments import ExperimentError, build_config, build_experiment
from arenalab.experiments.algorithm import pin_torch_threads
from arenalab.experiments.mapping import STEPS_METRIC
from arenalab.policies import Policy
from arenalab.policies.onnx_export import export_onnx
from arenalab.settings import Settings, load_settings
from arenalab.sweeps import load_sweep, run_sweep
from arenalab.training.evaluation import score_checkpoint
from ray.rllib.core.columns import Columns
from ray.rllib.utils.spaces.space_utils import unsquash_action

from tests.conftest import RayHead
from tests.policy_models import train_for

EVAL_SEEDS = range(10_000, 10_010)
A2C_STEPS = 10_000
A2C_MARGIN = 100.0
"""Greedy CartPole return over random (about 22) after A2C_STEPS: measured 458 (seed 0;
165..473 at every 2.5k steps from 2.5k to 20k), about 17 s of CPU."""
TD3_STEPS = 6_000
TD3_MARGIN = 600.0
"""Greedy Pendulum return over random (about -1120 on EVAL_SEEDS) after TD3_STEPS:
measured -129, -158, -130 (seeds 0, 1, 2; -146, -187, -148 at 5k steps, still
random-like at 4k for two of them), 80-120 s on 2 loaded cores."""
PACMAN = {"grid_size": 5, "num_ghosts": 1, "power_pellets": 0, "max_steps": 50}
ARENA = {"num_fighters": 2, "arena_size": 8.0, "max_steps": 50}
TINY = {
    "training": {"batch_size": 32, "buffer_size": 256},
    "intelligence": {"learning_starts": 32, "train_freq": 4},
    "resources": {"num_env_runners": 0},
    "run": {"hidden_sizes": [16], "evaluation_episodes": 2},
}


def a2c_cartpole() -> A2CConfig:
    """A2C on CartPole-v1: 8 envs x 16 steps per update (SB3-style n-step rollouts)."""
    return (
        A2CConfig()
        .environment("CartPole-v1")
        .env_runners(num_env_runners=0, num_envs_per_env_runner=8, rollout_fragment_length=16)
        .training(train_batch_size_per_learner=128, lr=1e-3, gamma=0.99, entropy_coeff=0.0)
        .rl_module(model_config={"fcnet_hiddens": [64, 64], "vf_share_layers": False})
        .reporting(min_time_s_per_iteration=0)
        .callbacks(on_algorithm_init=pin_torch_threads)
        .debugging(seed=0)
    )


def td3_pendulum() -> TD3Config:
    """TD3 on Pendulum-v1: one gradient step per env step after 500 random-ish steps."""
    return (
        TD3Config()
        .environment("Pendulum-v1")
        .env_runners(num_env_runners=0)
        .training(
            train_batch_size_per_learner=128,
            training_intensity=128,
            num_steps_sampled_before_learning_starts=500,
            replay_buffer_config={"type": "EpisodeReplayBuffer", "capacity": 50_000},
        )
        .rl_module(model_config={"fcnet_hiddens": [64, 64]})
        .reporting(min_time_s_per_iteration=0, min_sample_timesteps_per_iteration=1000)
        .callbacks(on_algorithm_init=pin_torch_threads)
        .debugging(seed=0)
    )


def mean_return(env_id: str, act: Any) -> float:
    """Mean return of ``act(obs) -> action`` over the seeded evaluation episodes."""
    env = gym.make(env_id)
    returns = []
    for seed in EVAL_SEEDS:
        obs, _ = env.reset(seed=seed)
        env.action_space.seed(seed)
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(act(env, obs))
            total, done = total + float(reward), terminated or truncated
        returns.append(total)
    env.close()
    return float(np.mean(returns))


def served(policy: Policy) -> Any:
    """The greedy action of the served policy, as /act computes it."""
    return lambda _env, obs: policy.act(obs, deterministic=True)[0]


def rand(env: gym.Env, _obs: Any) -> Any:
    """A uniformly random action."""
    return env.action_space.sample()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "build", "steps", "env_id", "margin"),
    [
        ("a2c", a2c_cartpole, A2C_STEPS, "CartPole-v1", A2C_MARGIN),
        ("td3", td3_pendulum, TD3_STEPS, "Pendulum-v1", TD3_MARGIN),
    ],
    ids=["a2c-cartpole", "td3-pendulum"],
)
def test_a_trained_policy_beats_random_as_served(
    ray_head: RayHead, tmp_path: Path, name: str, build, steps: int, env_id: str, margin: float
) -> None:
    """A2C on CartPole, TD3 on Pendulum: the greedy policy, served, beats random by a margin."""
    policy = Policy.from_checkpoint(train_for(build(), steps, tmp_path / name))
    trained, random = mean_return(env_id, served(policy)), mean_return(env_id, rand)
    assert trained >= random + margin, (trained, random)


def rllib_greedy(module: Any, space: gym.Space, obs: np.ndarray) -> np.ndarray:
    """What RLlib's env runner sends the env for ``explore=False`` (GetActions + unsquash)."""
    with torch.no_grad():
        out = module.forward_inference({Columns.OBS: torch.from_numpy(obs)})
    actions = out.get(Columns.ACTIONS)
    if actions is None:
        dist = module.get_inference_action_dist_cls().from_logits(out[Columns.ACTION_DIST_INPUTS])
        actions = dist.to_deterministic().sample()
    actions = actions.numpy()
    if isinstance(space, gym.spaces.Box):
        return np.stack([unsquash_action(a, space) for a in actions])
    return actions


@pytest.mark.parametrize(
    ("make", "env_id"),
    [(a2c_cartpole, "CartPole-v1"), (a2c_cartpole, "Pendulum-v1"), (td3_pendulum, "Pendulum-v1")],
    ids=["A2C-discrete", "A2C-continuous", "TD3"],
)
def test_served_policy_acts_like_rllib(ray_head: RayHead, tmp_path: Path, make, env_id) -> None:
    """Policy.act (what /act and the ONNX file serve) equals RLlib's own greedy forward."""
    config = make().environment(env_id)
    if make is td3_pendulum:  # one short iteration with a few updates
        config.training(num_steps_sampled_before_learning_starts=0)
        config.reporting(min_sample_timesteps_per_iteration=32)
    algo = config.build_algo()
    try:
        algo.train()
        checkpoint = Path(algo.save_to_path(str(tmp_path / "checkpoint")))
        module = algo.get_module()
        space = algo.env_runner.env.unwrapped.single_action_space
        policy = Policy.from_checkpoint(checkpoint)
        obs = np.stack([policy.observation_space.sample() for _ in range(32)]).astype(np.float32)
        np.testing.assert_allclose(
            policy.act(obs, deterministic=True), rllib_greedy(module, space, obs), atol=1e-5
        )
    finally:
        algo.stop()
    assert export_onnx(policy, tmp_path / "policy.onnx").max_abs_diff <= 1e-4
    explored = policy.act(obs, deterministic=False)
    assert all(policy.action_space.contains(a) for a in explored)
    if make is td3_pendulum:  # exploration adds noise to the deterministic actor
        assert not np.allclose(explored, policy.act(obs, deterministic=True))


@pytest.mark.parametrize(
    ("algorithm", "environment", "game"),
    [("A2C", "pacman", PACMAN), ("A2C", "arena", ARENA), ("TD3", "arena", ARENA)],
)
def test_experiment_trains_resumes_and_scores(
    ray_head: RayHead, tmp_path: Path, algorithm: str, environment: str, game: dict
) -> None:
    """From an experiment: train, checkpoint, resume where it stopped, score the model."""
    experiment = build_experiment(
        {**TINY, "algorithm": algorithm, "environment": environment, "game": game}
    )
    config = build_config(experiment).config
    config.reporting(min_time_s_per_iteration=0, min_sample_timesteps_per_iteration=64)
    algo = config.build_algo()
    try:
        first = algo.train()[STEPS_METRIC]
        checkpoint = algo.save_to_path(str(tmp_path / "checkpoint"))
    finally:
        algo.stop()
    resumed = config.build_algo()
    try:
        resumed.restore_from_path(checkpoint)
        assert resumed.train()[STEPS_METRIC] > first
    finally:
        resumed.stop()
    score = score_checkpoint(experiment, checkpoint, "default_policy", 1)
    assert score.protocol.episodes == 1 and score.results


def test_td3_on_pacman_names_the_algorithm_and_the_space() -> None:
    """TD3 on a Discrete env is refused up front, naming TD3 and Discrete(5)."""
    with pytest.raises(ExperimentError, match=r"algorithm=TD3 needs Box.*Discrete\(5\)"):
        build_experiment({"algorithm": "TD3", "environment": "pacman"})


def test_td3_config_on_a_discrete_env_is_refused(ray_head: RayHead) -> None:
    """Outside arenalab's experiments, RLlib's build fails with TD3's own message."""
    config = TD3Config().environment("CartPole-v1").env_runners(num_env_runners=0)
    with pytest.raises(Exception, match=r"TD3 needs a continuous \(Box\) action space"):
        config.build_algo()


def test_a2c_refuses_ppo_settings() -> None:
    """Several epochs or minibatches would make it PPO without clipping: refused."""
    for settings in ({"num_epochs": 4}, {"minibatch_size": 32}, {"use_kl_loss": True}):
        config = A2CConfig().environment("CartPole-v1").training(**settings)
        with pytest.raises(ValueError, match="A2C"):
            config.validate()


@pytest.fixture
def settings(data_dir: Path, ray_head: RayHead) -> Settings:
    """This test's private data dir and storage, on the shared test Ray head."""
    return load_settings()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("algorithm", "environment", "game"),
    [("A2C", "pacman", PACMAN), ("TD3", "arena", ARENA)],
)
def test_two_trial_sweep(
    tmp_path: Path, settings: Settings, algorithm: str, environment: str, game: dict
) -> None:
    """A 2-trial grid sweep trains both trials and registers the better one."""
    values = {**TINY, "name": f"tiny-{algorithm}", "environment": environment, "game": game}
    sweep = {
        "name": f"sweep-{algorithm.lower()}",
        "algorithm": algorithm,
        "base": {"values": values},
        "search": {"training.gamma": {"grid": [0.9, 0.99]}},
        "stop": {"training_iteration": 1},
        "max_concurrent_trials": 1,
        "resources": {"num_env_runners": 0},
    }
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep), encoding="utf-8")
    outcome = run_sweep(load_sweep(path), settings=settings)
    assert [row.status for row in outcome.trials] == ["TERMINATED", "TERMINATED"]
    assert {row.params["training.gamma"] for row in outcome.trials} == {0.9, 0.99}
    assert outcome.best is not None and len(outcome.models) == 1
