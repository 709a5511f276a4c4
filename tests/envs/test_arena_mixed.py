"""Mixed opponents: each episode draws the heuristic or random, reproducibly from the seed."""

from __future__ import annotations

from arenalab.envs.arena import ArenaEnv, ArenaHeuristic
from arenalab.envs.baselines import RandomPolicy


def kinds(seed: int, episodes: int = 40) -> list[str]:
    """The opponent kind of each episode after one seeded reset."""
    env = ArenaEnv({"opponent_policy": "mixed", "action_set": "discrete"})
    env.reset(seed=seed)
    drawn = []
    for _ in range(episodes):
        (opponent,) = env._opponents.values()  # what the episode plays against
        drawn.append(type(opponent).__name__)
        env.reset()
    return drawn


def test_mixed_draws_both_anchors_reproducibly() -> None:
    """Both kinds play, in roughly equal shares, and the same seed draws the same sequence."""
    first = kinds(3)
    assert set(first) == {ArenaHeuristic.__name__, RandomPolicy.__name__}
    assert 10 <= first.count("ArenaHeuristic") <= 30
    assert kinds(3) == first
