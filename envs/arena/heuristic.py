"""A scripted fighter that reads only ``arena-obs-v1``, so it can drive sim or game fighters.

It picks the weakest enemy (nearest on ties), walks to it and swings when it is in
reach, then keeps its guard up while its own attack cools down; when its health is low
and an enemy is close it backs away with its guard up. The cooldown is not in the
observation, so the policy counts it itself: use one instance per fighter.
"""

from __future__ import annotations

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
        """Choose move, attack and block for one observation."""
        obs = np.asarray(obs, dtype=np.float64)
        self.cooling = max(self.cooling - 1, 0)
        size = obs[5]
        slots = obs[spec.OWN_SIZE :].reshape(spec.MAX_ENEMIES, spec.SLOT_SIZE)
        present = slots[:, 5] > 0
        action = np.array([0.0, 0.0, -1.0, -1.0], dtype=np.float32)
        if not present.any():
            return action
        rel = slots[:, 0:2] * self.half
        dist = np.hypot(rel[:, 0], rel[:, 1])
        nearest = int(np.argmax(present))  # slots are sorted nearest first
        if obs[4] < LOW_HEALTH and dist[nearest] < rules.REACH + rules.BODY_RADIUS + DANGER_MARGIN:
            away = -rel[nearest] / max(dist[nearest], 1e-6)
            action[:2] = away
            action[3] = 1.0
            return action
        candidates = np.flatnonzero(present)
        target = candidates[np.lexsort((dist[candidates], slots[candidates, 4]))[0]]
        reach = rules.REACH * size
        enemy_body = rules.BODY_RADIUS  # enemy sizes are not observed: assume size 1
        if dist[target] - enemy_body <= reach:
            if self.cooling:
                action[3] = 1.0
            else:
                action[2] = 1.0
                self.cooling = rules.ATTACK_COOLDOWN
        if dist[target] > 0.8 * (reach + enemy_body):
            action[:2] = rel[target] / max(dist[target], 1e-6)
        return action
