"""The arena's configuration: fighters (ids, size, speed), arena size, opponents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from arenalab.envs.arena.actions import CONTINUOUS, ActionSet
from arenalab.envs.arena.spec import (
    MAX_FIGHTERS,
    OBS_SPEC_V1,
    OBS_SPEC_V2,
    OBS_SPEC_VERSION,
    SIZE_RANGE,
    SPEED_RANGE,
)
from arenalab.envs.settings import EnvSettings
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MIXED = "mixed"
MIXED_POLICIES = ("heuristic", "random")
"""What ``opponent_policy="mixed"`` draws from, one per episode with equal odds."""
LEAGUE = "league"
LEAGUE_SIZE = 3
"""Frozen past versions of the learner an ``opponent_policy="league"`` arena keeps (the
newest ``LEAGUE_SIZE`` that joined, :meth:`arenalab.envs.arena.env.ArenaEnv.join_league`)."""
LEAGUE_SHARE = 0.25
"""Share of a league arena's episodes played against a member once one joined; the
heuristic and random split the rest evenly (random draws are what teach a fighter to
close in on a wanderer instead of waiting out the clock)."""
OpponentPolicy = Literal["heuristic", "random", "mixed", "league"] | Callable[[Any], Any]


class FighterSpec(BaseModel):
    """One fighter: its id (the agent id) and seed 000's ``metadata_json`` physics."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Agent id; the registry's fighter id works (ints become str).")
    size: float = Field(1.0, ge=SIZE_RANGE[0], le=SIZE_RANGE[1], description="Radius/reach x.")
    speed: float = Field(1.0, ge=SPEED_RANGE[0], le=SPEED_RANGE[1], description="Top speed x.")

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class ArenaConfig(EnvSettings):
    """Validated arena parameters; ``fighters`` defaults to ``fighter_0`` .. of size/speed 1.

    Giving ``fighters`` alone sets ``num_fighters`` to their count. ``learner`` and
    ``opponent_policy`` only matter to the single-agent view: the learner is the fighter
    the agent controls, every other fighter follows ``opponent_policy`` ("heuristic",
    "random", "mixed": one of those two per episode, "league": a frozen past version of
    the learner in ``LEAGUE_SHARE`` of the episodes, otherwise as "mixed", or any
    callable mapping an observation vector to an action).
    ``obs_spec`` chooses the layout every fighter observes: ``arena-obs-v2`` (default)
    or ``arena-obs-v1`` (models and data from before v2). ``action_set`` chooses what
    learners act with: the game's 4-vector (``continuous``) or an index into the table of
    :mod:`arenalab.envs.arena.actions` (``discrete``).
    """

    max_steps: int = Field(600, ge=1, description="Steps (of 0.05 s) before truncation.")
    num_fighters: int = Field(2, ge=2, le=MAX_FIGHTERS, description="Fighters in the arena.")
    fighters: list[FighterSpec] = Field(default_factory=list, description="Per-fighter specs.")
    arena_size: float = Field(20.0, ge=5.0, le=200.0, description="Side of the square arena.")
    learner: str | None = Field(None, description="Single-agent view: the learner's id.")
    opponent_policy: OpponentPolicy = Field("heuristic", description="Single-agent opponents.")
    obs_spec: Literal["arena-obs-v1", "arena-obs-v2"] = Field(
        OBS_SPEC_VERSION, description=f"Observation layout: {OBS_SPEC_V2} or {OBS_SPEC_V1}."
    )
    action_set: ActionSet = Field(
        CONTINUOUS, description="Learners act with the 4-vector or a discrete table index."
    )

    @model_validator(mode="before")
    @classmethod
    def _count_from_fighters(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("fighters") and "num_fighters" not in data:
            return {**data, "num_fighters": len(data["fighters"])}
        return data

    @field_validator("learner", mode="before")
    @classmethod
    def _learner_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _consistent(self) -> ArenaConfig:
        if not self.fighters:
            specs = [FighterSpec(id=f"fighter_{i}") for i in range(self.num_fighters)]
            object.__setattr__(self, "fighters", specs)
        if len(self.fighters) != self.num_fighters:
            raise ValueError(
                f"fighters has {len(self.fighters)} entries but num_fighters={self.num_fighters}"
            )
        ids = [f.id for f in self.fighters]
        if len(set(ids)) != len(ids):
            raise ValueError(f"fighters ids must be unique, got {ids}")
        if self.learner is None:
            object.__setattr__(self, "learner", ids[0])
        elif self.learner not in ids:
            raise ValueError(f"learner must be one of the fighter ids {ids}, got {self.learner!r}")
        return self

    @property
    def fighter_ids(self) -> list[str]:
        """Agent ids in seat order."""
        return [f.id for f in self.fighters]
