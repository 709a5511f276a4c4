"""Bodies of the lab API (seed 004, ``/api/v1``): what its frontend sends and receives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from arenalab.env_host import MAX_SEED
from arenalab.serving.limits import Float32, Int64
from pydantic import BaseModel, ConfigDict, Field

Seed = Annotated[int, Field(ge=0, le=MAX_SEED, description="A random seed (numpy's range).")]


class ExperimentIn(BaseModel):
    """Seed 004's experiment body: identity, an optional preset, and the grouped parameters.

    ``parameters`` holds the groups (training, game, intelligence, visualization, plus
    arenalab's resources and run); anything omitted comes from the preset, then defaults.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = "experiment"
    description: str = ""
    tags: list[str] = []
    preset: str | None = None
    algorithm: str | None = None
    environment: str | None = None
    seed: Seed | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)


class ExperimentOut(BaseModel):
    """A stored experiment with every parameter resolved."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    tags: list[str]
    preset: str | None
    algorithm: str
    environment: str
    parameters: dict[str, Any]
    warnings: list[str] = []
    created_at: datetime
    updated_at: datetime


class EnvironmentIn(BaseModel):
    """An environment to create: a catalogue name and its game/visualization parameters."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("arenalab/PacMan-v0", description="A name from GET /environments.")
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Game parameters (e.g. grid_size, num_ghosts) and visualization ones.",
    )
    seed: Seed | None = None


class ResetIn(BaseModel):
    """Start a new episode, optionally seeded."""

    model_config = ConfigDict(extra="forbid")

    seed: Seed | None = None


class StepIn(BaseModel):
    """One action: an int (Discrete), a list of floats (Box), or a dict per agent."""

    model_config = ConfigDict(extra="forbid")

    action: Int64 | list[Float32] | dict[str, Int64 | list[Float32]]
