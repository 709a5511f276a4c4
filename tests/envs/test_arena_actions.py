"""The arena's discrete action set: one declared table, decoded identically wherever it is read."""

from __future__ import annotations

import pickle
from typing import get_args

import numpy as np
import pytest
from arenalab.envs.arena import ArenaEnv, ArenaHeuristic, MultiAgentArenaEnv
from arenalab.envs.arena.actions import (
    ACTION_SETS,
    ARENA_ACTIONS,
    ArenaActions,
    action_space,
    controls_space,
)
from arenalab.experiments import ExperimentError, build_experiment
from arenalab.experiments.schema import ArenaGame
from ray.rllib.utils.pre_checks.env import check_multiagent_environments

FIGHT = {"arena_size": 10.0, "max_steps": 200}


def test_table_rows_are_game_actions_and_encode_back() -> None:
    """27 distinct rows (9 moves x nothing/attack/block), each a valid 4-vector; encode inverts."""
    space = ArenaActions()
    assert space.n == len(ARENA_ACTIONS) == 27
    assert len({tuple(row) for row in ARENA_ACTIONS.tolist()}) == 27
    assert all(controls_space().contains(row) for row in ARENA_ACTIONS)
    buttons = (ARENA_ACTIONS[:, 2] > 0).astype(int) + 2 * (ARENA_ACTIONS[:, 3] > 0)
    assert sorted(np.bincount(buttons).tolist()) == [9, 9, 9]  # never both buttons
    assert [space.encode(row) for row in ARENA_ACTIONS] == list(range(27))
    np.testing.assert_array_equal(space.decode([4, 0]), ARENA_ACTIONS[[4, 0]])


def test_heuristic_actions_encode_to_the_nearest_combo() -> None:
    """A slightly-off direction keeps its compass point; block wins over attack, as in the game."""
    space = ArenaActions()
    assert space.decode(space.encode([0.95, 0.2, 1.0, -1.0])).tolist() == [1.0, 0.0, 1.0, -1.0]
    assert space.decode(space.encode([0.0, -1.0, 1.0, 1.0])).tolist() == [0.0, -1.0, -1.0, 1.0]
    assert space.encode([0.01, 0.0, -1.0, -1.0]) == 0


def test_the_table_travels_with_the_space() -> None:
    """A pickled space (how RLlib stores a module's spaces) decodes with the same table."""
    restored = pickle.loads(pickle.dumps(ArenaActions()))
    assert isinstance(restored, ArenaActions) and restored == ArenaActions()
    np.testing.assert_array_equal(restored.decode(np.arange(27)), ARENA_ACTIONS)


@pytest.mark.parametrize("opponent", ["heuristic", "random"])
def test_an_index_plays_exactly_like_its_row(opponent) -> None:
    """Same seed, index actions in the discrete env, their rows in the continuous one.

    Opponents act with the game's 4-vectors in both ("random" too).
    """
    rng = np.random.default_rng(0)
    indices = rng.integers(0, 27, 150)
    discrete = ArenaEnv({**FIGHT, "action_set": "discrete", "opponent_policy": opponent})
    continuous = ArenaEnv({**FIGHT, "opponent_policy": opponent})
    assert isinstance(discrete.action_space, ArenaActions)
    assert continuous.action_space == controls_space()
    first, _ = discrete.reset(seed=5)
    second, _ = continuous.reset(seed=5)
    for index in indices:
        np.testing.assert_array_equal(first, second)
        first, r1, done1, cut1, _ = discrete.step(np.int64(index))
        second, r2, done2, cut2, _ = continuous.step(ARENA_ACTIONS[index])
        assert (r1, done1, cut1) == (r2, done2, cut2)
        if done1 or cut1:
            break


@pytest.mark.parametrize("bad", [27, -1, [0.0, 0.0, 1.0, 0.0]])
def test_the_discrete_env_refuses_what_is_no_index(bad) -> None:
    """Out-of-range indices and 4-vectors are refused, naming the fighter."""
    env = ArenaEnv({**FIGHT, "action_set": "discrete"})
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action for fighter_0 must be an index in"):
        env.step(bad)


def test_multi_agent_discrete_passes_rllib_check() -> None:
    """Every fighter of the multi-agent arena can act by index (the league's env)."""
    env = MultiAgentArenaEnv({**FIGHT, "num_fighters": 3, "action_set": "discrete"})
    check_multiagent_environments(env)
    observations, _ = env.reset(seed=1)
    heuristic, space = ArenaHeuristic(FIGHT["arena_size"]), env.action_spaces["fighter_0"]
    _, rewards, *_ = env.step({a: space.encode(heuristic(o)) for a, o in observations.items()})
    assert set(rewards) == set(observations)


def test_a_bad_action_set_names_the_key() -> None:
    """The env config and the experiment both name action_set and list the choices."""
    with pytest.raises(ValueError, match="action_set"):
        ArenaEnv({"action_set": "buttons"})
    with pytest.raises(ValueError, match="action_set must be one of"):
        action_space("buttons")
    with pytest.raises(ExperimentError, match=r"x\.yaml: .*\n  game\.action_set: "):
        build_experiment(
            {"environment": "arena", "game": {"action_set": "buttons"}}, source="x.yaml"
        )
    assert get_args(ArenaGame.model_fields["action_set"].annotation) == ACTION_SETS


def test_the_action_set_decides_which_algorithms_fit() -> None:
    """DQN trains the discrete arena; SAC is told to use the continuous one."""
    build_experiment(
        {"algorithm": "DQN", "environment": "arena", "game": {"action_set": "discrete"}}
    )
    with pytest.raises(ExperimentError, match="game.action_set: discrete"):
        build_experiment({"algorithm": "DQN", "environment": "arena"})
    with pytest.raises(ExperimentError, match="game.action_set: continuous"):
        build_experiment(
            {"algorithm": "SAC", "environment": "arena", "game": {"action_set": "discrete"}}
        )
