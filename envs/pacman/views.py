"""Pac-Man's observation options: what the learner sees, chosen by ``observation`` in the config.

Every option is a versioned layout built from the same game state, so one seeded game
can be scored by a learner on one view and the scripted heuristic on ``pacman-obs-v1``.

``planes`` (``pacman-obs-v1``, the default)
    The whole maze as seven flat planes plus four scalars
    (:mod:`arenalab.envs.pacman.observation`); the multi-agent env always uses it.
``egocentric`` (``pacman-obs-v2-egocentric``)
    A ``(2 * grid_size - 1)`` square window centred on Pac-Man, so the whole maze is in
    view wherever he stands and cells outside the maze read as walls. Five flat planes
    (walls, pellets, power pellets, ghosts, frightened ghosts) then three scalars
    (lives_left, frightened_left, time). An MLP learns position-independent rules from it.
``image`` (``pacman-obs-v2-image``)
    The egocentric window as a channels-last image ``(window, window, 8)``: the five
    planes, then the three scalars broadcast as constant planes. RLlib builds a CNN
    encoder for it (``run.conv_filters``).
``features`` (``pacman-obs-v3-features``)
    43 numbers a small MLP learns from: for each move (up, down, left, right)
    ``FEATURES`` measured from the cell it leads to, then ``SCALARS``, then ``SURVIVAL``:
    for each action (stay, up, down, left, right) the steps Pac-Man can stay uncaught
    if he plays it now, searched on forks of the game against the scripted ghosts
    (:mod:`arenalab.envs.pacman.lookahead`), divided by the horizon. Far targets (food,
    power pellets) are shortest-path steps divided by the number of open cells (1.0:
    none); ghosts are ``1 / (1 + steps)`` (0: none), so one step nearer is a large change
    exactly where it matters. The first 38 numbers are ``pacman-obs-v2-features``
    unchanged, so whatever reads stored v2 frames reads a v3 frame's prefix the same way
    (:data:`FEATURES_V2_LENGTH`).
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
from arenalab.envs.pacman.game import FRIGHTENED_STEPS, POWER, PacManGame
from arenalab.envs.pacman.lookahead import HORIZON, survival
from arenalab.envs.pacman.maze import UNREACHABLE
from arenalab.envs.pacman.observation import PacManObsLayout
from gymnasium import spaces

OBSERVATIONS: dict[str, str] = {
    "planes": "pacman-obs-v1",
    "egocentric": "pacman-obs-v2-egocentric",
    "image": "pacman-obs-v2-image",
    "features": "pacman-obs-v3-features",
}
"""Observation option -> the published version of its layout."""

WINDOW_PLANES: tuple[str, ...] = (
    "walls",
    "pellets",
    "power_pellets",
    "ghosts",
    "frightened_ghosts",
)
WINDOW_SCALARS: tuple[str, ...] = ("lives_left", "frightened_left", "time")
MOVES: tuple[str, ...] = ("up", "down", "left", "right")
FEATURES: tuple[str, ...] = (
    "open",  # 1 if the move is not into a wall
    "food",  # distance to the nearest pellet or power pellet
    "safe_food",  # same, never entering a dangerous ghost's cell or its neighbours
    "safe_food_best",  # 1 if this move starts a shortest safe path to food
    "ghost_near",  # 1 / (1 + distance) to the nearest dangerous ghost; 0: none
    "danger",  # 1 if a dangerous ghost is on or next to the cell the move leads to
    "frightened_near",  # 1 / (1 + distance) to the nearest edible ghost; 0: none
    "escape",  # fraction of open cells reached before every dangerous ghost
)
SCALARS: tuple[str, ...] = (
    "lives_left",
    "frightened_left",
    "time",
    "pellets_left",
    "ghost_here",  # 1 / (1 + distance) from Pac-Man's own cell to the nearest dangerous ghost
    "power_pellet",  # distance from Pac-Man's cell to the nearest power pellet
)
SURVIVAL: tuple[str, ...] = tuple(f"survive_{action}" for action in ("stay", *MOVES))
"""Steps survivable after each action / ``HORIZON``; 1.0: safe for the whole horizon."""
FEATURES_V2_LENGTH = len(MOVES) * len(FEATURES) + len(SCALARS)
"""Length of a ``pacman-obs-v2-features`` frame: a v3 frame starts with one."""


def observation_version(option: str) -> str:
    """The published layout version of an observation option."""
    return OBSERVATIONS[option]


def window_side(grid_size: int) -> int:
    """Side of the egocentric window: the whole maze is visible from any cell."""
    return 2 * grid_size - 1


def observation_space(option: str, grid_size: int, num_ghosts: int) -> spaces.Box:
    """The Box the single-agent env exposes for ``option``."""
    if option == "planes":
        return PacManObsLayout(grid_size).space(num_ghosts)
    ghosts = float(max(1, num_ghosts))
    if option == "features":
        size = FEATURES_V2_LENGTH + len(SURVIVAL)
        return spaces.Box(0.0, 1.0, (size,), dtype=np.float32)
    side = window_side(grid_size)
    high = np.ones((side, side, len(WINDOW_PLANES) + len(WINDOW_SCALARS)), dtype=np.float32)
    high[:, :, 3:5] = ghosts
    if option == "image":
        return spaces.Box(np.zeros_like(high), high, dtype=np.float32)
    planes = np.moveaxis(high[:, :, : len(WINDOW_PLANES)], -1, 0).reshape(-1)
    flat = np.concatenate([planes, np.ones(len(WINDOW_SCALARS), dtype=np.float32)])
    return spaces.Box(np.zeros_like(flat), flat, dtype=np.float32)


def observe(option: str, game: PacManGame) -> np.ndarray:
    """Pac-Man's observation of ``game`` in layout ``option`` (a fresh float32 array)."""
    if option == "planes":
        return game.observation(0)
    if option == "features":
        return features(game)
    window = egocentric_window(game)
    if option == "image":
        return window
    planes = np.moveaxis(window[:, :, : len(WINDOW_PLANES)], -1, 0).reshape(-1)
    return np.concatenate([planes, window[0, 0, len(WINDOW_PLANES) :]])


def egocentric_window(game: PacManGame) -> np.ndarray:
    """The ``(window, window, 8)`` image centred on Pac-Man; outside the maze is wall."""
    size = game.config.grid_size
    side = window_side(size)
    v1 = game.observation(0)
    cells = size * size
    planes = v1[: 7 * cells].reshape(7, size, size)
    full = np.stack([planes[0], planes[1], planes[2], planes[4], planes[5]], axis=-1)
    out = np.zeros((side, side, len(WINDOW_PLANES) + len(WINDOW_SCALARS)), dtype=np.float32)
    out[:, :, 0] = 1.0
    row, col = divmod(game.pacman, size)
    top, left = size - 1 - row, size - 1 - col
    out[top : top + size, left : left + size, : len(WINDOW_PLANES)] = full
    out[:, :, len(WINDOW_PLANES) :] = v1[7 * cells : 7 * cells + len(WINDOW_SCALARS)]
    return out


def features(game: PacManGame) -> np.ndarray:
    """The ``pacman-obs-v3-features`` vector; see ``FEATURES``, ``SCALARS`` and ``SURVIVAL``."""
    maze, size = game.maze, game.config.grid_size
    scale = float(len(maze.open_cells))
    pellets = np.frombuffer(game.pellets, dtype=np.uint8)
    food = pellets > 0
    dangerous = [c for g, c in enumerate(game.ghosts) if not game.frightened[g]]
    edible = _mask([c for g, c in enumerate(game.ghosts) if game.frightened[g]], size)
    unsafe = set(dangerous)
    for ghost in dangerous:
        unsafe.update(nxt for _, nxt in maze.exits[ghost])
    ghost_reach = _nearest_arrival(maze, dangerous, size)
    danger_mask = _mask(dangerous, size)

    width = len(FEATURES)
    out = np.zeros(FEATURES_V2_LENGTH + len(SURVIVAL), dtype=np.float32)
    safe = []
    for m in range(len(MOVES)):
        row = out[m * width : (m + 1) * width]
        cell = maze.moves[m + 1][game.pacman]
        if cell == game.pacman:
            row[1:3] = 1.0
            safe.append(np.inf)
            continue
        dist = maze.distance_array(cell)
        safe_steps = _safe_food_distance(maze, cell, food, unsafe)
        safe.append(safe_steps)
        row[0] = 1.0
        row[1] = _nearest(dist, food, scale, offset=1)
        row[2] = min(1.0, safe_steps / scale) if np.isfinite(safe_steps) else 1.0
        row[4] = _closeness(dist, danger_mask, offset=1)
        row[5] = float(cell in unsafe)
        row[6] = _closeness(dist, edible, offset=1)
        row[7] = np.count_nonzero((dist < UNREACHABLE) & (dist + 1 < ghost_reach)) / scale
    best = min(safe)
    for m in range(len(MOVES)):
        out[m * width + 3] = float(np.isfinite(best) and safe[m] == best)

    here = maze.distance_array(game.pacman)
    base = len(MOVES) * width
    out[base] = game.lives / game.config.lives
    out[base + 1] = game.frightened_left / FRIGHTENED_STEPS
    out[base + 2] = min(1.0, game.steps / game.config.max_steps)
    out[base + 3] = game.remaining / max(1, len(maze.open_cells))
    out[base + 4] = _closeness(here, danger_mask, offset=0)
    out[base + 5] = _nearest(here, pellets == POWER, scale, offset=0)
    out[FEATURES_V2_LENGTH:] = np.asarray(survival(game), dtype=np.float32) / HORIZON
    return out


def _closeness(dist: np.ndarray, targets: np.ndarray, *, offset: int) -> float:
    """``1 / (1 + steps)`` to the nearest target (sharp where it matters: close); 0: none."""
    if not targets.any():
        return 0.0
    return 1.0 / (1.0 + float(dist[targets].min()) + offset)


def _mask(cells: list[int], size: int) -> np.ndarray:
    mask = np.zeros(size * size, dtype=bool)
    mask[cells] = True
    return mask


def _nearest(dist: np.ndarray, targets: np.ndarray, scale: float, *, offset: int) -> float:
    """Scaled distance to the nearest target (``offset`` counts the move itself); 1.0: none."""
    if not targets.any():
        return 1.0
    return min(1.0, (float(dist[targets].min()) + offset) / scale)


def _nearest_arrival(maze: Any, ghosts: list[int], size: int) -> np.ndarray:
    """Steps for the closest dangerous ghost to reach each cell (inf with no ghost)."""
    reach = np.full(size * size, np.inf)
    for ghost in ghosts:
        reach = np.minimum(reach, maze.distance_array(ghost))
    return reach


def _safe_food_distance(maze: Any, start: int, food: np.ndarray, unsafe: set[int]) -> float:
    """Steps (the move included) to the nearest food on a path that avoids ``unsafe`` cells."""
    if start in unsafe:
        return np.inf
    seen = {start: 1}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        if food[cell]:
            return float(seen[cell])
        for _, nxt in maze.exits[cell]:
            if nxt not in seen and nxt not in unsafe:
                seen[nxt] = seen[cell] + 1
                queue.append(nxt)
    return np.inf
