"""The experiment: seed 004's 20 parameters in 4 groups, plus what a run needs to start.

Every field carries its type, range, default, unit and a description, because the
same model feeds the YAML loader, the CLI, the lab API's form schema and the
RLlib mapping (docs/architecture.md 4.4). The ``environment`` field picks the ``game`` group's
schema: Pac-Man's five seed parameters, or the arena's fighters and opponents.
Unknown keys are rejected everywhere (``extra="forbid"``) so a typo never falls back
silently to a default.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


def param(default: Any, unit: str, description: str, **limits: Any) -> Any:
    """A field with its unit stored where JSON schema (and so the lab's form) can see it."""
    return Field(default, description=description, json_schema_extra={"unit": unit}, **limits)


class Group(BaseModel):
    """A parameter group: strict about keys, lenient about the seed's 0/1 flags."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Algorithm(StrEnum):
    """RLlib 2.60 new-API-stack algorithms arenalab trains with (A2C, TD3: arenalab.algorithms)."""

    PPO = "PPO"
    APPO = "APPO"
    IMPALA = "IMPALA"
    DQN = "DQN"
    SAC = "SAC"
    TQC = "TQC"
    A2C = "A2C"
    TD3 = "TD3"


class Environment(StrEnum):
    """Games an experiment can train in; each selects its own ``game`` group."""

    PACMAN = "pacman"
    MULTIAGENT_PACMAN = "multiagent-pacman"
    ARENA = "arena"


class TrainingParams(Group):
    """How fast and how long to learn (seed 004 group ``training``)."""

    learning_rate: float = param(1e-3, "1/step", "Optimizer step size.", gt=0.0, le=1.0)
    gamma: float = param(0.99, "", "Discount factor for future rewards.", ge=0.0, le=1.0)
    episodes: int = param(
        1000, "episodes", "Stop after this many finished training episodes.", ge=1, le=10_000_000
    )
    env_steps: int | None = param(
        None,
        "steps",
        "Optional budget in sampled env steps; the run stops at whichever of episodes and "
        "env_steps comes first.",
        ge=1,
        le=10_000_000_000,
    )
    batch_size: int = param(
        64, "transitions", "Transitions per gradient step (minibatch).", ge=1, le=65_536
    )
    buffer_size: int = param(
        10_000,
        "transitions",
        "Replay buffer capacity (off-policy) or rollout size per update (PPO).",
        ge=1,
        le=10_000_000,
    )


class PacManGame(Group):
    """Pac-Man's world (seed 004 group ``game``); ``arenalab.envs.pacman`` re-validates it."""

    kind: Literal["pacman"] = Field("pacman", description="Which game schema this is.")
    grid_size: int = param(10, "cells", "Maze side, outer walls included.", ge=5, le=41)
    num_ghosts: int = param(2, "ghosts", "Ghosts in the maze.", ge=0, le=8)
    power_pellets: int = param(2, "pellets", "Pellets that make ghosts edible.", ge=0, le=8)
    lives: int = param(3, "lives", "Deaths before the episode ends.", ge=1, le=9)
    pellet_density: float = param(
        0.7, "fraction", "Fraction of open cells that start with a pellet.", ge=0.0, le=1.0
    )
    max_steps: int = param(500, "steps", "Steps after which an episode is truncated.", ge=1)
    observation: Literal["planes", "egocentric", "image", "features"] = param(
        "planes",
        "",
        "What the learner sees: planes (pacman-obs-v1, the whole maze), egocentric (a window "
        "centred on Pac-Man), image (that window as a CNN input) or features (per-move "
        "distances to food and ghosts); the multi-agent game observes planes only.",
    )

    @model_validator(mode="after")
    def _fits_in_maze(self) -> PacManGame:
        """Let the env's own config judge cross-field limits (ghosts per maze size) now."""
        from arenalab.envs.pacman.config import PacManConfig

        try:
            PacManConfig.model_validate(self.model_dump(exclude={"kind"}))
        except ValidationError as exc:
            raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
        return self


class ArenaGame(Group):
    """The fighting arena (seed 000): who fights, who learns, and against whom.

    The first ``len(fighters)`` seats are learners, one policy each (or one anonymous
    learner when ``fighters`` is empty); the other seats are ``opponents``.
    """

    kind: Literal["arena"] = Field("arena", description="Which game schema this is.")
    num_fighters: int = param(2, "fighters", "Fighters in each battle.", ge=2, le=8)
    arena_size: float = param(20.0, "units", "Side of the square arena.", ge=5.0, le=200.0)
    fighters: list[int] = param(
        [], "ids", "Registry fighter ids that learn (one policy each); empty: one anonymous."
    )
    opponents: Literal["heuristic", "random", "mixed", "league"] = param(
        "heuristic",
        "",
        "Who fills the other seats: a scripted policy, mixed (heuristic or random, drawn "
        "per episode), or the self-play league (frozen past versions plus the heuristic).",
    )
    max_steps: int = param(500, "steps", "Steps after which a battle is truncated.", ge=1)
    action_set: Literal["continuous", "discrete"] = param(
        "continuous",
        "",
        "What learners act with: the game's 4-vector (continuous; SAC, TQC, TD3) or an index "
        "into the table of 27 move x button combos (discrete; PPO, DQN, ...), served as the "
        "4-vector either way (arenalab.envs.arena.actions).",
    )

    @model_validator(mode="after")
    def _seats(self) -> ArenaGame:
        if len(self.fighters) > self.num_fighters:
            raise ValueError(
                f"game.fighters lists {len(self.fighters)} learners but "
                f"game.num_fighters={self.num_fighters}"
            )
        if len(set(self.fighters)) != len(self.fighters):
            raise ValueError(f"game.fighters has duplicates: {self.fighters}")
        return self


class IntelligenceParams(Group):
    """How the agent explores and when it updates (seed 004 group ``intelligence``)."""

    exploration_rate: float = param(
        0.1,
        "fraction",
        "Final epsilon (DQN), entropy bonus (PPO/APPO/IMPALA/A2C), initial entropy "
        "temperature (SAC/TQC) or action noise std (TD3).",
        ge=0.0,
        le=1.0,
    )
    target_update: int = param(
        100, "steps", "How often the target network is refreshed.", ge=1, le=1_000_000
    )
    learning_starts: int = param(
        1000, "steps", "Env steps collected before the first update.", ge=0, le=10_000_000
    )
    train_freq: int = param(4, "steps", "Env steps per gradient update.", ge=1, le=10_000)


class VisualizationParams(Group):
    """How games are rendered for people; no effect on learning (seed 004 ``visualization``)."""

    fps: int = param(10, "frames/s", "Playback rate of rendered episodes.", ge=1, le=120)
    render_scale: int = param(
        50, "pixels", "Pixels per maze cell (Pac-Man) or arena unit.", ge=2, le=128
    )
    show_grid: bool = param(True, "flag", "Draw the cell grid (0/1 accepted).")
    show_stats: bool = param(True, "flag", "Draw score, lives and health (0/1 accepted).")
    highlight_path: bool = param(False, "flag", "Draw the planned path or trails (0/1 accepted).")


class Resources(Group):
    """Parallelism as a setting: how many env runners and learners, with what resources."""

    num_env_runners: int = param(1, "actors", "Sampling actors (0: sample in the driver).", ge=0)
    num_envs_per_env_runner: Annotated[int, Field(ge=1)] | Literal["auto"] = param(
        1,
        "envs",
        "Vectorized envs in each runner; auto: 4 for on-policy algorithms (PPO, APPO, IMPALA, "
        "A2C; one batched forward pass steps 4 games), 1 for replay-based ones (DQN, SAC, TD3, "
        "TQC; their update-to-data ratio is tuned per single step).",
    )
    num_learners: int = param(0, "actors", "Learner actors (0: learn in the driver).", ge=0)
    num_cpus_per_env_runner: float = param(1.0, "CPUs", "CPUs reserved per runner.", ge=0.0)
    num_gpus_per_learner: float = param(0.0, "GPUs", "GPUs per learner.", ge=0.0)
    restart_env_runners: bool = param(
        False,
        "flag",
        "Restart an env runner that died, as on a cluster that loses nodes (0/1 accepted).",
    )


class RunParams(Group):
    """Run plumbing outside the seed's groups: network, checkpoints and evaluation."""

    hidden_sizes: list[Annotated[int, Field(ge=1)]] = param(
        [64, 64], "units", "Hidden layer sizes of the policy and value networks."
    )
    conv_filters: (
        list[Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=3, max_length=3)]] | None
    ) = param(
        None,
        "[channels, kernel, stride]",
        "CNN layers for image observations (RLlib's conv_filters); None: arenalab's default "
        "for the image size.",
    )
    checkpoint_every: int = param(10, "iterations", "Checkpoint every K iterations.", ge=1)
    max_iterations: int | None = param(
        None, "iterations", "Optional cap besides training.episodes.", ge=1
    )
    evaluation_episodes: int = param(
        100,
        "episodes",
        "Seeded episodes (seeds 10000..) scoring the final model; >= 100 to compete for best.",
        ge=1,
        le=10_000,
    )
    evaluation_every: int | None = param(
        10,
        "iterations",
        "Score the policy greedily every K iterations (None: only at the end).",
        ge=1,
    )
    periodic_evaluation_episodes: int = param(
        20, "episodes", "Seeded episodes of each periodic evaluation.", ge=1, le=10_000
    )


GameParams = Annotated[PacManGame | ArenaGame, Field(discriminator="kind")]

GAME_KINDS = {
    Environment.PACMAN: "pacman",
    Environment.MULTIAGENT_PACMAN: "pacman",
    Environment.ARENA: "arena",
}
ACTION_SPACES = {
    Environment.PACMAN: "Discrete(5)",
    Environment.MULTIAGENT_PACMAN: "Discrete(5)",
    Environment.ARENA: "Box(-1, 1, (4,))",
}
ARENA_DISCRETE_SPACE = "Discrete(27)"
"""The arena under ``game.action_set: discrete`` (arenalab.envs.arena.actions)."""
SPACE_NEEDED = {
    Algorithm.DQN: "Discrete",
    Algorithm.SAC: "Box",
    Algorithm.TQC: "Box",
    Algorithm.TD3: "Box",
}


class Experiment(BaseModel):
    """A complete, validated experiment: what to train, where, how, and with what budget."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str = Field(
        "experiment",
        min_length=1,
        max_length=200,
        pattern=r"^[\w][\w .-]*$",
        description="Human name; also names the run folder.",
    )
    description: str = Field("", description="What the experiment is for.")
    tags: list[str] = Field([], description="Free labels for filtering.")
    preset: str | None = Field(None, description="Preset the values started from, if any.")
    algorithm: Algorithm = Field(Algorithm.PPO, description="RLlib algorithm.")
    environment: Environment = Field(Environment.PACMAN, description="Game to train in.")
    seed: int = Field(0, ge=0, description="Seeds RLlib, the envs and the evaluation.")
    training: TrainingParams = Field(default_factory=TrainingParams)
    game: GameParams = Field(default_factory=PacManGame)
    intelligence: IntelligenceParams = Field(default_factory=IntelligenceParams)
    visualization: VisualizationParams = Field(default_factory=VisualizationParams)
    resources: Resources = Field(default_factory=Resources)
    run: RunParams = Field(default_factory=RunParams)
    rllib: dict[str, Any] = Field(
        {},
        description="Extra AlgorithmConfig.training() keywords applied last (e.g. num_epochs); "
        "RLlib rejects unknown ones.",
    )

    @model_validator(mode="before")
    @classmethod
    def _game_kind(cls, data: Any) -> Any:
        """Let users omit ``game.kind``: the environment decides which game schema applies."""
        if not isinstance(data, dict):
            return data
        kind = GAME_KINDS.get(data.get("environment", Environment.PACMAN))
        game = data.get("game", {})
        if kind and isinstance(game, dict) and "kind" not in game:
            return {**data, "game": {"kind": kind, **game}}
        return data

    @model_validator(mode="after")
    def _game_matches_environment(self) -> Experiment:
        expected = GAME_KINDS[self.environment]
        if self.game.kind != expected:
            raise ValueError(
                f"environment={self.environment.value} needs game.kind={expected}, "
                f"got game.kind={self.game.kind}"
            )
        space, needed = ACTION_SPACES[self.environment], SPACE_NEEDED.get(self.algorithm)
        arena_set = getattr(self.game, "action_set", None)
        if arena_set == "discrete":
            space = ARENA_DISCRETE_SPACE
        if needed and not space.startswith(needed):
            fits = [env.value for env, other in ACTION_SPACES.items() if other.startswith(needed)]
            where, fix = f"environment={self.environment.value}", f"environment={' or '.join(fits)}"
            if arena_set:
                where += f" with game.action_set={arena_set}"
                fix += f" or game.action_set: {needed.lower().replace('box', 'continuous')}"
            raise ValueError(
                f"algorithm={self.algorithm.value} needs {needed} actions but {where} has {space}; "
                f"use {fix}"
            )
        if (
            self.environment is Environment.MULTIAGENT_PACMAN
            and getattr(self.game, "observation", "planes") != "planes"
        ):
            raise ValueError(
                "environment=multiagent-pacman observes pacman-obs-v1 only: "
                "game.observation must be planes"
            )
        return self

    @property
    def is_multi_agent(self) -> bool:
        """Whether RLlib sees a MultiAgentEnv (several learners; a league is one learner)."""
        if self.environment is Environment.MULTIAGENT_PACMAN:
            return True
        if isinstance(self.game, ArenaGame):
            return len(self.game.fighters) > 1
        return False

    def parameters(self) -> dict[str, Any]:
        """The grouped parameters as plain JSON (what the registry's experiment row stores)."""
        return self.model_dump(
            mode="json",
            include={
                "seed",
                "training",
                "game",
                "intelligence",
                "visualization",
                "resources",
                "run",
            }
            | ({"rllib"} if self.rllib else set()),
        )
