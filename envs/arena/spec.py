"""The arena's observation layout ``arena-obs-v1``: defined once, used by sim and game.

A fighter's observation is its own block followed by ``MAX_ENEMIES`` enemy slots,
nearest enemy first, zero-filled when fewer enemies are alive, so 2 to 8 fighters share
one length (49). Coordinates are world units with the origin at the arena's centre.

=====  ===========================  =====================================================
Index  Field                        Value
=====  ===========================  =====================================================
0-1    ``self.position_x/_y``       fighter_position / (arena_size / 2)
2-3    ``self.velocity_x/_y``       fighter_velocity / VELOCITY_SCALE (units per second)
4      ``self.health``              fighter_health / HEALTH_SCALE
5      ``self.size``                metadata_json.size (hit radius and reach multiplier)
6      ``self.speed``               metadata_json.speed (top speed multiplier)
7+6k   ``enemy{k}.rel_x/_y``        (enemy.pos - fighter_position) / (arena_size / 2)
9+6k   ``enemy{k}.vel_x/_y``        enemy.vel / VELOCITY_SCALE (0 when the frame has none)
11+6k  ``enemy{k}.health``          enemy.health / HEALTH_SCALE
12+6k  ``enemy{k}.present``         1 for a real enemy, 0 for an empty slot
=====  ===========================  =====================================================

Enemies with health <= 0 are left out; the rest are ordered by Euclidean distance, ties
keeping the order of ``enemies_state``, and only the nearest ``MAX_ENEMIES`` are kept.
:func:`observation_from_frame` computes the vector from a seed-000 frame and the env calls
the same :func:`encode_observation`, so simulation and game agree; :func:`spec_json` is
what ``arenalab envs spec arena`` prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

OBS_SPEC_VERSION = "arena-obs-v1"
MAX_FIGHTERS = 8
MAX_ENEMIES = MAX_FIGHTERS - 1
HEALTH_SCALE = 100.0
VELOCITY_SCALE = 10.0
SIZE_RANGE = (0.5, 2.0)
SPEED_RANGE = (0.5, 2.0)

# (name, source in a seed-000 frame, scale, low, high); low/high bound simulated values.
OWN_FIELDS: tuple[tuple[str, str, str, float, float], ...] = (
    ("position_x", "fighter_position[0]", "1 / (arena_size / 2)", -1.0, 1.0),
    ("position_y", "fighter_position[1]", "1 / (arena_size / 2)", -1.0, 1.0),
    ("velocity_x", "fighter_velocity[0]", f"1 / {VELOCITY_SCALE}", -1.0, 1.0),
    ("velocity_y", "fighter_velocity[1]", f"1 / {VELOCITY_SCALE}", -1.0, 1.0),
    ("health", "fighter_health", f"1 / {HEALTH_SCALE}", 0.0, 1.0),
    ("size", "metadata_json.size", "1", *SIZE_RANGE),
    ("speed", "metadata_json.speed", "1", *SPEED_RANGE),
)
ENEMY_FIELDS: tuple[tuple[str, str, str, float, float], ...] = (
    ("rel_x", "enemy.pos[0] - fighter_position[0]", "1 / (arena_size / 2)", -2.0, 2.0),
    ("rel_y", "enemy.pos[1] - fighter_position[1]", "1 / (arena_size / 2)", -2.0, 2.0),
    ("vel_x", "enemy.vel[0] (0 if absent)", f"1 / {VELOCITY_SCALE}", -1.0, 1.0),
    ("vel_y", "enemy.vel[1] (0 if absent)", f"1 / {VELOCITY_SCALE}", -1.0, 1.0),
    ("health", "enemy.health", f"1 / {HEALTH_SCALE}", 0.0, 1.0),
    ("present", "1 if the slot holds an enemy", "1", 0.0, 1.0),
)
OWN_SIZE = len(OWN_FIELDS)
SLOT_SIZE = len(ENEMY_FIELDS)
OBS_SIZE = OWN_SIZE + MAX_ENEMIES * SLOT_SIZE


def field_names() -> list[str]:
    """Every index's name, e.g. ``self.health`` or ``enemy3.rel_x``."""
    names = [f"self.{f[0]}" for f in OWN_FIELDS]
    for k in range(MAX_ENEMIES):
        names += [f"enemy{k}.{f[0]}" for f in ENEMY_FIELDS]
    return names


def bounds() -> tuple[np.ndarray, np.ndarray]:
    """Per-index ``(low, high)`` of simulated observations, for the Box space."""
    rows = list(OWN_FIELDS) + list(ENEMY_FIELDS) * MAX_ENEMIES
    low = np.array([r[3] for r in rows], dtype=np.float32)
    high = np.array([r[4] for r in rows], dtype=np.float32)
    return low, high


def spec_json() -> dict[str, Any]:
    """The published, versioned layout (what a game needs to post ``observation_vector``)."""

    def fields(rows: Sequence[tuple[str, str, str, float, float]], base: int) -> list[dict]:
        return [
            {"name": n, "offset": base + i, "source": s, "scale": c, "low": lo, "high": hi}
            for i, (n, s, c, lo, hi) in enumerate(rows)
        ]

    return {
        "version": OBS_SPEC_VERSION,
        "dtype": "float32",
        "length": OBS_SIZE,
        "coordinates": "world units, origin at the arena centre",
        "constants": {
            "max_enemies": MAX_ENEMIES,
            "health_scale": HEALTH_SCALE,
            "velocity_scale": VELOCITY_SCALE,
            "position_scale": "arena_size / 2",
        },
        "own": fields(OWN_FIELDS, 0),
        "enemy_slots": {
            "count": MAX_ENEMIES,
            "first_offset": OWN_SIZE,
            "slot_size": SLOT_SIZE,
            "fields": fields(ENEMY_FIELDS, 0),
            "order": "nearest first (Euclidean), ties keep enemies_state order; "
            "enemies with health <= 0 are skipped; empty slots are all zeros",
        },
        "names": field_names(),
        "action": {
            "type": "Box",
            "low": -1.0,
            "high": 1.0,
            "shape": [4],
            "meanings": ["move_x", "move_y", "attack", "block"],
            "buttons": "attack and block fire when their value is > 0",
        },
    }


def encode_observation(
    position: Sequence[float],
    velocity: Sequence[float],
    health: float,
    size: float,
    speed: float,
    enemies: Iterable[Sequence[float]],
    arena_size: float,
) -> np.ndarray:
    """One fighter's ``arena-obs-v1`` vector; the env and the frame path both call this.

    Args:
        position: the fighter's ``(x, y)``.
        velocity: the fighter's ``(vx, vy)`` in units per second.
        health: the fighter's health (0-100).
        size: the fighter's ``metadata_json.size``.
        speed: the fighter's ``metadata_json.speed``.
        enemies: living enemies as ``(x, y, vx, vy, health)``, in tie-breaking order.
        arena_size: side of the square arena.

    Plain Python floats on purpose: for 2-8 fighters this beats numpy's per-call
    overhead several times over, and it keeps the arithmetic (and so the sort order)
    exactly that of the JavaScript builder in docs/envs.md.
    """
    px, py = position
    half = arena_size / 2.0
    values = [
        px / half,
        py / half,
        velocity[0] / VELOCITY_SCALE,
        velocity[1] / VELOCITY_SCALE,
        health / HEALTH_SCALE,
        size,
        speed,
    ]
    ranked = sorted(enemies, key=lambda e: (e[0] - px) ** 2 + (e[1] - py) ** 2)
    for ex, ey, evx, evy, ehealth in ranked[:MAX_ENEMIES]:
        values += (
            (ex - px) / half,
            (ey - py) / half,
            evx / VELOCITY_SCALE,
            evy / VELOCITY_SCALE,
            ehealth / HEALTH_SCALE,
            1.0,
        )
    out = np.zeros(OBS_SIZE, dtype=np.float32)
    out[: len(values)] = values
    return out


def observation_from_frame(
    frame: Mapping[str, Any], *, arena_size: float, size: float = 1.0, speed: float = 1.0
) -> np.ndarray:
    """Compute ``arena-obs-v1`` from one seed-000 fight frame (ingestion and tests use it).

    Args:
        frame: a frame with ``fighter_position``, ``fighter_velocity``,
            ``fighter_health`` and ``enemies_state`` (a list of ``{id, pos, health}``
            with optional ``vel``), as the game posts it.
        arena_size: side of the square arena, in the frame's world units.
        size: the fighter's ``metadata_json.size``.
        speed: the fighter's ``metadata_json.speed``.

    Raises:
        ValueError: if a field is missing or has the wrong shape.
    """
    if arena_size <= 0:
        raise ValueError(f"arena_size must be > 0, got {arena_size!r}")
    position, velocity = frame.get("fighter_position"), frame.get("fighter_velocity")
    health = frame.get("fighter_health")
    if position is None or len(position) != 2 or velocity is None or len(velocity) != 2:
        raise ValueError("frame needs 2-element fighter_position and fighter_velocity")
    if health is None:
        raise ValueError("frame needs fighter_health")
    enemies = []
    for i, enemy in enumerate(frame.get("enemies_state") or []):
        pos, vel = enemy.get("pos"), enemy.get("vel") or (0.0, 0.0)
        if pos is None or len(pos) != 2 or len(vel) != 2 or enemy.get("health") is None:
            raise ValueError(f"enemies_state[{i}] needs a 2-element pos (and vel) and a health")
        if enemy["health"] > 0:
            enemies.append((float(pos[0]), float(pos[1]), float(vel[0]), float(vel[1]),
                            float(enemy["health"])))  # fmt: skip
    return encode_observation(
        (float(position[0]), float(position[1])),
        (float(velocity[0]), float(velocity[1])),
        float(health),
        size,
        speed,
        enemies,
        arena_size,
    )
