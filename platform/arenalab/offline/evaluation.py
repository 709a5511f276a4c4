"""Score an offline-trained policy in the arena simulation, next to the random baseline.

The model plays ``arenalab/Arena-v0`` (two fighters, ``arena-obs-v1``) against
``opponent`` on seeded episodes, through the RLModule alone (as the policy server
runs it); the random policy plays the same seeds so the margin is a like-for-like
comparison. The rating is the training package's Elo performance rating.
"""

from __future__ import annotations

from dataclasses import dataclass

from arenalab.envs.evaluation import play_episodes
from arenalab.offline.sessions import arena_config
from arenalab.training.evaluation import elo_rating, load_module, module_policy

MODULE_ID = "default_policy"
MAX_STEPS = 200


@dataclass(frozen=True)
class ArenaScore:
    """Mean return and win rate of the model and of the random baseline, same seeds."""

    episodes: int
    mean_return: float
    win_rate: float
    random_mean_return: float
    random_win_rate: float
    rating: float

    @property
    def margin(self) -> float:
        """How much more the model earns per episode than the random policy."""
        return self.mean_return - self.random_mean_return


def evaluate_in_arena(
    checkpoint_uri: str,
    episodes: int,
    *,
    seed: int = 0,
    opponent: str = "random",
    learner: dict[str, float] | None = None,
) -> ArenaScore:
    """Play ``episodes`` seeded arena episodes with the model and with the random policy.

    ``learner`` is the fighter's ``size``/``speed`` (its registry ``metadata_json``), so
    the model plays the body its observations describe.
    """
    from arenalab.envs.arena import ArenaEnv  # noqa: PLC0415
    from arenalab.envs.baselines import RandomPolicy  # noqa: PLC0415

    env = ArenaEnv(arena_config(learner, opponent, MAX_STEPS))
    policy = module_policy(load_module(checkpoint_uri, MODULE_ID), env.action_space)
    model = play_episodes(env, policy, episodes, seed)
    baseline = play_episodes(env, RandomPolicy(env.action_space, seed), episodes, seed)
    return ArenaScore(
        episodes=episodes,
        mean_return=model.mean_return,
        win_rate=model.win_rate,
        random_mean_return=baseline.mean_return,
        random_win_rate=baseline.win_rate,
        rating=elo_rating(model.win_rate, episodes),
    )
