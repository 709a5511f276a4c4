"""arenalab's DQN: RLlib's Q learning on the flat replay loop (arenalab.algorithms.dqn)."""

from __future__ import annotations

import numpy as np
import pytest
from arenalab.algorithms.dqn import DQN, DQNConfig
from arenalab.algorithms.replay import ROLLOUT_FRAGMENT, TransitionReplayBuffer
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


def test_experiments_get_arenalabs_dqn_sampling_in_fragments() -> None:
    """An experiment's DQN is arenalab's; its learner call sees 1-step, equally weighted rows."""
    built = build_config(build_experiment({"algorithm": "DQN", "environment": "pacman"}))
    assert built.config.algo_class is DQN
    assert built.config.get_rollout_fragment_length() == ROLLOUT_FRAGMENT
    buffer = TransitionReplayBuffer(100, seed=0)
    buffer.add([episode([1, 2, 3] * 2, terminated=True)])
    rows = DQN.replayed(None, buffer.sample(5)).policy_batches["default_policy"]
    assert rows["n_step"].tolist() == [1.0] * 5 and rows["weights"].tolist() == [1.0] * 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"replay_buffer_config": {"type": "PrioritizedEpisodeReplayBuffer"}}, "uniformly"),
        ({"n_step": 3}, "n_step must be 1"),
    ],
)
def test_dqn_refuses_what_the_flat_loop_cannot_do(change: dict, message: str) -> None:
    """Prioritized replay and n-step returns are refused with the reason, not ignored."""
    config = DQNConfig().environment("CartPole-v1").training(**change)
    with pytest.raises(ValueError, match=message):
        config.validate()
