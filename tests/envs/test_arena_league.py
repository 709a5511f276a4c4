"""The league arena: frozen past selves join the opponent pool and play whole episodes."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from arenalab.envs.arena import ArenaEnv
from arenalab.envs.arena.actions import ARENA_ACTIONS
from arenalab.envs.arena.config import LEAGUE_SIZE
from arenalab.envs.arena.frozen import FrozenFighter

EAST = 3
"""Row of ARENA_ACTIONS: move east, no button."""


class Member:
    """A league member that counts the observations it was asked to act on."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, observation: np.ndarray) -> np.ndarray:
        """Move east."""
        self.calls += 1
        return ARENA_ACTIONS[EAST]


def play(env: ArenaEnv, episodes: int, steps: int = 5) -> list[str]:
    """Reset ``episodes`` times, acting a few steps each; the opponent each one named."""
    names = []
    for _ in range(episodes):
        _, info = env.reset()
        names.append(info["opponent"])
        for _ in range(steps):
            *_, info = env.step(0)
            assert info["opponent"] == names[-1]
    return names


def league_arena(seed: int = 0) -> ArenaEnv:
    """A league arena (no members yet) after a seeded reset."""
    env = ArenaEnv({"opponent_policy": "league", "action_set": "discrete", "arena_size": 10.0})
    env.reset(seed=seed)
    return env


def test_without_members_the_league_plays_the_two_anchors() -> None:
    """Before the first snapshot the league is "mixed": heuristic or random, about evenly."""
    drawn = Counter(play(league_arena(), 200))
    assert set(drawn) == {"heuristic", "random"}
    assert 70 <= drawn["heuristic"] <= 130


def test_a_member_plays_its_share_of_episodes_and_every_step_of_them() -> None:
    """The members play a quarter of the episodes; the heuristic and random split the rest."""
    env = league_arena()
    member = Member()
    env.join_league(member)
    drawn = Counter()
    for _ in range(300):
        before = member.calls
        (name,) = play(env, 1, steps=5)
        drawn[name] += 1
        assert member.calls - before == (5 if name == "league" else 0), name
    assert 40 <= drawn["league"] <= 110
    assert 80 <= drawn["heuristic"] <= 145 and 80 <= drawn["random"] <= 145


def test_the_league_keeps_the_newest_members_only() -> None:
    """Joining past ``LEAGUE_SIZE`` retires the oldest member."""
    env = league_arena()
    members = [Member() for _ in range(LEAGUE_SIZE + 1)]
    for member in members:
        env.join_league(member)
    play(env, 200, steps=1)
    assert members[0].calls == 0
    assert all(member.calls > 0 for member in members[1:])


def test_the_draws_follow_the_seed() -> None:
    """Same seed, same members: the same opponents in the same order."""
    runs = []
    for _ in range(2):
        env = league_arena(seed=7)
        env.join_league(Member())
        runs.append(play(env, 50, steps=1))
    assert runs[0] == runs[1]


def test_a_frozen_fighter_acts_greedily() -> None:
    """Discrete: the row of the largest logit; continuous: the Gaussian mean, clipped."""
    logits = np.zeros(len(ARENA_ACTIONS), np.float32)
    logits[EAST] = 1.0
    table = FrozenFighter([(np.zeros((len(logits), 4)), logits, "linear")], discrete=True)
    assert np.array_equal(table(np.ones(4, np.float32)), ARENA_ACTIONS[EAST])
    weight = np.vstack([2 * np.eye(4), np.zeros((4, 4))])  # mean = 2 obs, log std = 0
    gaussian = FrozenFighter([(weight, np.zeros(8), "linear")], discrete=False)
    observation = np.array([0.25, -0.1, 0.9, -3.0], np.float32)
    np.testing.assert_allclose(gaussian(observation), [0.5, -0.2, 1.0, -1.0])
    with pytest.raises(ValueError, match="unknown activations"):
        FrozenFighter([(weight, np.zeros(8), "swish")], discrete=False)
