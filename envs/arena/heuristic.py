"""A scripted fighter that reads only observations, so it can drive sim or game fighters.

It picks the weakest enemy (nearest on ties), walks to it and swings when it is in
reach, then keeps its guard up while its own attack cools down; when its health is low
and an enemy is close it backs away with its guard up. Under ``arena-obs-v2`` it reads
its cooldown and each enemy's size from the observation and keeps no state; under
``arena-obs-v1`` (no cooldown in the vector) it counts its cooldown itself and assumes
enemies of size 1, so use one instance per fighter there.
"""

from __future__ import annotations

import math

import numpy as np
from arenalab.envs.arena import rules, spec

LOW_HEALTH = 0.3
DANGER_MARGIN = 1.0  # world units beyond an assumed reach of an enemy of size 1
COOLDOWN = len(spec.V1_OWN)  # index of self.cooldown in v2
SIZE_IN_SLOT = len(spec.V1_ENEMY)  # index of enemy.size within a v2 slot


class ArenaHeuristic:
    """Callable policy ``obs -> action`` for a given arena size (positions are scaled by it)."""

    def __init__(self, arena_size: float = 20.0) -> None:
        if arena_size <= 0:
            raise ValueError(f"arena_size must be > 0, got {arena_size!r}")
        self.half = arena_size / 2.0
        self.cooling = 0

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """Choose move, attack and block for one observation (plain floats: it runs per step)."""
        values = obs.tolist() if isinstance(obs, np.ndarray) else list(obs)
        layout = spec.layout_of(values)
        health, size = values[4], values[5]
        if layout.extended:
            cooling = values[COOLDOWN] > 0.0
        else:
            self.cooling = max(self.cooling - 1, 0)
            cooling = self.cooling > 0
        enemies = []  # (health, distance, dx, dy, body radius), nearest first as in the slots
        for slot in range(spec.MAX_ENEMIES):
            base = layout.own_size + slot * layout.slot_size
            if values[base + 5] <= 0.0:
                break  # occupied slots come first
            dx, dy = values[base] * self.half, values[base + 1] * self.half
            enemy_size = values[base + SIZE_IN_SLOT] if layout.extended else 1.0
            body = rules.BODY_RADIUS * enemy_size
            enemies.append((values[base + 4], math.hypot(dx, dy), dx, dy, body))
        move_x = move_y = 0.0
        attack = block = -1.0
        if enemies:
            _, dist, dx, dy, _ = enemies[0]
            if health < LOW_HEALTH and dist < rules.REACH + rules.BODY_RADIUS + DANGER_MARGIN:
                move_x, move_y, block = -dx / max(dist, 1e-6), -dy / max(dist, 1e-6), 1.0
            else:
                _, dist, dx, dy, enemy_body = min(enemies, key=lambda e: (e[0], e[1]))
                reach = rules.REACH * size
                if dist - enemy_body <= reach:
                    if cooling:
                        block = 1.0
                    else:
                        attack = 1.0
                        self.cooling = rules.ATTACK_COOLDOWN
                if dist > 0.8 * (reach + enemy_body):
                    move_x, move_y = dx / max(dist, 1e-6), dy / max(dist, 1e-6)
        return np.array((move_x, move_y, attack, block), dtype=np.float32)
