"""The env catalogue and its registration with Gymnasium and RLlib, by name.

Gymnasium ids are registered when ``arenalab.envs`` is imported, with ``"module:Class"``
entry points so that remote Ray workers resolve them by import. RLlib names are
registered by :func:`register_rllib_envs`, which imports Ray lazily: importing the envs
must stay cheap for the HTTP side and the CLI.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import gymnasium as gym


@dataclass(frozen=True)
class EnvEntry:
    """One environment the platform offers: its name, class and kind."""

    name: str
    entry_point: str
    multi_agent: bool
    game: str
    description: str

    def load(self) -> type:
        """Import and return the env class."""
        module, _, attr = self.entry_point.partition(":")
        return getattr(importlib.import_module(module), attr)

    def make(self, env_config: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        """Instantiate the env from an ``env_config`` dict (plus e.g. ``render_mode``)."""
        return self.load()(env_config, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the lab API's environment list."""
        return {
            "name": self.name,
            "game": self.game,
            "multi_agent": self.multi_agent,
            "entry_point": self.entry_point,
            "description": self.description,
        }


CATALOGUE: dict[str, EnvEntry] = {
    entry.name: entry
    for entry in (
        EnvEntry(
            "arenalab/PacMan-v0",
            "arenalab.envs.pacman.env:PacManEnv",
            False,
            "pacman",
            "Configurable Pac-Man: seeded procedural maze, scripted ghosts, Discrete(5).",
        ),
        EnvEntry(
            "arenalab/MultiAgentPacMan-v0",
            "arenalab.envs.pacman.multi_agent:MultiAgentPacManEnv",
            True,
            "pacman",
            "Pac-Man and every ghost as agents (pacman, ghost_0..), Discrete(5) each.",
        ),
        EnvEntry(
            "arenalab/Arena-v0",
            "arenalab.envs.arena.env:ArenaEnv",
            False,
            "arena",
            "One learning fighter against scripted or frozen opponents, arena-obs-v2 (or v1).",
        ),
        EnvEntry(
            "arenalab/MultiAgentArena-v0",
            "arenalab.envs.arena.multi_agent:MultiAgentArenaEnv",
            True,
            "arena",
            "2-8 fighters, every one an agent, arena-obs-v2 (or v1), Box(-1, 1, (4,)) actions.",
        ),
    )
}


def get_entry(name: str) -> EnvEntry:
    """Look a name up in the catalogue, with the valid names in the error."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ValueError(f"env name must be one of {sorted(CATALOGUE)}, got {name!r}") from None


def make_env(name: str, env_config: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
    """Create any catalogued env (single- or multi-agent) from its name and config."""
    return get_entry(name).make(env_config, **kwargs)


def register_gym_envs() -> None:
    """Register the single-agent envs with Gymnasium (idempotent)."""
    for entry in CATALOGUE.values():
        if not entry.multi_agent and entry.name not in gym.registry:
            gym.register(id=entry.name, entry_point=entry.entry_point)


def register_rllib_envs() -> None:
    """Register every catalogued env with RLlib/Tune under its catalogue name.

    Call it in the driver before building an algorithm; ``env_config`` dicts then reach
    the env constructors on every env runner, local or remote.
    """
    from ray.tune.registry import register_env  # Ray is slow to import

    for entry in CATALOGUE.values():
        register_env(entry.name, entry.load())
