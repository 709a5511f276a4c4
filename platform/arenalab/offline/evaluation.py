"""Score an offline-trained policy in the arena with the one scoring protocol.

The model fights as the policy server would act with it (greedy ``Policy.act``) in the
1v1 arena of :func:`arenalab.training.evaluation.fight_config`, with its fighter's body,
against the random and heuristic anchors on the fixed evaluation seeds; the random
policy fights the same seeds, so ``margin`` is like for like. The model observes the
layout it was trained on (``obs_spec``); the layout is not part of the protocol, so
offline and online models of a fighter compare whenever their fights are the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from arenalab.envs.arena.config import ArenaConfig
from arenalab.settings import Settings
from arenalab.training.evaluation import (
    Score,
    arena_protocol,
    fight_config,
    greedy_actor,
    load_policy,
    score,
)

MODULE_ID = "default_policy"
MAX_STEPS = 200
ARENA_SIZE: float = ArenaConfig.model_fields["arena_size"].default
"""Offline models fight in the default arena, the one the game's sessions are played in."""


@dataclass(frozen=True)
class ArenaScore:
    """The model and the random policy against the random opponent, plus the full score."""

    episodes: int
    mean_return: float
    win_rate: float
    random_mean_return: float
    random_win_rate: float
    rating: float
    score: Score

    @property
    def margin(self) -> float:
        """How much more the model earns per fight than the random policy, same seeds."""
        return self.mean_return - self.random_mean_return


def evaluate_in_arena(
    checkpoint_uri: str,
    episodes: int,
    *,
    obs_spec: str,
    learner: dict[str, float] | None = None,
    settings: Settings | None = None,
) -> ArenaScore:
    """Fight ``episodes`` seeded 1v1 fights per anchor with the model and the random policy.

    ``learner`` is the fighter's ``size``/``speed`` (its registry ``metadata_json``), so
    the model plays the body its observations describe.
    """
    config = fight_config(ARENA_SIZE, MAX_STEPS, learner, obs_spec=obs_spec)
    policy = load_policy(checkpoint_uri, MODULE_ID, settings)
    result = score(arena_protocol(config, episodes), config, greedy_actor(policy), ("random",))
    model, baseline = result.results["model"]["random"], result.results["random"]["random"]
    return ArenaScore(
        episodes=episodes,
        mean_return=model.mean_return,
        win_rate=model.win_rate,
        random_mean_return=baseline.mean_return,
        random_win_rate=baseline.win_rate,
        rating=result.rating.ordinal,
        score=result,
    )
