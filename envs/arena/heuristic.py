"""A scripted fighter that reads only ``arena-obs-v1``, so it can drive sim or game fighters.

It picks the weakest enemy (nearest on ties), walks to it and swings when it is in
reach, then keeps its guard up while its own attack cools down; when its health is low
and an enemy is close it backs away with its guard up. The cooldown is not in the
observation, so the policy counts it itself: use one instance per fighter.
"""

from __future__ import annotations

import math

import numpy as np
from arenalab.envs.arena import rules, spec

LOW_HEALTH = 0.3
DANGER_MARGIN = 1.0  # world units beyond an assumed reach of an enemy of size 1


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
        health, size = values[4], values[5]
        self.cooling = max(self.cooling - 1, 0)
        enemies = []  # (health, distance, dx, dy), nearest first as in the slots
        for slot in range(spec.MAX_ENEMIES):
            base = spec.OWN_SIZE + slot * spec.SLOT_SIZE
            if values[base + 5] <= 0.0:
                break  # occupied slots come first
            dx, dy = values[base] * self.half, values[base + 1] * self.half
            enemies.append((values[base + 4], math.hypot(dx, dy), dx, dy))
        move_x = move_y = 0.0
        attack = block = -1.0
        if enemies:
            _, dist, dx, dy = enemies[0]
            if health < LOW_HEALTH and dist < rules.REACH + rules.BODY_RADIUS + DANGER_MARGIN:
                move_x, move_y, block = -dx / max(dist, 1e-6), -dy / max(dist, 1e-6), 1.0
            else:
                _, dist, dx, dy = min(enemies, key=lambda e: (e[0], e[1]))
                reach = rules.REACH * size
                enemy_body = rules.BODY_RADIUS  # enemy sizes are not observed: assume size 1
                if dist - enemy_body <= reach:
                    if self.cooling:
                        block = 1.0
                    else:
                        attack = 1.0
                        self.cooling = rules.ATTACK_COOLDOWN
                if dist > 0.8 * (reach + enemy_body):
                    move_x, move_y = dx / max(dist, 1e-6), dy / max(dist, 1e-6)
        return np.array((move_x, move_y, attack, block), dtype=np.float32)
