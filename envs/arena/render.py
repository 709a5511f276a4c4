"""Arena rendering: ``rgb_array`` images and ``ansi`` text from an :class:`ArenaGame`.

``rgb_array`` returns ``(top + side, side, 3)`` ``uint8`` with
``side = round(arena_size * render_scale)`` and ``top`` the stats panel's height
(``7 * max(1, render_scale // 8)`` when ``show_stats``, else 0). Fighters are discs of
their body radius with a health bar; attacking fighters get a reach ring, blocking ones
a white rim. ``show_grid`` draws a line every world unit, ``highlight_path`` each
fighter's recent trail. ``ansi`` draws a 40x20 character map (seat digits, ``x`` for a
fallen fighter) and, with ``show_stats``, one health line per fighter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from arenalab.envs import drawing
from arenalab.envs.arena import rules
from arenalab.envs.arena.config import ArenaConfig

if TYPE_CHECKING:
    from arenalab.envs.arena.game import ArenaGame

RENDER_MODES = ["rgb_array", "ansi"]
COLORS = (
    (230, 60, 60),
    (60, 130, 230),
    (70, 200, 90),
    (230, 200, 50),
    (190, 90, 220),
    (240, 140, 40),
    (60, 210, 210),
    (220, 120, 170),
)
FLOOR = (30, 30, 36)
GRID = (55, 55, 62)
FALLEN = (90, 90, 90)
WHITE = (255, 255, 255)
ANSI_COLS, ANSI_ROWS = 40, 20


def render_game(game: ArenaGame, config: ArenaConfig, mode: str | None) -> np.ndarray | str | None:
    """Render in ``mode``; None when the env was made without a render mode."""
    if mode is None:
        return None
    return render_rgb(game, config) if mode == "rgb_array" else render_ansi(game, config)


def render_rgb(game: ArenaGame, config: ArenaConfig) -> np.ndarray:
    """Draw the floor, fighters, health bars and the optional grid, trails and stats."""
    scale = config.render_scale
    side = round(config.arena_size * scale)
    glyph = max(1, scale // 8)
    top = drawing.panel_height(glyph) if config.show_stats else 0
    image = drawing.canvas(top + side, side, FLOOR)
    floor = image[top:]
    if config.show_grid:
        drawing.draw_grid(floor, scale, GRID)

    def pixel(xy: np.ndarray) -> np.ndarray:
        """World (x right, y up) to pixel (row, col)."""
        return np.stack([(game.half - xy[..., 1]) * scale, (xy[..., 0] + game.half) * scale], -1)

    if config.highlight_path and game.trail is not None:
        order = (np.arange(1, game.trail.shape[0] + 1) + game.steps) % game.trail.shape[0]
        for seat in range(game.count):
            drawing.draw_line(floor, pixel(game.trail[order, seat]), COLORS[seat])
    centres = pixel(np.array(game.positions))
    for seat in range(game.count):
        cy, cx = centres[seat]
        radius = game.radius[seat] * scale
        if not game.alive[seat]:
            drawing.fill_disc(floor, cy, cx, radius, FALLEN)
            continue
        if game.attacking[seat]:
            drawing.fill_disc(floor, cy, cx, game.reach[seat] * scale, (80, 80, 80))
        if game.blocking[seat]:
            drawing.fill_disc(floor, cy, cx, radius + max(1, scale // 8), WHITE)
        drawing.fill_disc(floor, cy, cx, radius, COLORS[seat])
        bar = int(2 * radius * game.health[seat] / rules.MAX_HEALTH)
        y = int(cy - radius) - 3
        drawing.fill_rect(floor, y, int(cx - radius), y + 2, int(cx + radius), (120, 0, 0))
        drawing.fill_rect(floor, y, int(cx - radius), y + 2, int(cx - radius) + bar, (0, 220, 0))
    if config.show_stats:
        x = glyph
        for seat in range(game.count):
            drawing.fill_rect(image, glyph, x, 6 * glyph, x + 2 * glyph, COLORS[seat])
            x = drawing.draw_text(
                image, f"{game.health[seat]:.0f}", glyph, x + 3 * glyph, glyph, WHITE
            )
            x += 2 * glyph
    return image


def render_ansi(game: ArenaGame, config: ArenaConfig) -> str:
    """A coarse character map of the arena, plus health lines when ``show_stats``."""
    grid = [[" "] * ANSI_COLS for _ in range(ANSI_ROWS)]
    if config.highlight_path and game.trail is not None:
        for x, y in game.trail.reshape(-1, 2):
            grid[_cell(-y, game.half, ANSI_ROWS)][_cell(x, game.half, ANSI_COLS)] = "."
    for seat in range(game.count):
        x, y = game.positions[seat]
        mark = str(seat) if game.alive[seat] else "x"
        grid[_cell(-y, game.half, ANSI_ROWS)][_cell(x, game.half, ANSI_COLS)] = mark
    border = "+" + "-" * ANSI_COLS + "+"
    lines = [border, *("|" + "".join(row) + "|" for row in grid), border]
    if config.show_stats:
        lines.insert(0, f"step {game.steps}")
        for seat, spec in enumerate(config.fighters):
            state = "attack" if game.attacking[seat] else "block" if game.blocking[seat] else ""
            lines.append(f"{seat} {spec.id}: health {game.health[seat]:5.1f} {state}".rstrip())
    return "\n".join(lines) + "\n"


def _cell(value: float, half: float, cells: int) -> int:
    return min(cells - 1, max(0, int((value + half) / (2 * half) * cells)))
