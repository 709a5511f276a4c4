"""Bodies of the lab API (seed 004, ``/api/v1``): what its frontend sends and receives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from arenalab.bounds import Float32, Int64, RowId
from arenalab.serving.lab.env_host import MAX_SEED
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


class PlayIn(BaseModel):
    """A registered model to play a live environment, greedy as ``/act`` serves it."""

    model_config = ConfigDict(extra="forbid")

    model_id: RowId = Field(description="A registered model (GET /api/fighters/{id}/models).")
    episodes: int = Field(1, ge=1, le=1000, description="Episodes to play, then stop.")
    fps: float | None = Field(
        None, gt=0, le=1000, description="Steps per second (default: the env's fps)."
    )
    seed: Seed | None = Field(None, description="Seeds the resets: seed, seed + 1, ...")


class StepIn(BaseModel):
    """One action: an int (Discrete), a list of floats (Box), or a dict per agent."""

    model_config = ConfigDict(extra="forbid")

    action: Int64 | list[Float32] | dict[str, Int64 | list[Float32]]
