"""Which env class, env_config and policies an experiment's ``environment`` means to RLlib.

Env classes are handed to RLlib directly (not by registered name) so remote env
runners import them from the installed package or the job's wheel, with no
registration step that could be forgotten on a worker (guides/rllib-tune.md 1).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from arenalab.experiments.schema import ArenaGame, Environment, Experiment

PACMAN_POLICY = "pacman"
GHOST_POLICY = "ghost"
SINGLE_POLICY = "default_policy"
LEAGUE_POLICY = "league"
"""``opponents`` of the self-play league (and the arena's ``opponent_policy`` it trains with)."""
ARENA_OBS_SPEC = "arena-obs-v2"
"""What new arena training observes (arenalab.envs.arena.spec.OBS_SPEC_VERSION)."""


@dataclass(frozen=True)
class EnvSpec:
    """What RLlib needs to build the env, and the policies to train in it."""

    env_id: str
    env_class: str  # "module:Class"
    env_config: dict[str, Any]
    policies: list[str] = field(default_factory=lambda: [SINGLE_POLICY])
    policies_to_train: list[str] = field(default_factory=lambda: [SINGLE_POLICY])
    mapping: Callable[..., str] | None = None
    obs_spec: str = "custom"
    fighter_of: dict[str, int] = field(default_factory=dict)
    league: bool = False
    """Self-play league: snapshots of the learner join the env's opponents (training.league)."""

    @property
    def multi_agent(self) -> bool:
        """Whether RLlib must be told about several policies."""
        return self.mapping is not None

    def load_class(self) -> type:
        """Import the env class (lazily: importing Ray's MultiAgentEnv costs seconds)."""
        return load(self.env_class)


def load(path: str) -> Any:
    """Import ``module:Name``."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def pacman_role(agent_id: str, *args: Any, **kwargs: Any) -> str:
    """Multi-agent Pac-Man: one policy for Pac-Man, one shared by every ghost."""
    return PACMAN_POLICY if agent_id == PACMAN_POLICY else GHOST_POLICY


def env_config(experiment: Experiment) -> dict[str, Any]:
    """The env's config: the game group (minus its schema tag) plus the visualization group."""
    game = experiment.game.model_dump(exclude={"kind"})
    return {**game, **experiment.visualization.model_dump()}


def env_spec(experiment: Experiment) -> EnvSpec:
    """Resolve the experiment's environment into an :class:`EnvSpec`."""
    config = env_config(experiment)
    if experiment.environment is Environment.PACMAN:
        from arenalab.envs.pacman.views import observation_version

        return EnvSpec(
            "arenalab/PacMan-v0",
            "arenalab.envs.pacman:PacManEnv",
            config,
            obs_spec=observation_version(config["observation"]),
        )
    if experiment.environment is Environment.MULTIAGENT_PACMAN:
        roles = [PACMAN_POLICY, GHOST_POLICY]
        return EnvSpec(
            "arenalab/MultiAgentPacMan-v0",
            "arenalab.envs.pacman:MultiAgentPacManEnv",
            config,
            policies=roles,
            policies_to_train=roles,
            mapping=pacman_role,
            obs_spec="pacman-obs-v1",
        )
    return arena_spec(experiment.game, config)


class SeatPolicies:
    """Arena policy mapping: each learner's seat to its policy.

    A class (not a closure) so RLlib can ship it to env runners by pickling.
    """

    def __init__(self, seats: dict[str, str]) -> None:
        self.seats = seats

    def __call__(self, agent_id: str, *args: Any, **kwargs: Any) -> str:
        """The policy that acts for ``agent_id``."""
        return self.seats[agent_id]


def fighter_policy(fighter: str) -> str:
    """Policy (module) id of a learning fighter."""
    return f"fighter_{fighter}"


def arena_spec(game: ArenaGame, config: dict[str, Any]) -> EnvSpec:
    """The arena as RLlib sees it.

    One learner uses the single-agent view (so SAC and TQC work), its opponents scripted
    or, with ``opponents: league``, drawn per episode from the heuristic, random and
    frozen past versions of itself (:mod:`arenalab.training.league`). Several learners
    use the multi-agent env, one policy per learner; the remaining seats are played by
    the learners' policies in turn (self-play).

    Raises:
        ValueError: for a league of several learners (the league trains one fighter).
    """
    learners = [str(fighter) for fighter in game.fighters] or ["0"]  # "0": no registry id
    others = [f"opponent_{seat}" for seat in range(len(learners), game.num_fighters)]
    env_config = {
        "obs_spec": ARENA_OBS_SPEC,
        **{key: value for key, value in config.items() if key not in {"fighters", "opponents"}},
        "fighters": [{"id": seat} for seat in learners + others],
    }
    league = game.opponents == LEAGUE_POLICY
    if len(learners) == 1:
        return EnvSpec(
            "arenalab/Arena-v0",
            "arenalab.envs.arena:ArenaEnv",
            {**env_config, "learner": learners[0], "opponent_policy": game.opponents},
            obs_spec=env_config["obs_spec"],
            fighter_of={SINGLE_POLICY: game.fighters[0]} if game.fighters else {},
            league=league,
        )
    if league:
        raise ValueError(
            f"opponents: league trains one fighter, got fighters {game.fighters}: "
            "several learners fight each other (any other opponents value)"
        )
    trained = [fighter_policy(learner) for learner in learners]
    seats = dict(zip(learners, trained, strict=True))
    for index, seat in enumerate(others):
        seats[seat] = trained[index % len(trained)]
    return EnvSpec(
        "arenalab/MultiAgentArena-v0",
        "arenalab.envs.arena:MultiAgentArenaEnv",
        env_config,
        policies=trained,
        policies_to_train=trained,
        mapping=SeatPolicies(seats),
        obs_spec=env_config["obs_spec"],
        fighter_of={fighter_policy(str(f)): f for f in game.fighters},
    )
