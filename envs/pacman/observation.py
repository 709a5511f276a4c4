"""Pac-Man's observation layout: flat ``float32`` planes plus a few scalars.

The vector is ``len(PLANES)`` row-major ``grid_size x grid_size`` planes followed by
``len(SCALARS)`` scalars, so an MLP reads it as is and a CNN can reshape the first
``len(PLANES) * grid_size**2`` values to ``(planes, grid, grid)``. Pac-Man and the ghosts
share the layout; the ``self`` plane and ``is_ghost`` scalar say who is looking.

=====================  ======================================================  ===========
Block                  Meaning                                                 Range
=====================  ======================================================  ===========
``walls``              1 where a wall is                                       {0, 1}
``pellets``            1 where a pellet is                                     {0, 1}
``power_pellets``      1 where a power pellet is                               {0, 1}
``pacman``             1 at Pac-Man's cell                                     {0, 1}
``ghosts``             number of dangerous ghosts on the cell                  0..ghosts
``frightened_ghosts``  number of edible (frightened) ghosts on the cell         0..ghosts
``self``               1 at the observing agent's cell                         {0, 1}
``lives_left``         lives remaining / starting lives                        [0, 1]
``frightened_left``    power-pellet steps remaining / their duration           [0, 1]
``time``               steps taken / max_steps                                 [0, 1]
``is_ghost``           1 for a ghost agent, 0 for Pac-Man                      {0, 1}
=====================  ======================================================  ===========
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

PLANES: tuple[str, ...] = (
    "walls",
    "pellets",
    "power_pellets",
    "pacman",
    "ghosts",
    "frightened_ghosts",
    "self",
)
SCALARS: tuple[str, ...] = ("lives_left", "frightened_left", "time", "is_ghost")
ACTIONS: tuple[str, ...] = ("stay", "up", "down", "left", "right")
OBS_VERSION = "pacman-obs-v1"


@dataclass(frozen=True)
class PacManObsLayout:
    """Offsets of each block in the flat observation for one maze size."""

    grid_size: int

    @property
    def cells(self) -> int:
        """Cells in one plane."""
        return self.grid_size * self.grid_size

    @property
    def size(self) -> int:
        """Length of the whole vector."""
        return len(PLANES) * self.cells + len(SCALARS)

    @property
    def scalars(self) -> int:
        """Offset of the first scalar."""
        return len(PLANES) * self.cells

    def plane(self, name: str) -> int:
        """Offset of plane ``name``; add a flat cell index to address one cell."""
        return PLANES.index(name) * self.cells

    def space(self, num_ghosts: int) -> spaces.Box:
        """The Box every agent observes; ghost planes can hold up to ``num_ghosts``."""
        high = np.ones(self.size, dtype=np.float32)
        for name in ("ghosts", "frightened_ghosts"):
            start = self.plane(name)
            high[start : start + self.cells] = max(1, num_ghosts)
        return spaces.Box(np.zeros(self.size, dtype=np.float32), high, dtype=np.float32)

    def describe(self) -> dict[str, Any]:
        """JSON description for ``arenalab envs spec pacman`` and client-side tooling."""
        return {
            "version": OBS_VERSION,
            "dtype": "float32",
            "length": self.size,
            "grid_size": self.grid_size,
            "planes": [
                {"name": name, "offset": self.plane(name), "shape": [self.grid_size] * 2}
                for name in PLANES
            ],
            "scalars": [
                {"name": name, "offset": self.scalars + i} for i, name in enumerate(SCALARS)
            ],
            "actions": {"type": "Discrete", "n": len(ACTIONS), "meanings": list(ACTIONS)},
        }
