"""A scripted Pac-Man that reads only the observation: greedy pellet-seeking, ghost-avoiding.

Each step it runs a breadth-first search from Pac-Man to the nearest food (pellet, power
pellet or frightened ghost) that never enters a dangerous ghost's cell or a cell next to
one, and takes the first step of that path. With no safe path it steps to the neighbour
farthest from the nearest dangerous ghost.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from arenalab.envs.pacman.maze import ACTION_DELTAS
from arenalab.envs.pacman.observation import PLANES, SCALARS


def grid_size_of(obs: np.ndarray) -> int:
    """Recover the maze side from the length of a Pac-Man observation."""
    cells = (len(obs) - len(SCALARS)) / len(PLANES)
    size = math.isqrt(int(cells))
    if size * size != cells:
        raise ValueError(f"obs of length {len(obs)} is not a Pac-Man observation")
    return size


class PacManHeuristic:
    """Callable policy ``obs -> action`` for any maze size."""

    def __call__(self, obs: np.ndarray) -> int:
        """Pick the first move of a safe shortest path to food, else flee."""
        size = grid_size_of(obs)
        cells = size * size
        planes = np.asarray(obs[: len(PLANES) * cells]).reshape(len(PLANES), cells)
        walls = planes[PLANES.index("walls")] > 0
        food = (
            (planes[PLANES.index("pellets")] > 0)
            | (planes[PLANES.index("power_pellets")] > 0)
            | (planes[PLANES.index("frightened_ghosts")] > 0)
        )
        ghosts = [int(c) for c in np.flatnonzero(planes[PLANES.index("ghosts")] > 0)]
        start = int(np.argmax(planes[PLANES.index("pacman")]))
        steps = [dr * size + dc for dr, dc in ACTION_DELTAS]

        def exits(cell: int) -> list[tuple[int, int]]:
            return [(a, cell + steps[a]) for a in range(1, 5) if not walls[cell + steps[a]]]

        unsafe = set(ghosts)
        for ghost in ghosts:
            unsafe.update(nxt for _, nxt in exits(ghost))
        first_move = {start: 0}
        queue = deque([start])
        while queue:
            cell = queue.popleft()
            if food[cell] and cell != start:
                return first_move[cell]
            for action, nxt in exits(cell):
                if nxt not in first_move and nxt not in unsafe:
                    first_move[nxt] = first_move[cell] or action
                    queue.append(nxt)
        return self._flee(start, exits(start), ghosts, unsafe, size)

    @staticmethod
    def _flee(
        start: int, options: list[tuple[int, int]], ghosts: list[int], unsafe: set[int], size: int
    ) -> int:
        def score(option: tuple[int, int]) -> tuple[bool, int]:
            cell = option[1]
            far = min(
                (abs(cell // size - g // size) + abs(cell % size - g % size) for g in ghosts),
                default=0,
            )
            return cell not in unsafe, far

        return max([(0, start), *options], key=score)[0]
