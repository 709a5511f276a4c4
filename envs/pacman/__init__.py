"""Configurable Pac-Man: single-agent Gymnasium env and multi-agent RLlib env, one simulation.

The multi-agent class is imported lazily so that ``import arenalab.envs.pacman`` (and
``gymnasium.make``) never pays for importing Ray.
"""

from __future__ import annotations

from typing import Any

from arenalab.envs.pacman.config import PacManConfig
from arenalab.envs.pacman.env import PacManEnv
from arenalab.envs.pacman.game import PacManGame
from arenalab.envs.pacman.observation import ACTIONS, OBS_VERSION, PacManObsLayout
from arenalab.envs.pacman.rewards import GHOST_REWARDS, PACMAN_REWARDS

__all__ = [
    "ACTIONS",
    "GHOST_REWARDS",
    "OBS_VERSION",
    "PACMAN_REWARDS",
    "MultiAgentPacManEnv",
    "PacManConfig",
    "PacManEnv",
    "PacManGame",
    "PacManObsLayout",
]


def __getattr__(name: str) -> Any:
    if name == "MultiAgentPacManEnv":
        from arenalab.envs.pacman.multi_agent import MultiAgentPacManEnv

        return MultiAgentPacManEnv
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
