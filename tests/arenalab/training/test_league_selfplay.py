"""The self-play league: the refresh freezes the learner into every env's opponent pool."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from arenalab.experiments import build_config, build_experiment
from arenalab.experiments.loading import ExperimentError
from arenalab.training import league
from ray.rllib.core.columns import Columns

LEAGUE_GAME = {"arena_size": 8.0, "opponents": "league", "max_steps": 50}


def league_experiment(**game: object) -> object:
    """A tiny PPO league in a small arena; ``game`` overrides its game group."""
    return build_experiment(
        {
            "name": "league",
            "environment": "arena",
            "game": {**LEAGUE_GAME, **game},
            "training": {"batch_size": 64, "buffer_size": 256, "episodes": 100_000},
            "resources": {"num_env_runners": 0, "num_envs_per_env_runner": 2},
            "run": {"hidden_sizes": [16, 16]},
            "rllib": {"num_epochs": 1},
        }
    )


@pytest.mark.parametrize(
    ("action_set", "model_config"),
    [
        ("discrete", {}),
        ("continuous", {"vf_share_layers": True, "fcnet_activation": "relu"}),
    ],
    ids=["discrete-separate-tanh", "continuous-shared-relu"],
)
def test_a_frozen_fighter_computes_what_the_learner_does(action_set, model_config) -> None:
    """The numpy copy of the actor gives the module's own distribution inputs."""
    built = build_config(league_experiment(action_set=action_set))
    env = built.spec.load_class()(built.spec.env_config)
    spec = built.config.get_rl_module_spec(env=env)
    spec.model_config = {**spec.model_config, **model_config}
    module = spec.build()
    frozen = league.frozen_fighter(
        module.get_state(inference_only=True), spec.model_config, discrete=action_set == "discrete"
    )
    observations = np.random.default_rng(0).uniform(-1, 1, (64, 86)).astype(np.float32)
    with torch.no_grad():
        inputs = module.forward_inference({Columns.OBS: torch.from_numpy(observations)})
    expected = inputs[Columns.ACTION_DIST_INPUTS].numpy()
    np.testing.assert_allclose(frozen.outputs(observations), expected, atol=1e-5)


def test_only_actor_critic_learners_can_train_in_the_league() -> None:
    """The refresh freezes RLlib's default actor-critic module; other learners are refused."""
    assert build_config(league_experiment()).config.callbacks_class is league.LeagueRefresh
    sac = build_experiment({"algorithm": "SAC", "environment": "arena", "game": LEAGUE_GAME})
    with pytest.raises(ExperimentError, match="league freezes actor-critic learners"):
        build_config(sac)


@pytest.mark.slow
def test_the_refresh_puts_the_learner_into_every_env_and_it_fights(ray_head, monkeypatch):
    """After a refresh each env holds the learner's current actor, and episodes meet it."""
    monkeypatch.setattr(league, "REFRESH_EVERY", 1)
    built = build_config(league_experiment(action_set="discrete"))
    built.config.reporting(min_time_s_per_iteration=0, min_sample_timesteps_per_iteration=256)
    algo = built.config.build_algo()
    try:
        results = [algo.train() for _ in range(3)]
        observations = np.random.default_rng(1).uniform(-1, 1, (32, 86)).astype(np.float32)
        batch = {Columns.OBS: torch.from_numpy(observations)}
        with torch.no_grad():
            learner = algo.get_module().forward_inference(batch)[Columns.ACTION_DIST_INPUTS]
        learner = learner.numpy()
        arenas = [env.unwrapped for env in algo.env_runner.env.unwrapped.envs]
    finally:
        algo.stop()
    assert [result["league_snapshots"] for result in results] == [1, 2, 3]
    assert len(arenas) == 2
    for arena in arenas:
        newest = arena._league[-1]  # the pool the env draws opponents from
        np.testing.assert_allclose(newest.outputs(observations), learner, atol=1e-5)
    rates = [result["env_runners"]["opponents"] for result in results[1:]]
    finite = {  # an iteration with no finished episode against a kind reports NaN for it
        kind: figures["win_rate"]
        for played in rates
        for kind, figures in played.items()
        if math.isfinite(figures["win_rate"])
    }
    assert {"heuristic", "league"} <= set(finite), rates
    assert all(0.0 <= rate <= 1.0 for rate in finite.values()), rates
