"""Scripted baselines and evaluate_policy: heuristics beat random, results are reproducible."""

from __future__ import annotations

import numpy as np
import pytest
from arenalab.envs import EvalResult, RandomPolicy, evaluate_policy, resolve_policy
from arenalab.envs.arena import ArenaEnv
from arenalab.envs.pacman import PacManEnv


def test_pacman_heuristic_clearly_beats_random() -> None:
    """Over 30 seeded mazes the heuristic earns far more and clears most of them."""
    config = {"grid_size": 10, "num_ghosts": 2}
    random = evaluate_policy("arenalab/PacMan-v0", config, "random", episodes=30, seed=0)
    heuristic = evaluate_policy("arenalab/PacMan-v0", config, "heuristic", episodes=30, seed=0)
    assert heuristic.mean_return > random.mean_return + 60
    assert heuristic.win_rate >= 0.4 > random.win_rate


def test_arena_heuristic_clearly_beats_random() -> None:
    """Against random opponents the heuristic fighter wins 1v1 and earns more in a 4-way."""
    duel = {"opponent_policy": "random"}
    random = evaluate_policy("arenalab/Arena-v0", duel, "random", episodes=10, seed=0)
    heuristic = evaluate_policy("arenalab/Arena-v0", duel, "heuristic", episodes=10, seed=0)
    assert heuristic.win_rate >= 0.9 and random.win_rate == 0.0
    assert heuristic.mean_return > random.mean_return + 5
    brawl = {"opponent_policy": "random", "num_fighters": 4}
    random = evaluate_policy("arenalab/Arena-v0", brawl, "random", episodes=8, seed=0)
    heuristic = evaluate_policy("arenalab/Arena-v0", brawl, "heuristic", episodes=8, seed=0)
    assert heuristic.mean_return > random.mean_return + 4


def test_evaluate_policy_is_reproducible_and_takes_callables() -> None:
    """Same seed, same numbers; a callable policy is used as is."""
    first = evaluate_policy("arenalab/PacMan-v0", {}, "random", episodes=5, seed=3)
    assert first == evaluate_policy("arenalab/PacMan-v0", {}, "random", episodes=5, seed=3)
    assert isinstance(first, EvalResult) and first.episodes == len(first.returns) == 5
    assert first.std_return == pytest.approx(float(np.std(first.returns)))
    calls = []

    def stay(obs: np.ndarray) -> int:
        calls.append(obs.shape)
        return 0

    result = evaluate_policy("arenalab/PacMan-v0", {"num_ghosts": 0, "max_steps": 7}, stay, 2)
    assert result.mean_length == 7 and len(calls) == 14
    assert result.to_dict()["win_rate"] == 0.0


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("arenalab/MultiAgentArena-v0", {}, "random"), "single-agent"),
        (("arenalab/Nope-v0", {}, "random"), "env name"),
        (("arenalab/PacMan-v0", {}, "clever"), "policy"),
        (("arenalab/PacMan-v0", {}, "random", 0), "episodes"),
    ],
)
def test_evaluate_policy_rejects_bad_arguments(args: tuple, match: str) -> None:
    """Each bad argument is named in the error."""
    with pytest.raises(ValueError, match=match):
        evaluate_policy(*args)


def test_resolve_policy_builds_valid_actions() -> None:
    """Random and heuristic policies produce actions inside each env's action space."""
    for env in (PacManEnv(), ArenaEnv({"num_fighters": 3})):
        obs, _ = env.reset(seed=0)
        for name in ("random", "heuristic"):
            policy = resolve_policy(name, env, seed=1)
            assert env.action_space.contains(np.asarray(policy(obs), dtype=env.action_space.dtype))
    space = ArenaEnv().action_space
    first, second = RandomPolicy(space, 4), RandomPolicy(space, 4)
    assert np.array_equal(first(None), second(None))
