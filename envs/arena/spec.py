"""The arena's observation layouts ``arena-obs-v1`` and ``arena-obs-v2``: defined once.

A fighter's observation is its own block followed by ``MAX_ENEMIES`` enemy slots,
nearest enemy first, zero-filled when fewer enemies are alive, so 2 to 8 fighters share
one length (v1: 49, v2: 86). Coordinates are world units with the origin at the arena's
centre. v2 is v1 plus what a fight is decided by: every block (own and enemy slot) ends
with the fighter's attack cooldown and blocking state, and enemy slots add the enemy's
size and how far each of the two is from reaching the other. Each v2 block starts with
the v1 block's fields, in v1's order.

v1 (``arena-obs-v1``, length 49):

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

v2 (``arena-obs-v2``, length 86; the current version, what new training uses):

=====  ===========================  =====================================================
Index  Field                        Value
=====  ===========================  =====================================================
0-6    ``self.*``                   as v1
7      ``self.cooldown``            fighter_cooldown: share of the attack cooldown still
                                    to wait, 0 = an attack pressed now lands (0 if absent)
8      ``self.blocking``            fighter_blocking: 1 if the fighter blocked last step
9+11k  ``enemy{k}.rel_x`` .. ``present``  as v1 (6 values)
15+11k ``enemy{k}.size``            enemy.size (1 if absent; 0 in an empty slot)
16+11k ``enemy{k}.cooldown``        enemy.cooldown, as ``self.cooldown`` (0 if absent)
17+11k ``enemy{k}.blocking``        enemy.blocking, 1 or 0 (0 if absent)
18+11k ``enemy{k}.reach_gap``       (distance - its body - my reach) / 2, clipped to
                                    [-1, 1]: below 0 my swing reaches it
19+11k ``enemy{k}.threat_gap``      (distance - my body - its reach) / 2, clipped: below 0
                                    its swing reaches me
=====  ===========================  =====================================================

Bodies are ``BODY_RADIUS * size`` and reaches ``REACH * size`` world units (the sim's
physics, :mod:`arenalab.envs.arena.rules`); the gaps are what a fighter reads off the
screen in a real game and a small network struggles to compute from positions.

Enemies with health <= 0 are left out; the rest are ordered by Euclidean distance, ties
keeping the order of ``enemies_state``, and only the nearest ``MAX_ENEMIES`` are kept.
:func:`observation_from_frame` computes a vector from a seed-000 frame and the env calls
the same :func:`encode_observation`, so simulation and game agree; :func:`spec_json` is
what ``arenalab envs spec arena`` prints.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

OBS_SPEC_V1 = "arena-obs-v1"
OBS_SPEC_V2 = "arena-obs-v2"
OBS_SPEC_VERSION = OBS_SPEC_V2
"""The current version: the sim's default, what new training and games should use."""
MAX_FIGHTERS = 8
MAX_ENEMIES = MAX_FIGHTERS - 1
HEALTH_SCALE = 100.0
VELOCITY_SCALE = 10.0
SIZE_RANGE = (0.5, 2.0)
SPEED_RANGE = (0.5, 2.0)
BODY_RADIUS = 0.5  # x size: a fighter's body
REACH = 1.5  # x size: centre to weapon tip
GAP_SCALE = 2.0  # world units: a size-1 fighter's reach plus a size-1 body

Row = tuple[str, str, str, float, float]
# (name, source in a seed-000 frame, scale, low, high); low/high bound simulated values.
V1_OWN: tuple[Row, ...] = (
    ("position_x", "fighter_position[0]", "1 / (arena_size / 2)", -1.0, 1.0),
    ("position_y", "fighter_position[1]", "1 / (arena_size / 2)", -1.0, 1.0),
    ("velocity_x", "fighter_velocity[0]", f"1 / {VELOCITY_SCALE}", -1.0, 1.0),
    ("velocity_y", "fighter_velocity[1]", f"1 / {VELOCITY_SCALE}", -1.0, 1.0),
    ("health", "fighter_health", f"1 / {HEALTH_SCALE}", 0.0, 1.0),
    ("size", "metadata_json.size", "1", *SIZE_RANGE),
    ("speed", "metadata_json.speed", "1", *SPEED_RANGE),
)
V1_ENEMY: tuple[Row, ...] = (
    ("rel_x", "enemy.pos[0] - fighter_position[0]", "1 / (arena_size / 2)", -2.0, 2.0),
    ("rel_y", "enemy.pos[1] - fighter_position[1]", "1 / (arena_size / 2)", -2.0, 2.0),
    ("vel_x", "enemy.vel[0] (0 if absent)", f"1 / {VELOCITY_SCALE}", -1.0, 1.0),
    ("vel_y", "enemy.vel[1] (0 if absent)", f"1 / {VELOCITY_SCALE}", -1.0, 1.0),
    ("health", "enemy.health", f"1 / {HEALTH_SCALE}", 0.0, 1.0),
    ("present", "1 if the slot holds an enemy", "1", 0.0, 1.0),
)
COOLDOWN_SOURCE = "share of the attack cooldown still to wait, 0 = ready (0 if absent)"
V2_OWN: tuple[Row, ...] = V1_OWN + (
    ("cooldown", f"fighter_cooldown: {COOLDOWN_SOURCE}", "1", 0.0, 1.0),
    ("blocking", "fighter_blocking: blocked last step (false if absent)", "1 if true", 0.0, 1.0),
)
GAP = f"clip((distance - {{}}) / {GAP_SCALE}, -1, 1); < 0: {{}}"
V2_ENEMY: tuple[Row, ...] = V1_ENEMY + (
    ("size", "enemy.size (1 if absent)", "1", 0.0, SIZE_RANGE[1]),
    ("cooldown", f"enemy.cooldown: {COOLDOWN_SOURCE}", "1", 0.0, 1.0),
    ("blocking", "enemy.blocking: blocked last step (false if absent)", "1 if true", 0.0, 1.0),
    (
        "reach_gap",
        GAP.format(f"{BODY_RADIUS} * enemy.size - {REACH} * size", "my swing hits it"),
        "1",
        -1.0,
        1.0,
    ),
    (
        "threat_gap",
        GAP.format(f"{BODY_RADIUS} * size - {REACH} * enemy.size", "its swing hits me"),
        "1",
        -1.0,
        1.0,
    ),
)


@dataclass(frozen=True)
class ObsLayout:
    """One published version: its own block and its enemy slot."""

    version: str
    own: tuple[Row, ...]
    enemy: tuple[Row, ...]

    @property
    def own_size(self) -> int:
        """Values in the fighter's own block."""
        return len(self.own)

    @property
    def slot_size(self) -> int:
        """Values in one enemy slot."""
        return len(self.enemy)

    @property
    def size(self) -> int:
        """Length of the whole vector."""
        return self.own_size + MAX_ENEMIES * self.slot_size

    @property
    def extended(self) -> bool:
        """Whether the blocks carry cooldown and blocking (v2)."""
        return self.own_size > len(V1_OWN)


LAYOUTS = {
    OBS_SPEC_V1: ObsLayout(OBS_SPEC_V1, V1_OWN, V1_ENEMY),
    OBS_SPEC_V2: ObsLayout(OBS_SPEC_V2, V2_OWN, V2_ENEMY),
}
OBS_SIZES = {version: layout.size for version, layout in LAYOUTS.items()}
"""Vector length of every published version (what ingestion checks a declared spec by)."""
CURRENT = LAYOUTS[OBS_SPEC_VERSION]
OWN_SIZE = CURRENT.own_size
SLOT_SIZE = CURRENT.slot_size
OBS_SIZE = CURRENT.size


def layout(version: str = OBS_SPEC_VERSION) -> ObsLayout:
    """The layout of ``version``.

    Raises:
        ValueError: for a version that was never published.
    """
    if version not in LAYOUTS:
        raise ValueError(f"obs_spec must be one of {sorted(LAYOUTS)}, got {version!r}")
    return LAYOUTS[version]


def layout_of(obs: Sequence[float] | np.ndarray) -> ObsLayout:
    """The layout a vector follows, told by its length (49: v1, 86: v2)."""
    for candidate in LAYOUTS.values():
        if len(obs) == candidate.size:
            return candidate
    sizes = sorted(OBS_SIZES.values())
    raise ValueError(f"an arena observation has one of {sizes} values, got {len(obs)}")


def field_names(version: str = OBS_SPEC_VERSION) -> list[str]:
    """Every index's name, e.g. ``self.health`` or ``enemy3.rel_x``."""
    chosen = layout(version)
    names = [f"self.{f[0]}" for f in chosen.own]
    for k in range(MAX_ENEMIES):
        names += [f"enemy{k}.{f[0]}" for f in chosen.enemy]
    return names


def bounds(version: str = OBS_SPEC_VERSION) -> tuple[np.ndarray, np.ndarray]:
    """Per-index ``(low, high)`` of simulated observations, for the Box space."""
    chosen = layout(version)
    rows = list(chosen.own) + list(chosen.enemy) * MAX_ENEMIES
    low = np.array([r[3] for r in rows], dtype=np.float32)
    high = np.array([r[4] for r in rows], dtype=np.float32)
    return low, high


def spec_json(version: str = OBS_SPEC_VERSION) -> dict[str, Any]:
    """The published, versioned layout (what a game needs to post ``observation_vector``)."""
    chosen = layout(version)

    def fields(rows: Sequence[Row], base: int) -> list[dict]:
        return [
            {"name": n, "offset": base + i, "source": s, "scale": c, "low": lo, "high": hi}
            for i, (n, s, c, lo, hi) in enumerate(rows)
        ]

    return {
        "version": chosen.version,
        "dtype": "float32",
        "length": chosen.size,
        "coordinates": "world units, origin at the arena centre",
        "constants": {
            "max_enemies": MAX_ENEMIES,
            "health_scale": HEALTH_SCALE,
            "velocity_scale": VELOCITY_SCALE,
            "position_scale": "arena_size / 2",
        },
        "own": fields(chosen.own, 0),
        "enemy_slots": {
            "count": MAX_ENEMIES,
            "first_offset": chosen.own_size,
            "slot_size": chosen.slot_size,
            "fields": fields(chosen.enemy, 0),
            "order": "nearest first (Euclidean), ties keep enemies_state order; "
            "enemies with health <= 0 are skipped; empty slots are all zeros",
        },
        "names": field_names(version),
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
    *,
    cooldown: float = 0.0,
    blocking: float = 0.0,
    version: str = OBS_SPEC_VERSION,
) -> np.ndarray:
    """One fighter's observation vector; the env and the frame path both call this.

    Args:
        position: the fighter's ``(x, y)``.
        velocity: the fighter's ``(vx, vy)`` in units per second.
        health: the fighter's health (0-100).
        size: the fighter's ``metadata_json.size``.
        speed: the fighter's ``metadata_json.speed``.
        enemies: living enemies as ``(x, y, vx, vy, health, size, cooldown, blocking)``,
            in tie-breaking order (v1 reads the first five).
        arena_size: side of the square arena.
        cooldown: share of the fighter's attack cooldown still to wait (v2).
        blocking: 1.0 if the fighter blocked last step (v2).
        version: ``arena-obs-v1`` or ``arena-obs-v2``.

    Plain Python floats on purpose: for 2-8 fighters this beats numpy's per-call
    overhead several times over, and it keeps the arithmetic (and so the sort order)
    exactly that of the JavaScript builder in docs/envs.md.
    """
    extended = layout(version).extended
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
    if extended:
        values += (cooldown, blocking)
    ranked = sorted(enemies, key=lambda e: (e[0] - px) ** 2 + (e[1] - py) ** 2)
    for ex, ey, evx, evy, ehealth, esize, ecooldown, eblocking in ranked[:MAX_ENEMIES]:
        values += (
            (ex - px) / half,
            (ey - py) / half,
            evx / VELOCITY_SCALE,
            evy / VELOCITY_SCALE,
            ehealth / HEALTH_SCALE,
            1.0,
        )
        if extended:
            distance = math.sqrt((ex - px) ** 2 + (ey - py) ** 2)
            reach_gap = (distance - BODY_RADIUS * esize - REACH * size) / GAP_SCALE
            threat_gap = (distance - BODY_RADIUS * size - REACH * esize) / GAP_SCALE
            values += (esize, ecooldown, eblocking, _clip(reach_gap), _clip(threat_gap))
    out = np.zeros(OBS_SIZES[version], dtype=np.float32)
    out[: len(values)] = values
    return out


def observation_from_frame(
    frame: Mapping[str, Any],
    *,
    arena_size: float,
    size: float = 1.0,
    speed: float = 1.0,
    version: str = OBS_SPEC_VERSION,
) -> np.ndarray:
    """Compute an observation from one seed-000 fight frame (ingestion and tests use it).

    Args:
        frame: a frame with ``fighter_position``, ``fighter_velocity``,
            ``fighter_health`` and ``enemies_state`` (a list of ``{id, pos, health}``
            with optional ``vel``), as the game posts it. v2 also reads the optional
            ``fighter_cooldown`` (share of the cooldown left, 0 = ready),
            ``fighter_blocking`` and, per enemy, ``size``, ``cooldown`` and ``blocking``;
            absent ones read as ready, not blocking and size 1.
        arena_size: side of the square arena, in the frame's world units.
        size: the fighter's ``metadata_json.size``.
        speed: the fighter's ``metadata_json.speed``.
        version: ``arena-obs-v1`` or ``arena-obs-v2`` (the default).

    Raises:
        ValueError: if a field is missing or has the wrong shape, or for an unknown version.
    """
    layout(version)
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
            enemies.append(
                (
                    float(pos[0]),
                    float(pos[1]),
                    float(vel[0]),
                    float(vel[1]),
                    float(enemy["health"]),
                    _given(enemy.get("size"), 1.0),
                    _given(enemy.get("cooldown"), 0.0),
                    float(bool(enemy.get("blocking"))),
                )
            )
    return encode_observation(
        (float(position[0]), float(position[1])),
        (float(velocity[0]), float(velocity[1])),
        float(health),
        size,
        speed,
        enemies,
        arena_size,
        cooldown=_given(frame.get("fighter_cooldown"), 0.0),
        blocking=float(bool(frame.get("fighter_blocking"))),
        version=version,
    )


def _given(value: Any, default: float) -> float:
    """An optional frame number: absent or null reads as ``default`` (JavaScript's ``??``)."""
    return default if value is None else float(value)


def _clip(value: float) -> float:
    return -1.0 if value < -1.0 else 1.0 if value > 1.0 else value
