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

    @classmethod
    def generate(cls, size: int, rng: np.random.Generator) -> Maze:
        """Carve a connected, braided maze of side ``size`` from ``rng``."""
        walls = np.ones((size, size), dtype=bool)
        rooms = range(1, size - 1, 2)
        start = (int(rng.choice(rooms)), int(rng.choice(rooms)))
        walls[start] = False
        stack = [start]
        while stack:  # iterative randomized depth-first search over rooms
            row, col = stack[-1]
            unvisited = [
                (dr, dc)
                for dr, dc in ((-2, 0), (2, 0), (0, -2), (0, 2))
                if 0 < row + dr < size - 1 and 0 < col + dc < size - 1 and walls[row + dr, col + dc]
            ]
            if not unvisited:
                stack.pop()
                continue
            dr, dc = unvisited[rng.integers(len(unvisited))]
            walls[row + dr // 2, col + dc // 2] = False
            walls[row + dr, col + dc] = False
            stack.append((row + dr, col + dc))
        if size % 2 == 0:
            walls[size - 2, :] = walls[size - 3, :]
            walls[:, size - 2] = walls[:, size - 3]
        _braid(walls, rng)
        return cls.from_walls(walls)

    @classmethod
    def from_walls(cls, walls: np.ndarray) -> Maze:
        """Build the lookup tables for a given wall layout (used by tests and generate)."""
        size = walls.shape[0]
        flat_open = ~walls.reshape(-1)
        open_cells = [int(i) for i in np.flatnonzero(flat_open)]
        moves: list[list[int]] = []
        for dr, dc in ACTION_DELTAS:
            table = list(range(size * size))
            for cell in open_cells:
                target = (cell // size + dr) * size + cell % size + dc
                if flat_open[target]:
                    table[cell] = target
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

    def nearest_open(self, row: int, col: int) -> int:
        """The open cell closest (Euclidean) to a possibly walled position, e.g. a corner."""
        return min(
            self.open_cells,
            key=lambda c: (c // self.size - row) ** 2 + (c % self.size - col) ** 2,
        )


def _braid(walls: np.ndarray, rng: np.random.Generator) -> None:
    """Open one wall next to every dead end so that the maze has loops and no cul-de-sacs.

    The opened wall is one with an open cell right behind it, so the dead end joins a
    corridor instead of growing a new stub.
    """
    size = walls.shape[0]
    steps = ((-1, 0), (1, 0), (0, -1), (0, 1))
    for row in range(1, size - 1):
        for col in range(1, size - 1):
            if walls[row, col] or sum(not walls[row + dr, col + dc] for dr, dc in steps) != 1:
                continue
            closed = [
                (row + dr, col + dc)
                for dr, dc in steps
                if walls[row + dr, col + dc]
                and 0 < row + 2 * dr < size - 1
                and 0 < col + 2 * dc < size - 1
                and not walls[row + 2 * dr, col + 2 * dc]
            ]
            if closed:
                walls[closed[rng.integers(len(closed))]] = False
