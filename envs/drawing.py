"""Numpy-only raster helpers for the ``rgb_array`` renderers (no pygame, no PIL).

Images are ``(height, width, 3)`` ``uint8`` arrays. Rendering runs only when asked, never
inside ``step``, so clarity wins over speed here.
"""

from __future__ import annotations

import numpy as np

Color = tuple[int, int, int]

# 3x5 bitmap glyphs: enough for scores, step counters and health.
_GLYPHS = {
    "0": "111101101101111",
    "1": "010110010010111",
    "2": "111001111100111",
    "3": "111001111001111",
    "4": "101101111001001",
    "5": "111100111001111",
    "6": "111100111101111",
    "7": "111001010010010",
    "8": "111101111101111",
    "9": "111101111001111",
    "-": "000000111000000",
    ".": "000000000000010",
    " ": "000000000000000",
}
GLYPH_W, GLYPH_H = 3, 5


def canvas(height: int, width: int, color: Color = (0, 0, 0)) -> np.ndarray:
    """A new image filled with ``color``."""
    image = np.empty((height, width, 3), dtype=np.uint8)
    image[:] = color
    return image


def fill_disc(image: np.ndarray, cy: float, cx: float, radius: float, color: Color) -> None:
    """Paint a disc centred at pixel ``(cy, cx)``, clipped to the image."""
    height, width = image.shape[:2]
    y0, y1 = max(0, int(cy - radius)), min(height, int(cy + radius) + 2)
    x0, x1 = max(0, int(cx - radius)), min(width, int(cx + radius) + 2)
    if y0 >= y1 or x0 >= x1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1]
    mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2
    image[y0:y1, x0:x1][mask] = color


def fill_rect(image: np.ndarray, y0: int, x0: int, y1: int, x1: int, color: Color) -> None:
    """Paint the half-open box ``[y0, y1) x [x0, x1)``, clipped to the image."""
    height, width = image.shape[:2]
    image[max(0, y0) : min(height, y1), max(0, x0) : min(width, x1)] = color


def draw_line(image: np.ndarray, points: np.ndarray, color: Color) -> None:
    """Draw a polyline through pixel ``points`` (``(k, 2)`` of y, x) by dense sampling."""
    height, width = image.shape[:2]
    for (ya, xa), (yb, xb) in zip(points[:-1], points[1:], strict=True):
        count = int(max(abs(yb - ya), abs(xb - xa))) + 1
        ys = np.clip(np.rint(np.linspace(ya, yb, count)).astype(int), 0, height - 1)
        xs = np.clip(np.rint(np.linspace(xa, xb, count)).astype(int), 0, width - 1)
        image[ys, xs] = color


def draw_grid(image: np.ndarray, step: int, color: Color, top: int = 0) -> None:
    """Draw grid lines every ``step`` pixels below row ``top``."""
    image[top::step, :] = color
    image[top:, ::step] = color


def draw_text(image: np.ndarray, text: str, y: int, x: int, scale: int, color: Color) -> int:
    """Write digits/``-``/``.`` at ``(y, x)``, glyphs ``scale`` pixels per dot; return end x."""
    for char in text:
        bits = np.array([int(b) for b in _GLYPHS.get(char, _GLYPHS[" "])], dtype=bool)
        glyph = np.kron(bits.reshape(GLYPH_H, GLYPH_W), np.ones((scale, scale), dtype=bool))
        region = image[y : y + glyph.shape[0], x : x + glyph.shape[1]]
        region[glyph[: region.shape[0], : region.shape[1]]] = color
        x += (GLYPH_W + 1) * scale
    return x


def panel_height(scale: int) -> int:
    """Height of a one-line stats panel whose glyphs use ``scale`` pixels per dot."""
    return (GLYPH_H + 2) * scale
