"""The arena's physics constants and reward table: every tunable number in one place.

Physics, per step of ``DT`` seconds: a fighter's velocity is its move input (clipped to
unit length) times ``BASE_SPEED * speed``, halved while blocking; positions are clamped
inside the walls and overlapping fighters are pushed apart. A fighter's body radius is
``BODY_RADIUS * size`` and its reach (centre to weapon tip) ``REACH * size``: an attack
hits every living enemy whose body is within reach. Attacks need the button, no block,
and a ready cooldown; a blocked hit does ``BLOCK_FACTOR`` of its damage.

Rewards, per fighter per step (``ArenaRewards``), the one reward table (docs/envs.md
links here):

=================  ===============================================
Event              Reward
=================  ===============================================
every step         -0.005 (-2.5 over a 500-step battle)
approaching        +0.1 per world unit closed on the nearest enemy (-0.1 per unit opened)
keeping away       -0.02 per step with no enemy within reach + ``ENGAGE_MARGIN``
damage dealt       +0.1 per health point (a clean hit: +1.0)
damage taken       -0.05 per health point (a clean hit: -0.5)
kill               +2.0 per enemy that dies from this step's hits
death              -2.0
win                +5.0 for the last fighter standing
timeout            -5.0 to every fighter still standing when ``max_steps`` runs out
=================  ===============================================

Why this shape: a battle that runs out the clock costs everyone standing more than a
knock-out loss (time-out plus step costs: -7.5 over 500 steps with no hit traded, a
loss -7 before the damage it dealt), so turtling behind a guard is no safe optimum;
running away costs on every step it lasts (-10 more over a fled battle), not only at
the time-out that a discount of 0.99 makes invisible from the start of a fight;
dealing damage pays twice what taking it costs, so an even exchange of hits is worth
more than keeping away; and a win (+5, +2 for the kill, +10 for the damage) dwarfs
every other outcome. Between two time-outs, the damage terms still rank the fighter
that dealt more above the one that took more.

The approach term is shaping, not a goal: it is a difference of potentials (minus
0.1 x the distance to the nearest enemy), so over a fight it sums to 0.1 x the distance
closed (at most ~1.4 in a 10-unit arena) and cannot be farmed by pacing, yet it tells a
fighter on every step which way the fight is, which a learner starting 7 units away
otherwise finds only by chance.
``ENGAGE_MARGIN`` is half a body, so hovering just outside reach, where a wounded
heuristic waits with its guard up, still costs the keep-away rate.
"""

from __future__ import annotations

from dataclasses import dataclass

from arenalab.envs.arena.spec import BODY_RADIUS as BODY_RADIUS  # the observation's gaps use
from arenalab.envs.arena.spec import HEALTH_SCALE, VELOCITY_SCALE
from arenalab.envs.arena.spec import REACH as REACH  # the same bodies and reaches

DT = 0.05
BASE_SPEED = VELOCITY_SCALE / 2.0  # so the fastest fighter (speed 2) reads velocity 1.0
ATTACK_DAMAGE = 10.0
ATTACK_COOLDOWN = 10
BLOCK_FACTOR = 0.25
BLOCK_SPEED = 0.5
MAX_HEALTH = HEALTH_SCALE
SPAWN_RADIUS = 0.35  # fraction of the arena side
ENGAGE_MARGIN = 0.5  # world units beyond reach that still count as engaged (no keep-away cost)


@dataclass(frozen=True)
class ArenaRewards:
    """Per-step reward weights for one fighter."""

    step: float = -0.005
    approach: float = 0.1
    keep_away: float = -0.02
    damage_dealt: float = 0.1
    damage_taken: float = -0.05
    kill: float = 2.0
    death: float = -2.0
    win: float = 5.0
    timeout: float = -5.0


ARENA_REWARDS = ArenaRewards()
