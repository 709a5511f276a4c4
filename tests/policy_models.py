"""Tiny trained policies for the tests, and ``train_for``, the budgeted training they share.

``train_registered`` goes through ``arenalab.training.train`` exactly like
``arenalab train``; ``train_filtered`` trains with RLlib's ``MeanStdFilter`` so the
tests also cover observation filters, which the experiment schema does not switch on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from arenalab.experiments import Experiment
from arenalab.experiments.mapping import STEPS_METRIC
from arenalab.settings import Settings

TINY = {
    "training": {"batch_size": 64, "buffer_size": 128, "episodes": 1},
    "resources": {"num_env_runners": 0},
    "run": {"hidden_sizes": [16, 16], "max_iterations": 1, "evaluation_episodes": 1},
    "rllib": {"num_epochs": 1},
}


def train_for(config: Any, env_steps: int, checkpoint: Path) -> Path:
    """Train an AlgorithmConfig until ``env_steps`` are sampled; the saved checkpoint."""
    algo = config.build_algo()
    try:
        while algo.train()[STEPS_METRIC] < env_steps:
            pass
        return Path(algo.save_to_path(str(checkpoint)))
    finally:
        algo.stop()


def train_registered(settings: Settings, fighter_id: int) -> int:
    """Train one iteration for a registered fighter and return the registered model's id."""
    from arenalab.training import train  # imports Ray

    experiment = Experiment.model_validate(
        {
            "name": "policy-test",
            "environment": "arena",
            "game": {"fighters": [fighter_id], "max_steps": 40},
            **TINY,
        }
    )
    result = train(experiment, iterations=1, settings=settings)
    return result.models[0].model_id


def train_filtered(path: Path) -> Path:
    """Train one PPO iteration on the arena with a MeanStdFilter and save it at ``path``."""
    from arenalab.envs import register_rllib_envs
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.connectors.env_to_module import MeanStdFilter

    register_rllib_envs()
    config = (
        PPOConfig()
        .environment("arenalab/Arena-v0", env_config={"max_steps": 40})
        .env_runners(num_env_runners=0, env_to_module_connector=lambda *_, **__: MeanStdFilter())
        .training(train_batch_size_per_learner=128, minibatch_size=64, num_epochs=1)
        .rl_module(model_config={"fcnet_hiddens": [16, 16]})
        .debugging(seed=0)
    )
    algo = config.build_algo()
    try:
        algo.train()
        return Path(algo.save_to_path(str(path)))
    finally:
        algo.stop()
