"""Seeded procedural mazes for Pac-Man: always connected, no dead ends, cheap to query.

The maze is carved as a random spanning tree over the "room" cells (odd row and odd
column), which guarantees that every open cell is reachable, then braided: every dead end
gets one extra opening, so there are loops to escape ghosts through, as in the arcade
maze. With an even ``grid_size`` the last inner row and column copy their neighbours,
which keeps the maze connected and uses the whole board.

Cells are addressed by flat index ``row * size + col``; moves and shortest-path distances
are precomputed tables so the simulation never does geometry on the hot path.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

# Discrete actions shared by Pac-Man and the ghosts: stay, up, down, left, right.
ACTION_DELTAS: tuple[tuple[int, int], ...] = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))
REVERSE: tuple[int, ...] = (0, 2, 1, 4, 3)
UNREACHABLE = 1 << 20


@dataclass
class Maze:
    """An immutable maze plus lookup tables derived from it.

    Attributes:
        size: side length in cells.
        walls: boolean ``(size, size)`` array, True where a wall is.
        open_cells: flat indices of every open cell, in row-major order.
        moves: ``moves[action][cell]`` is the cell reached; a blocked move stays put.
        exits: ``exits[cell]`` lists the ``(action, next_cell)`` pairs that are not blocked.
    """

    size: int
    walls: np.ndarray
    open_cells: list[int]
    moves: list[list[int]]
    exits: list[list[tuple[int, int]]]
    _distances: dict[int, list[int]] = field(default_factory=dict, repr=False)
    _arrays: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def generate(cls, size: int, rng: np.random.Generator) -> Maze:
        """Carve a connected, braided maze of side ``size`` from ``rng``."""
        wall = [True] * (size * size)
        draws = iter(rng.random(2 + 2 * size * size).tolist())  # more than carving needs
        rooms = range(1, size - 1, 2)
        start = rooms[int(next(draws) * len(rooms))] * size + rooms[int(next(draws) * len(rooms))]
        wall[start] = False
        stack = [start]
        while stack:  # iterative randomized depth-first search over rooms
            cell = stack[-1]
            row, col = divmod(cell, size)
            options = [
                step
                for step, inside in (
                    (-size, row > 2),
                    (size, row + 2 < size - 1),
                    (-1, col > 2),
                    (1, col + 2 < size - 1),
                )
                if inside and wall[cell + 2 * step]
            ]
            if not options:
                stack.pop()
                continue
            step = options[int(next(draws) * len(options))]
            wall[cell + step] = wall[cell + 2 * step] = False
            stack.append(cell + 2 * step)
        if size % 2 == 0:
            last, before = (size - 2) * size, (size - 3) * size
            wall[last : last + size] = wall[before : before + size]
            for row in range(size):
                wall[row * size + size - 2] = wall[row * size + size - 3]
        _braid(wall, size, draws)
        return cls.from_walls(np.array(wall, dtype=bool).reshape(size, size))

    @classmethod
    def from_walls(cls, walls: np.ndarray) -> Maze:
        """Build the lookup tables for a given wall layout (used by tests and generate)."""
        size = walls.shape[0]
        is_open = (~walls).reshape(-1).tolist()
        open_cells = [cell for cell, free in enumerate(is_open) if free]
        moves: list[list[int]] = []
        for dr, dc in ACTION_DELTAS:
            table = list(range(size * size))
            delta = dr * size + dc
            for cell in open_cells:
                if is_open[cell + delta]:
                    table[cell] = cell + delta
            moves.append(table)
        exits = [
            [(a, moves[a][cell]) for a in range(1, 5) if moves[a][cell] != cell]
            for cell in range(size * size)
        ]
        return cls(size=size, walls=walls, open_cells=open_cells, moves=moves, exits=exits)

    def distances(self, target: int) -> list[int]:
        """Shortest-path steps from every cell to ``target`` (cached per target, BFS once)."""
        cached = self._distances.get(target)
        if cached is not None:
            return cached
        dist = [UNREACHABLE] * (self.size * self.size)
        dist[target] = 0
        queue = deque([target])
        while queue:
            cell = queue.popleft()
            step = dist[cell] + 1
            for _, nxt in self.exits[cell]:
                if dist[nxt] == UNREACHABLE:
                    dist[nxt] = step
                    queue.append(nxt)
        self._distances[target] = dist
        return dist

    def distance_array(self, target: int) -> np.ndarray:
        """:meth:`distances` as a read-only float array (cached: views read it every step)."""
        cached = self._arrays.get(target)
        if cached is None:
            cached = np.asarray(self.distances(target), dtype=np.float64)
            cached.flags.writeable = False
            self._arrays[target] = cached
        return cached

    def nearest_open(self, row: int, col: int) -> int:
        """The open cell closest (Euclidean) to a possibly walled position, e.g. a corner."""
        return min(
            self.open_cells,
            key=lambda c: (c // self.size - row) ** 2 + (c % self.size - col) ** 2,
        )


def _braid(wall: list[bool], size: int, draws: Iterator[float]) -> None:
    """Open one wall next to every dead end so that the maze has loops and no cul-de-sacs.

    The opened wall is one with an open cell right behind it, so the dead end joins a
    corridor instead of growing a new stub.
    """
    for row in range(1, size - 1):
        for col in range(1, size - 1):
            cell = row * size + col
            if wall[cell]:
                continue
            around = ((-size, row - 2), (size, row + 2), (-1, col - 2), (1, col + 2))
            if sum(not wall[cell + step] for step, _ in around) != 1:
                continue
            closed = [
                step
                for step, beyond in around
                if wall[cell + step] and 0 < beyond < size - 1 and not wall[cell + 2 * step]
            ]
            if closed:
                wall[cell + closed[int(next(draws) * len(closed))]] = False
