"""The seed-000 fighting arena: single-agent view, multi-agent env and the obs spec.

The multi-agent class is imported lazily so that ``import arenalab.envs.arena`` (and
``gymnasium.make``) never pays for importing Ray.
"""

from __future__ import annotations

from typing import Any

from arenalab.envs.arena.config import ArenaConfig, FighterSpec
from arenalab.envs.arena.env import ArenaEnv
from arenalab.envs.arena.game import ArenaGame
from arenalab.envs.arena.heuristic import ArenaHeuristic
from arenalab.envs.arena.rules import ARENA_REWARDS, ArenaRewards
from arenalab.envs.arena.spec import (
    OBS_SIZE,
    OBS_SPEC_VERSION,
    encode_observation,
    observation_from_frame,
    spec_json,
)

__all__ = [
    "ARENA_REWARDS",
    "OBS_SIZE",
    "OBS_SPEC_VERSION",
    "ArenaConfig",
    "ArenaEnv",
    "ArenaGame",
    "ArenaHeuristic",
    "ArenaRewards",
    "FighterSpec",
    "MultiAgentArenaEnv",
    "encode_observation",
    "observation_from_frame",
    "spec_json",
]


def __getattr__(name: str) -> Any:
    if name == "MultiAgentArenaEnv":
        from arenalab.envs.arena.multi_agent import MultiAgentArenaEnv

        return MultiAgentArenaEnv
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
