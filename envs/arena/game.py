"""The one arena simulation; the multi-agent env and the single-agent view wrap it.

State is a handful of numpy arrays indexed by seat (the order of ``config.fighters``),
so a step is a fixed number of vectorised operations whatever the fighter count.
Fighters at zero health are out: they stop moving, stop being targets and leave every
observation. The fight ends when at most one fighter is standing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from arenalab.envs.arena import rules
from arenalab.envs.arena.config import ArenaConfig
from arenalab.envs.arena.spec import encode_observations

TRAIL_LENGTH = 40


class ArenaGame:
    """Positions, velocities, health and cooldowns of every fighter; no env API here.

    After each :meth:`step`, ``died`` marks fighters that fell this step and ``winner``
    is the seat of the last fighter standing (-1 while fighting or after a draw).
    """

    def __init__(self, config: ArenaConfig) -> None:
        self.config = config
        count = config.num_fighters
        self.count = count
        self.half = config.arena_size / 2.0
        self.sizes = np.array([f.size for f in config.fighters], dtype=np.float64)
        self.speeds = np.array([f.speed for f in config.fighters], dtype=np.float64)
        self.radius = rules.BODY_RADIUS * self.sizes
        self.reach = rules.REACH * self.sizes
        self.top_speed = rules.BASE_SPEED * self.speeds
        self.min_gap = self.radius[:, None] + self.radius[None, :]
        self.not_self = ~np.eye(count, dtype=bool)
        self.trail = np.zeros((TRAIL_LENGTH, count, 2)) if config.highlight_path else None

    def reset(self, rng: np.random.Generator) -> None:
        """Place fighters evenly on a circle at a random rotation and shuffled seats."""
        angles = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.arange(self.count) / self.count
        seats = rng.permutation(self.count)
        ring = rules.SPAWN_RADIUS * self.config.arena_size
        self.positions = ring * np.stack([np.cos(angles[seats]), np.sin(angles[seats])], axis=1)
        self.velocities = np.zeros((self.count, 2))
        self.health = np.full(self.count, rules.MAX_HEALTH)
        self.alive = np.ones(self.count, dtype=bool)
        self.cooldown = np.zeros(self.count, dtype=np.int64)
        self.blocking = np.zeros(self.count, dtype=bool)
        self.attacking = np.zeros(self.count, dtype=bool)
        self.died = np.zeros(self.count, dtype=bool)
        self.winner = -1
        self.steps = 0
        if self.trail is not None:
            self.trail[:] = self.positions

    @property
    def over(self) -> bool:
        """True once at most one fighter is standing."""
        return int(self.alive.sum()) <= 1

    def step(self, actions: np.ndarray) -> np.ndarray:
        """Apply ``(count, 4)`` actions (rows of fallen fighters are ignored); return rewards."""
        reward = rules.ARENA_REWARDS
        alive = self.alive
        acted = alive.copy()
        actions = np.clip(actions, -1.0, 1.0)
        move = actions[:, :2]
        norm = np.sqrt(move[:, 0] ** 2 + move[:, 1] ** 2)
        cooldown = np.maximum(self.cooldown - 1, 0)
        blocking = (actions[:, 3] > 0) & alive
        attacking = (actions[:, 2] > 0) & alive & ~blocking & (cooldown == 0)
        speed = self.top_speed * np.where(blocking, rules.BLOCK_SPEED, 1.0) * alive
        velocities = move * (speed / np.maximum(norm, 1.0))[:, None]
        positions = self.positions + velocities * rules.DT
        limit = (self.half - self.radius)[:, None]
        np.clip(positions, -limit, limit, out=positions)

        rel = positions[None, :, :] - positions[:, None, :]  # rel[i, j] = pos_j - pos_i
        dist = np.sqrt(rel[:, :, 0] ** 2 + rel[:, :, 1] ** 2)
        live_pair = alive[:, None] & alive[None, :] & self.not_self
        in_reach = (
            attacking[:, None] & live_pair & (dist - self.radius[None, :] <= self.reach[:, None])
        )
        damage = (
            in_reach * (rules.ATTACK_DAMAGE * np.where(blocking, rules.BLOCK_FACTOR, 1.0))[None, :]
        )
        overlap = np.where(live_pair, np.maximum(self.min_gap - dist, 0.0), 0.0)
        if overlap.any():
            push = (overlap / np.maximum(dist, 1e-6) / 2.0)[:, :, None] * rel
            positions -= push.sum(axis=1)
            np.clip(positions, -limit, limit, out=positions)

        dealt = damage.sum(axis=1)
        taken = damage.sum(axis=0)
        health = np.maximum(self.health - taken, 0.0)
        died = alive & (health <= 0.0)
        kills = (damage[:, died] > 0).sum(axis=1)
        rewards = (
            reward.step
            + reward.damage_dealt * dealt
            + reward.damage_taken * taken
            + reward.kill * kills
            + reward.death * died
        ) * acted

        self.positions, self.velocities, self.health = positions, velocities, health
        self.alive = alive & ~died
        self.died = died
        self.blocking, self.attacking = blocking, attacking
        self.cooldown = np.where(attacking, rules.ATTACK_COOLDOWN, cooldown)
        self.steps += 1
        if self.over:
            standing = np.flatnonzero(self.alive)
            if standing.size:
                self.winner = int(standing[0])
                rewards[self.winner] += reward.win
        if self.trail is not None:
            self.trail[self.steps % TRAIL_LENGTH] = positions
        return rewards

    def observations(self) -> np.ndarray:
        """``arena-obs-v1`` rows for every seat (fallen seats included; views drop them)."""
        return encode_observations(
            self.positions,
            self.velocities,
            self.health,
            self.sizes,
            self.speeds,
            self.alive,
            self.config.arena_size,
        )

    def frame(self, seat: int) -> dict[str, Any]:
        """Seat ``seat``'s view as a seed-000 fight frame (positions, health, enemies)."""
        ids = self.config.fighter_ids
        return {
            "frame_number": self.steps,
            "fighter_position": self.positions[seat].tolist(),
            "fighter_velocity": self.velocities[seat].tolist(),
            "fighter_health": float(self.health[seat]),
            "enemies_state": [
                {
                    "id": ids[j],
                    "pos": self.positions[j].tolist(),
                    "vel": self.velocities[j].tolist(),
                    "health": float(self.health[j]),
                }
                for j in range(self.count)
                if j != seat
            ],
        }

    def state(self) -> dict[str, Any]:
        """JSON-serialisable snapshot for client-side renderers (the lab's game_state)."""
        return {
            "game": "arena",
            "arena_size": self.config.arena_size,
            "step": self.steps,
            "winner": self.config.fighter_ids[self.winner] if self.winner >= 0 else None,
            "fighters": [
                {
                    "id": spec.id,
                    "position": self.positions[i].tolist(),
                    "velocity": self.velocities[i].tolist(),
                    "health": float(self.health[i]),
                    "size": spec.size,
                    "speed": spec.speed,
                    "alive": bool(self.alive[i]),
                    "attacking": bool(self.attacking[i]),
                    "blocking": bool(self.blocking[i]),
                }
                for i, spec in enumerate(self.config.fighters)
            ],
        }
