"""Pac-Man's reward tables: the one place where every reward number is written down.

========================  =========  ======================================================
Event                     Pac-Man    Ghosts (multi-agent)
========================  =========  ======================================================
every step                -0.01      0
pellet eaten              +1.0       0
power pellet eaten        +5.0       0
ghost eaten               +10.0      -5.0 for the ghost that was eaten
Pac-Man caught (a life)   -25.0      +10.0 for every ghost (they hunt as a team)
all pellets cleared       +50.0      -10.0 for every ghost
========================  =========  ======================================================
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PacManRewards:
    """What Pac-Man earns per event; the step penalty makes dawdling cost something."""

    step: float = -0.01
    pellet: float = 1.0
    power_pellet: float = 5.0
    ghost_eaten: float = 10.0
    death: float = -25.0
    clear: float = 50.0


@dataclass(frozen=True)
class GhostRewards:
    """What each ghost earns per event in the multi-agent game."""

    caught_pacman: float = 10.0
    eaten: float = -5.0
    pellets_cleared: float = -10.0


PACMAN_REWARDS = PacManRewards()
GHOST_REWARDS = GhostRewards()
