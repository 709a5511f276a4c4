"""arenalab's DQN and SAC: RLlib's losses on the flat replay loop (arenalab.algorithms.replay)."""

from __future__ import annotations

import numpy as np
import pytest
from arenalab.algorithms.dqn import DQN, DQNConfig
from arenalab.algorithms.replay import ROLLOUT_FRAGMENT, TransitionReplayBuffer
from arenalab.algorithms.sac import SAC, SACConfig
from arenalab.experiments import build_config, build_experiment
from ray.rllib.core.columns import Columns
from ray.rllib.env.single_agent_episode import SingleAgentEpisode


def episode(actions: list, terminated: bool) -> SingleAgentEpisode:
    """A finished chunk of ``len(actions)`` steps with observations 0, 1, 2, ..."""
    steps = len(actions)
    return SingleAgentEpisode(
        observations=[np.full(2, t, np.float32) for t in range(steps + 1)],
        actions=actions,
        rewards=[1.0] * steps,
        terminated=terminated,
        len_lookback_buffer=0,
    )


def test_flat_replay_keeps_discrete_actions_as_indexes_and_box_ones_as_floats() -> None:
    """A Q head gathers by the stored action: Discrete stays int64, Box becomes float32."""
    buffer = TransitionReplayBuffer(100, seed=0)
    buffer.add([episode([0, 4, 2] * 4, terminated=True)])
    rows = buffer.sample(8).policy_batches["default_policy"]
    assert rows[Columns.ACTIONS].dtype == np.int64 and set(rows[Columns.ACTIONS]) <= {0, 2, 4}
    np.testing.assert_array_equal(rows[Columns.NEXT_OBS][:, 0], rows[Columns.OBS][:, 0] + 1)
    assert set(rows[Columns.OBS][rows[Columns.TERMINATEDS], 0]) <= {11.0}  # the last step only
    boxes = TransitionReplayBuffer(100, seed=0)
    boxes.add([episode([np.array([0.5, -0.5])] * 6, terminated=False)])
    sampled = boxes.sample(4).policy_batches["default_policy"]
    assert sampled[Columns.ACTIONS].dtype == np.float32
    assert not sampled[Columns.TERMINATEDS].any()  # a truncated chunk bootstraps


@pytest.mark.parametrize(
    ("algorithm", "environment", "loop"), [("DQN", "pacman", DQN), ("SAC", "arena", SAC)]
)
def test_experiments_get_the_flat_loop_sampling_in_fragments(
    algorithm: str, environment: str, loop: type
) -> None:
    """An experiment's DQN and SAC are arenalab's; the learner sees 1-step, equal-weight rows."""
    experiment = build_experiment({"algorithm": algorithm, "environment": environment})
    config = build_config(experiment).config
    assert config.algo_class is loop
    assert config.get_rollout_fragment_length() == ROLLOUT_FRAGMENT
    buffer = TransitionReplayBuffer(100, seed=0)
    buffer.add([episode([1, 2, 3] * 2, terminated=True)])
    rows = loop.replayed(None, buffer.sample(5)).policy_batches["default_policy"]
    assert rows["n_step"].tolist() == [1.0] * 5 and rows["weights"].tolist() == [1.0] * 5


@pytest.mark.parametrize("config_class", [DQNConfig, SACConfig])
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"replay_buffer_config": {"type": "PrioritizedEpisodeReplayBuffer"}}, "uniformly"),
        ({"n_step": 3}, "n_step must be 1"),
    ],
)
def test_the_flat_loop_refuses_what_it_cannot_do(config_class, change: dict, message: str) -> None:
    """Prioritized replay and n-step returns are refused with the reason, not ignored."""
    config = config_class().environment("CartPole-v1").training(**change)
    with pytest.raises(ValueError, match=message):
        config.validate()
