"""Pac-Man rendering: ``rgb_array`` images and ``ansi`` text from a :class:`PacManGame`.

``rgb_array`` returns ``(top + grid_size * render_scale, grid_size * render_scale, 3)``
``uint8``, where ``top`` is the stats panel's height (``7 * max(1, render_scale // 8)``
when ``show_stats``, else 0). ``ansi`` draws one character per cell: ``#`` wall,
``.`` pellet, ``o`` power pellet, ``C`` Pac-Man, ``G`` ghost, ``g`` frightened ghost and
``*`` the highlighted path; ``render_scale`` and ``show_grid`` only apply to images.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from arenalab.envs import drawing
from arenalab.envs.pacman.config import PacManConfig

if TYPE_CHECKING:
    from arenalab.envs.pacman.game import PacManGame

RENDER_MODES = ["rgb_array", "ansi"]
WALL = (33, 33, 222)
PELLET = (255, 184, 151)
PATH = (70, 70, 20)
PACMAN = (255, 255, 0)
GHOSTS = ((255, 0, 0), (255, 184, 255), (0, 255, 255), (255, 184, 82))
FRIGHTENED = (60, 60, 255)
GRID = (45, 45, 45)
TEXT = (255, 255, 255)


def render_game(
    game: PacManGame, config: PacManConfig, mode: str | None
) -> np.ndarray | str | None:
    """Render in ``mode``; None when the env was made without a render mode."""
    if mode is None:
        return None
    return render_rgb(game, config) if mode == "rgb_array" else render_ansi(game, config)


def render_rgb(game: PacManGame, config: PacManConfig) -> np.ndarray:
    """Draw the maze, pellets, actors and (optionally) grid, path and stats panel."""
    scale, size = config.render_scale, config.grid_size
    glyph = max(1, scale // 8)
    top = drawing.panel_height(glyph) if config.show_stats else 0
    image = drawing.canvas(top + size * scale, size * scale)
    board = image[top:]
    board[np.kron(game.maze.walls, np.ones((scale, scale), dtype=bool))] = WALL
    half = (scale - 1) / 2

    def centre(cell: int) -> tuple[float, float]:
        return (cell // size) * scale + half, (cell % size) * scale + half

    if config.highlight_path:
        for cell in game.path_to_nearest_pellet():
            row, col = divmod(cell, size)
            drawing.fill_rect(
                board, row * scale, col * scale, (row + 1) * scale, (col + 1) * scale, PATH
            )
    for cell, kind in enumerate(game.pellets):
        if kind:
            drawing.fill_disc(
                board, *centre(cell), max(1.0, scale / (8 if kind == 1 else 3.5)), PELLET
            )
    for g, cell in enumerate(game.ghosts):
        color = FRIGHTENED if game.frightened[g] else GHOSTS[g % len(GHOSTS)]
        drawing.fill_disc(board, *centre(cell), 0.42 * scale, color)
    cy, cx = centre(game.pacman)
    drawing.fill_disc(board, cy, cx, 0.45 * scale, PACMAN)
    if config.show_grid:
        drawing.draw_grid(board, scale, GRID)
    if config.show_stats:
        x = drawing.draw_text(image, f"{game.score:.0f}", glyph, glyph, glyph, TEXT)
        for life in range(game.lives):
            centre_x = x + glyph * (3 + 5 * life)
            drawing.fill_disc(image, glyph * 3.5, centre_x, glyph * 2, PACMAN)
    return image


def render_ansi(game: PacManGame, config: PacManConfig) -> str:
    """One character per cell, plus a stats line when ``show_stats``."""
    size = config.grid_size
    chars = np.where(game.maze.walls.reshape(-1), "#", " ").astype("<U1")
    if config.highlight_path:
        chars[game.path_to_nearest_pellet()] = "*"
    for cell, kind in enumerate(game.pellets):
        if kind:
            chars[cell] = "." if kind == 1 else "o"
    for g, cell in enumerate(game.ghosts):
        chars[cell] = "g" if game.frightened[g] else "G"
    chars[game.pacman] = "C"
    rows = ["".join(chars[r * size : (r + 1) * size]) for r in range(size)]
    if config.show_stats:
        rows.insert(
            0,
            f"score {game.score:.2f}  lives {game.lives}/{config.lives}  "
            f"pellets {game.remaining}  step {game.steps}",
        )
    return "\n".join(rows) + "\n"
