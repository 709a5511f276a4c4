"""Published layouts of each game's observations and actions, as JSON-ready dicts.

The arena's layouts are fixed, versioned contracts with the browser game: "arena" is the
current one (``arena-obs-v2``) and each published version can be asked for by name
(``arena-obs-v1``). Pac-Man's layout depends on the maze size, so it is described for a
given ``grid_size``.
"""

from __future__ import annotations

from typing import Any

from arenalab.envs.arena.spec import LAYOUTS as ARENA_LAYOUTS
from arenalab.envs.arena.spec import spec_json as arena_spec
from arenalab.envs.pacman.config import PacManConfig
from arenalab.envs.pacman.observation import PacManObsLayout

GAMES = ("arena", *ARENA_LAYOUTS, "pacman")


def describe_spec(game: str, grid_size: int | None = None) -> dict[str, Any]:
    """The observation/action spec of ``game`` ("arena", an arena version, or "pacman").

    Raises:
        ValueError: for an unknown game, or a ``grid_size`` Pac-Man does not accept.
    """
    if game == "arena":
        return arena_spec()
    if game in ARENA_LAYOUTS:
        return arena_spec(game)
    if game == "pacman":
        size = PacManConfig(grid_size=grid_size or 10, num_ghosts=0, power_pellets=0).grid_size
        return PacManObsLayout(size).describe()
    raise ValueError(f"game must be one of {list(GAMES)}, got {game!r}")
