"""The arena's physics constants and reward table: every tunable number in one place.

Physics, per step of ``DT`` seconds: a fighter's velocity is its move input (clipped to
unit length) times ``BASE_SPEED * speed``, halved while blocking; positions are clamped
inside the walls and overlapping fighters are pushed apart. A fighter's body radius is
``BODY_RADIUS * size`` and its reach (centre to weapon tip) ``REACH * size``: an attack
hits every living enemy whose body is within reach. Attacks need the button, no block,
and a ready cooldown; a blocked hit does ``BLOCK_FACTOR`` of its damage.

Rewards, per fighter per step (``ArenaRewards``):

=================  ===============================================
Event              Reward
=================  ===============================================
every step         -0.002 (a nudge to engage)
damage dealt       +0.05 per health point (a clean hit: +0.5)
damage taken       -0.05 per health point
kill               +2.0 per enemy that dies from this step's hits
death              -2.0
win                +5.0 for the last fighter standing
=================  ===============================================
"""

from __future__ import annotations

from dataclasses import dataclass

from arenalab.envs.arena.spec import HEALTH_SCALE, VELOCITY_SCALE

DT = 0.05
BASE_SPEED = VELOCITY_SCALE / 2.0  # so the fastest fighter (speed 2) reads velocity 1.0
BODY_RADIUS = 0.5
REACH = 1.5
ATTACK_DAMAGE = 10.0
ATTACK_COOLDOWN = 10
BLOCK_FACTOR = 0.25
BLOCK_SPEED = 0.5
MAX_HEALTH = HEALTH_SCALE
SPAWN_RADIUS = 0.35  # fraction of the arena side


@dataclass(frozen=True)
class ArenaRewards:
    """Per-step reward weights for one fighter."""

    step: float = -0.002
    damage_dealt: float = 0.05
    damage_taken: float = -0.05
    kill: float = 2.0
    death: float = -2.0
    win: float = 5.0


ARENA_REWARDS = ArenaRewards()
