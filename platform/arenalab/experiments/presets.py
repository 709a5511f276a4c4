"""Named partial overrides a lab starts from (seed 004's ``débutant`` and three more).

A preset only lists what it changes; precedence is defaults < preset < explicit
values. The ``game`` part is keyed by game kind because Pac-Man and the arena have
different game groups. Names are matched without accents or case, so ``debutant``
and ``Débutant`` both find ``débutant``.
"""

from __future__ import annotations

import unicodedata
from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    "débutant": {
        "description": "Beginner: a small, forgiving maze and per-move features; PPO beats "
        "the random policy clearly in about 3 minutes on 2 cores.",
        "training": {
            "learning_rate": 1e-3,
            "gamma": 0.95,
            "episodes": 100_000,
            "env_steps": 60_000,
            "batch_size": 128,
            "buffer_size": 2000,
        },
        "game": {
            "pacman": {
                "grid_size": 7,
                "num_ghosts": 1,
                "power_pellets": 1,
                "lives": 5,
                "observation": "features",
            },
            "arena": {"num_fighters": 2, "arena_size": 10.0, "opponents": "random"},
        },
        "intelligence": {"exploration_rate": 0.01},
        "visualization": {"fps": 5, "highlight_path": True},
    },
    "intermédiaire": {
        "description": "Intermediate: the seed's default game with a longer budget.",
        "training": {"learning_rate": 5e-4, "episodes": 2000},
        "game": {
            "pacman": {"grid_size": 10, "num_ghosts": 2, "power_pellets": 2, "lives": 3},
            "arena": {"num_fighters": 2, "arena_size": 20.0, "opponents": "heuristic"},
        },
        "intelligence": {"exploration_rate": 0.05},
    },
    "expert": {
        "description": "Expert: a big maze, many ghosts, one life; a long run on a cluster.",
        "training": {"learning_rate": 2.5e-4, "episodes": 20000, "buffer_size": 100_000},
        "game": {
            "pacman": {"grid_size": 15, "num_ghosts": 4, "power_pellets": 4, "lives": 1},
            "arena": {"num_fighters": 4, "arena_size": 30.0, "opponents": "league"},
        },
        "intelligence": {"exploration_rate": 0.01, "learning_starts": 5000},
        "resources": {"num_env_runners": 4, "num_envs_per_env_runner": 2},
    },
    "rapide": {
        "description": "Smoke test: checks that a run starts, checkpoints and registers in "
        "about a minute; its 20 episodes learn nothing, so expect random-level scores.",
        "training": {"episodes": 20, "batch_size": 64, "buffer_size": 1000},
        "game": {
            "pacman": {"grid_size": 7, "num_ghosts": 1, "power_pellets": 1, "max_steps": 100},
            "arena": {"num_fighters": 2, "arena_size": 10.0, "max_steps": 100},
        },
        "intelligence": {"learning_starts": 100},
        "run": {"checkpoint_every": 1, "evaluation_episodes": 3, "hidden_sizes": [32, 32]},
    },
}


class UnknownPresetError(KeyError):
    """The preset name matches none of ``PRESETS``; the message lists them."""

    def __str__(self) -> str:
        return str(self.args[0])


def _fold(name: str) -> str:
    """Compare names without case or accents (``Débutant`` == ``debutant``)."""
    decomposed = unicodedata.normalize("NFKD", name.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def preset_name(name: str) -> str:
    """The canonical spelling of a preset name, or UnknownPresetError listing the choices."""
    for canonical in PRESETS:
        if _fold(canonical) == _fold(name):
            return canonical
    raise UnknownPresetError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")


def preset_overrides(name: str, game_kind: str, environment: str = "") -> dict[str, Any]:
    """The preset's values as experiment keys, with the ``game`` part for ``game_kind`` only.

    Single-agent observation options (``game.observation``) are left out of the
    multi-agent game, which always observes ``pacman-obs-v1``.
    """
    preset = PRESETS[preset_name(name)]
    overrides = {key: value for key, value in preset.items() if key not in {"description", "game"}}
    if game_kind in preset.get("game", {}):
        game = dict(preset["game"][game_kind])
        if environment == "multiagent-pacman":
            game.pop("observation", None)
        overrides["game"] = game
    return overrides
