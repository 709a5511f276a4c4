"""Sampling ahead: each batch comes from the policy one update behind; nothing is lost."""

from __future__ import annotations

import pytest
from arenalab.experiments import build_config, build_experiment
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.utils.metrics import (
    DIFF_NUM_GRAD_UPDATES_VS_SAMPLER_POLICY,
    ENV_RUNNER_RESULTS,
    LEARNER_RESULTS,
    NUM_ENV_STEPS_SAMPLED_LIFETIME,
)

BATCH = 200


def lags_and_steps(sample_ahead: bool, env_runners: int) -> list[tuple[float, float]]:
    """Per iteration of a small PPO: updates between sampler and learner, env steps so far."""
    experiment = build_experiment(
        {
            "algorithm": "PPO",
            "environment": "pacman",
            "seed": 1,
            "game": {"grid_size": 7, "num_ghosts": 1, "max_steps": 60},
            "training": {"buffer_size": BATCH, "batch_size": 64},
            "resources": {"num_env_runners": env_runners, "num_envs_per_env_runner": 2},
            "run": {"evaluation_every": None},
            "rllib": {"sample_ahead": sample_ahead, "num_epochs": 1},
        }
    )
    algorithm = build_config(experiment).config.build_algo()
    try:
        results = [algorithm.train() for _ in range(3)]
    finally:
        algorithm.stop()
    return [
        (
            result[LEARNER_RESULTS][DEFAULT_MODULE_ID][DIFF_NUM_GRAD_UPDATES_VS_SAMPLER_POLICY],
            result[ENV_RUNNER_RESULTS][NUM_ENV_STEPS_SAMPLED_LIFETIME],
        )
        for result in results
    ]


@pytest.mark.usefixtures("ray_head")
@pytest.mark.parametrize(
    ("sample_ahead", "env_runners", "lags"),
    [
        (False, 1, [1, 1, 1]),  # RLlib's PPO: the learner updates the weights that sampled
        (True, 1, [1, 2, 2]),  # the first batch is sampled at once, then one update behind
        (True, 0, [1, 1, 1]),  # sampling in the driver cannot overlap: synchronous
    ],
)
def test_sampling_ahead_learns_from_the_batch_one_update_behind(
    sample_ahead: bool, env_runners: int, lags: list[int]
) -> None:
    """The lag RLlib logs per update; every iteration still learns from a whole batch."""
    measured = lags_and_steps(sample_ahead, env_runners)
    assert [lag for lag, _ in measured] == lags
    steps = [steps for _, steps in measured]
    for iteration, lifetime in enumerate(steps, start=1):
        assert BATCH * iteration <= lifetime < BATCH * iteration + 10  # fragments round up
