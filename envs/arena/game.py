"""The one arena simulation; the multi-agent env and the single-agent view wrap it.

State is kept in small Python lists indexed by seat (the order of ``config.fighters``):
with 2-8 fighters, scalar arithmetic over a few pairs is several times faster than
numpy's per-call overhead, which is what bounds a step. Fighters at zero health are
out: they stop moving, stop being targets and leave every observation. The fight ends
when at most one fighter is standing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from arenalab.envs.arena import rules
from arenalab.envs.arena.config import ArenaConfig
from arenalab.envs.arena.spec import encode_observation

TRAIL_LENGTH = 40


def _clip(value: float) -> float:
    return -1.0 if value < -1.0 else 1.0 if value > 1.0 else value


class ArenaGame:
    """Positions, velocities, health and cooldowns of every fighter; no env API here.

    After each :meth:`step`, ``died`` marks fighters that fell this step and ``winner``
    is the seat of the last fighter standing (-1 while fighting or after a draw).
    """

    def __init__(self, config: ArenaConfig) -> None:
        self.config = config
        self.count = config.num_fighters
        self.half = config.arena_size / 2.0
        self.sizes = [f.size for f in config.fighters]
        self.speeds = [f.speed for f in config.fighters]
        self.radius = [rules.BODY_RADIUS * size for size in self.sizes]
        self.reach = [rules.REACH * size for size in self.sizes]
        self.top_speed = [rules.BASE_SPEED * speed for speed in self.speeds]
        self.limit = [self.half - radius for radius in self.radius]
        self.pairs = [(i, j) for i in range(self.count) for j in range(i + 1, self.count)]
        self.trail = np.zeros((TRAIL_LENGTH, self.count, 2)) if config.highlight_path else None

    def reset(self, rng: np.random.Generator) -> None:
        """Place fighters evenly on a circle at a random rotation and shuffled seats."""
        count = self.count
        angles = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.arange(count) / count
        seats = rng.permutation(count)
        ring = rules.SPAWN_RADIUS * self.config.arena_size
        self.positions = [
            [ring * math.cos(angles[s]), ring * math.sin(angles[s])] for s in seats.tolist()
        ]
        self.velocities = [[0.0, 0.0] for _ in range(count)]
        self.health = [rules.MAX_HEALTH] * count
        self.alive = [True] * count
        self.cooldown = [0] * count
        self.blocking = [False] * count
        self.attacking = [False] * count
        self.died = [False] * count
        self.winner = -1
        self.steps = 0
        if self.trail is not None:
            self.trail[:] = self.positions

    @property
    def standing(self) -> int:
        """How many fighters are still in the fight."""
        return sum(self.alive)

    @property
    def over(self) -> bool:
        """True once at most one fighter is standing."""
        return self.standing <= 1

    @property
    def timed_out(self) -> bool:
        """True when ``max_steps`` ran out with two or more fighters standing."""
        return not self.over and self.steps >= self.config.max_steps

    def step(self, actions: Sequence[Sequence[float]]) -> list[float]:
        """Apply one ``(move_x, move_y, attack, block)`` per seat; return per-seat rewards.

        Rows of fallen fighters are ignored. Attacks resolve on positions after
        movement and before overlapping bodies are pushed apart; damage is simultaneous,
        so two fighters can fall on the same step (a draw if they were the last two).
        """
        reward = rules.ARENA_REWARDS
        count, alive, positions = self.count, self.alive, self.positions
        acted = list(alive)
        before = self._nearest_enemy_distances(acted)
        for i in range(count):
            if not alive[i]:
                self.velocities[i] = [0.0, 0.0]
                self.blocking[i] = self.attacking[i] = False
                continue
            row = actions[i]
            move_x, move_y, attack, block = row.tolist() if isinstance(row, np.ndarray) else row
            move_x, move_y = _clip(move_x), _clip(move_y)
            blocking = block > 0.0
            self.blocking[i] = blocking
            self.attacking[i] = attack > 0.0 and not blocking and self.cooldown[i] == 0
            if self.attacking[i]:
                self.cooldown[i] = rules.ATTACK_COOLDOWN
            scale = self.top_speed[i] * (rules.BLOCK_SPEED if blocking else 1.0)
            scale /= max(math.sqrt(move_x * move_x + move_y * move_y), 1.0)
            vx, vy = move_x * scale, move_y * scale
            self.velocities[i] = [vx, vy]
            limit = self.limit[i]
            x, y = positions[i]
            positions[i] = [
                min(max(x + vx * rules.DT, -limit), limit),
                min(max(y + vy * rules.DT, -limit), limit),
            ]

        dealt, taken, engaged = [0.0] * count, [0.0] * count, [False] * count
        hits: list[tuple[int, int]] = []
        pushes: list[tuple[int, int, float, float]] = []
        for i, j in self.pairs:
            if not (alive[i] and alive[j]):
                continue
            dx, dy = positions[j][0] - positions[i][0], positions[j][1] - positions[i][1]
            dist = math.sqrt(dx * dx + dy * dy)
            for a, b in ((i, j), (j, i)):
                gap = dist - self.radius[b] - self.reach[a]
                engaged[a] = engaged[a] or gap <= rules.ENGAGE_MARGIN
                if self.attacking[a] and gap <= 0.0:
                    damage = rules.ATTACK_DAMAGE * (rules.BLOCK_FACTOR if self.blocking[b] else 1.0)
                    dealt[a] += damage
                    taken[b] += damage
                    hits.append((a, b))
            overlap = self.radius[i] + self.radius[j] - dist
            if overlap > 0.0:
                share = overlap / max(dist, 1e-6) / 2.0
                pushes.append((i, j, dx * share, dy * share))
        for i, j, px, py in pushes:
            for seat, sign in ((i, -1.0), (j, 1.0)):
                limit = self.limit[seat]
                x, y = positions[seat]
                positions[seat] = [
                    min(max(x + sign * px, -limit), limit),
                    min(max(y + sign * py, -limit), limit),
                ]

        rewards = [0.0] * count
        after = self._nearest_enemy_distances(acted)
        for i in range(count):
            self.died[i] = False
            if not acted[i]:
                continue
            rewards[i] += reward.approach * (before[i] - after[i])
            health = max(self.health[i] - taken[i], 0.0)
            self.health[i] = health
            rewards[i] += (
                reward.step + reward.damage_dealt * dealt[i] + reward.damage_taken * taken[i]
            )
            if not engaged[i]:
                rewards[i] += reward.keep_away
            if health <= 0.0:
                self.died[i] = True
                alive[i] = False
                rewards[i] += reward.death
        for attacker, target in set(hits):
            if self.died[target]:
                rewards[attacker] += reward.kill
        self.cooldown = [c - 1 if c else 0 for c in self.cooldown]
        self.steps += 1
        if self.over:
            standing = [i for i in range(count) if alive[i]]
            if standing:
                self.winner = standing[0]
                rewards[self.winner] += reward.win
        elif self.timed_out:
            for i in range(count):
                if alive[i]:
                    rewards[i] += reward.timeout
        if self.trail is not None:
            self.trail[self.steps % TRAIL_LENGTH] = positions
        return rewards

    def _nearest_enemy_distances(self, standing: Sequence[bool]) -> list[float]:
        """Each standing fighter's distance to its nearest standing enemy (0 when alone)."""
        positions, nearest = self.positions, [math.inf] * self.count
        for i, j in self.pairs:
            if standing[i] and standing[j]:
                dist = math.dist(positions[i], positions[j])
                nearest[i], nearest[j] = min(nearest[i], dist), min(nearest[j], dist)
        return [0.0 if math.isinf(d) else d for d in nearest]

    def cooldown_share(self, seat: int) -> float:
        """Share of ``seat``'s attack cooldown still to wait; 0 means an attack now lands."""
        return self.cooldown[seat] / rules.ATTACK_COOLDOWN

    def observation(self, seat: int) -> np.ndarray:
        """``config.obs_spec`` for ``seat``: the same encoder the game-frame path uses."""
        positions, velocities, health = self.positions, self.velocities, self.health
        enemies = [
            (
                *positions[j],
                *velocities[j],
                health[j],
                self.sizes[j],
                self.cooldown_share(j),
                float(self.blocking[j]),
            )
            for j in range(self.count)
            if j != seat and self.alive[j]
        ]
        return encode_observation(
            positions[seat],
            velocities[seat],
            health[seat],
            self.sizes[seat],
            self.speeds[seat],
            enemies,
            self.config.arena_size,
            cooldown=self.cooldown_share(seat),
            blocking=float(self.blocking[seat]),
            version=self.config.obs_spec,
        )

    def frame(self, seat: int) -> dict[str, Any]:
        """Seat ``seat``'s view as a seed-000 fight frame, plus the fields v2 reads."""
        ids = self.config.fighter_ids
        return {
            "frame_number": self.steps,
            "fighter_position": list(self.positions[seat]),
            "fighter_velocity": list(self.velocities[seat]),
            "fighter_health": self.health[seat],
            "fighter_cooldown": self.cooldown_share(seat),
            "fighter_blocking": self.blocking[seat],
            "enemies_state": [
                {
                    "id": ids[j],
                    "pos": list(self.positions[j]),
                    "vel": list(self.velocities[j]),
                    "health": self.health[j],
                    "size": self.sizes[j],
                    "cooldown": self.cooldown_share(j),
                    "blocking": self.blocking[j],
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
                    "position": list(self.positions[i]),
                    "velocity": list(self.velocities[i]),
                    "health": self.health[i],
                    "size": spec.size,
                    "speed": spec.speed,
                    "alive": self.alive[i],
                    "attacking": self.attacking[i],
                    "blocking": self.blocking[i],
                }
                for i, spec in enumerate(self.config.fighters)
            ],
        }
