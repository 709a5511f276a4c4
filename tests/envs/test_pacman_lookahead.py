"""Pac-Man's survival lookahead: exact against brute force, and a pure view of the state."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from arenalab.envs.pacman import PacManEnv, PacManGame
from arenalab.envs.pacman.lookahead import HORIZON, survival
from arenalab.envs.pacman.views import FEATURES_V2_LENGTH, features


def ghost_next_to_pacman(seed: int) -> tuple[PacManGame, int]:
    """A seeded default game with a chasing ghost on the cell of Pac-Man's first exit."""
    env = PacManEnv(observation="features")
    env.reset(seed=seed)
    game = env.game
    action, cell = game.maze.exits[game.pacman][0]
    game.ghosts[0] = cell
    game.frightened = [False] * game.num_ghosts
    game.frightened_left = 0
    return game, action


def caught_after(game: PacManGame, actions: tuple[int, ...]) -> int:
    """Steps played before a catch when Pac-Man plays ``actions`` (their count if none)."""
    fork = game.fork(np.random.default_rng(0))
    for played, action in enumerate(actions):
        lives = fork.lives
        fork.step(action)
        if fork.lives < lives:
            return played
        if fork.terminated:
            return len(actions)
    return len(actions)


@pytest.mark.parametrize("seed", [3, 7, 11])
def test_survival_equals_the_best_of_every_move_sequence(seed: int) -> None:
    """Per first action, the search finds exactly the longest uncaught play of brute force."""
    game, _ = ghost_next_to_pacman(seed)
    depth = 3
    brute = [
        max(caught_after(game, (first, *rest)) for rest in itertools.product(range(5), repeat=2))
        for first in range(5)
    ]
    assert survival(game, depth) == brute
    assert min(brute) == 0  # walking into the ghost is caught at once


def test_features_zero_the_move_into_a_ghost_and_keep_an_escape() -> None:
    """The move onto a chasing ghost's cell survives no step; some other action survives."""
    game, action = ghost_next_to_pacman(7)
    surviving = features(game)[FEATURES_V2_LENGTH:]
    assert surviving[action] == 0.0
    assert surviving.max() > 0.0


def test_no_ghost_in_reach_means_every_action_survives_the_horizon() -> None:
    """With every ghost far away (or none) all five actions read 1.0, without a search."""
    env = PacManEnv(observation="features", num_ghosts=0)
    obs, _ = env.reset(seed=4)
    np.testing.assert_array_equal(obs[FEATURES_V2_LENGTH:], np.ones(5, dtype=np.float32))
    assert survival(env.game) == [HORIZON] * 5


def test_looking_ahead_leaves_the_game_and_its_generator_untouched() -> None:
    """Searching forks changes neither the state nor the episode's random draws."""
    game, _ = ghost_next_to_pacman(11)
    before = (game.key(), bytes(game.pellets), game.lives, game.rng.bit_generator.state)
    features(game)
    assert (game.key(), bytes(game.pellets), game.lives, game.rng.bit_generator.state) == before
