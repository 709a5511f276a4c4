"""Pac-Man's configuration: the experiment's ``game`` group plus the shared settings."""

from __future__ import annotations

from typing import Literal

from arenalab.envs.settings import EnvSettings
from pydantic import Field, model_validator

MIN_GRID = 5
MAX_GRID = 41


def room_cells(grid_size: int) -> int:
    """Junction cells of a ``grid_size`` maze: walls sit on every even row and column."""
    return ((grid_size - 1) // 2) ** 2


def min_grid_for(count: int) -> int:
    """Smallest maze side that leaves room for ``count`` ghosts (or power pellets)."""
    grid = MIN_GRID
    while room_cells(grid) // 4 < count:
        grid += 1
    return grid


class PacManConfig(EnvSettings):
    """Validated Pac-Man parameters (seed 004's ``game`` group, plus max_steps and visuals).

    Ghosts and power pellets each may take at most a quarter of the maze's junction
    cells, so a small maze never becomes a room full of ghosts.
    """

    grid_size: int = Field(
        10, ge=MIN_GRID, le=MAX_GRID, description="Maze side in cells, outer walls included."
    )
    num_ghosts: int = Field(2, ge=0, le=8, description="Ghosts in the maze.")
    power_pellets: int = Field(2, ge=0, le=8, description="Pellets that make ghosts edible.")
    lives: int = Field(3, ge=1, le=9, description="Deaths before the episode ends.")
    pellet_density: float = Field(
        0.7, ge=0.0, le=1.0, description="Fraction of open cells that start with a pellet."
    )
    observation: Literal["planes", "egocentric", "image", "features"] = Field(
        "planes",
        description="What the single-agent learner sees: planes (pacman-obs-v1), egocentric, "
        "image or features (pacman-obs-v2-*); see arenalab.envs.pacman.views.",
    )

    @model_validator(mode="after")
    def _fits_in_maze(self) -> PacManConfig:
        capacity = room_cells(self.grid_size) // 4
        for name in ("num_ghosts", "power_pellets"):
            count = getattr(self, name)
            if count > capacity:
                raise ValueError(
                    f"grid_size={self.grid_size} is too small for {name}={count}: at most "
                    f"{capacity} fit, use grid_size >= {min_grid_for(count)} or fewer {name}"
                )
        return self
