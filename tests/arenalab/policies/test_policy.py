"""Module-only inference equals RLlib's env runner; batching, modes and checks behave."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from arenalab.envs.arena.spec import OBS_SIZE
from arenalab.policies import ObservationError, Policy, local_checkpoint
from arenalab.settings import load_settings
from arenalab.storage import open_storage


@pytest.fixture(scope="module")
def policy(filtered_checkpoint: Path) -> Policy:
    """The filtered checkpoint, loaded the way the server loads it."""
    return Policy.from_checkpoint(filtered_checkpoint)


@pytest.fixture(scope="module")
def observations(policy: Policy) -> np.ndarray:
    """Seeded observations drawn from the env's observation space."""
    space = policy.observation_space
    space.seed(1)
    return np.stack([space.sample() for _ in range(16)]).astype(np.float32)


def _rllib_actions(checkpoint: Path, observations: np.ndarray) -> np.ndarray:
    """Actions from RLlib's own env runner: env-to-module, forward_inference, module-to-env."""
    from ray.rllib.algorithms.algorithm import Algorithm
    from ray.rllib.connectors.env_to_module import MeanStdFilter
    from ray.rllib.core.columns import Columns
    from ray.rllib.env.single_agent_episode import SingleAgentEpisode

    algo = Algorithm.from_checkpoint(str(checkpoint))
    try:
        algo.env_runner_group.sync_weights(from_worker_or_learner_group=algo.learner_group)
        runner = algo.env_runner
        for connector in runner._env_to_module.connectors:
            if isinstance(connector, MeanStdFilter):
                connector._update_stats = False  # acting must not move the statistics
        actions = []
        for obs in observations:
            episode = SingleAgentEpisode(
                observation_space=runner.env.single_observation_space,
                action_space=runner.env.single_action_space,
            )
            episode.add_env_reset(observation=obs)
            common = {
                "rl_module": runner.module,
                "episodes": [episode],
                "explore": False,
                "shared_data": {},
            }
            batch = runner._env_to_module(**common)
            out = runner.module.forward_inference(batch)
            to_env = runner._module_to_env(batch=out, **common)
            actions.append(np.asarray(to_env[Columns.ACTIONS_FOR_ENV][0]))
        return np.stack(actions)
    finally:
        algo.stop()


@pytest.mark.parametrize("which", ["filtered_checkpoint", "trained_checkpoint"])
def test_greedy_actions_equal_rllib_env_runner(
    which: str, observations: np.ndarray, request: pytest.FixtureRequest
) -> None:
    """Filter + module + greedy action + unsquash give exactly RLlib's env-runner actions."""
    checkpoint = request.getfixturevalue(which)
    policy = Policy.from_checkpoint(checkpoint)
    ours = policy.act(observations, deterministic=True)
    assert (policy.connectors.observation_filter is not None) == (which == "filtered_checkpoint")
    assert policy.connectors.postprocess.normalize
    np.testing.assert_allclose(ours, _rllib_actions(checkpoint, observations), atol=1e-6)
    assert all(policy.action_space.contains(action) for action in ours.astype(np.float32))


def test_batched_and_single_agree(policy: Policy, observations: np.ndarray) -> None:
    """One forward pass over a batch gives each row's single-observation action."""
    batched = policy.act(observations)
    single = np.concatenate([policy.act(row) for row in observations])
    np.testing.assert_allclose(batched, single, atol=1e-6)


def test_stochastic_mode_samples_within_the_space(policy: Policy, observations: np.ndarray) -> None:
    """Sampled actions vary between calls and are unsquashed/clipped into Box(-1, 1)."""
    first = policy.act(observations, deterministic=False)
    second = policy.act(observations, deterministic=False)
    assert not np.allclose(first, second)
    assert np.all(np.abs(first) <= 1.0)


@pytest.mark.parametrize(
    ("bad", "loc", "message"),
    [
        (np.zeros((2, OBS_SIZE - 1)), (), f"expected {OBS_SIZE} values"),
        (np.array([[0.0] * OBS_SIZE, [np.nan] + [0.0] * (OBS_SIZE - 1)]), (1,), "finite"),
        (np.array([np.inf] * OBS_SIZE), (0,), "finite"),
    ],
)
def test_bad_observations_are_named(
    policy: Policy, bad: np.ndarray, loc: tuple, message: str
) -> None:
    """Wrong lengths and non-finite values raise ObservationError naming the row."""
    with pytest.raises(ObservationError, match=message) as info:
        policy.check(bad)
    assert info.value.loc == loc


def test_checkpoints_outside_the_storage_are_refused(tmp_path: Path) -> None:
    """Only checkpoints inside ARENALAB_STORAGE are ever unpickled."""
    storage = open_storage(load_settings(data_dir=tmp_path / "data"))
    with pytest.raises(PermissionError, match="outside the storage"):
        local_checkpoint("/etc", storage, tmp_path / "cache", "default_policy")
