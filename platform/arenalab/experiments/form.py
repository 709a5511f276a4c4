"""What a form needs to edit an experiment: groups, types, ranges, defaults, units, text.

The lab API serves this at ``/api/v1/parameters/schema``; it is derived from the
pydantic models, so the form can never drift from what validation accepts.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from arenalab.experiments.presets import PRESETS
from arenalab.experiments.schema import (
    Algorithm,
    ArenaGame,
    Environment,
    IntelligenceParams,
    PacManGame,
    Resources,
    RunParams,
    TrainingParams,
    VisualizationParams,
)

GROUPS: dict[str, type[BaseModel]] = {
    "training": TrainingParams,
    "intelligence": IntelligenceParams,
    "visualization": VisualizationParams,
    "resources": Resources,
    "run": RunParams,
}
GAMES: dict[str, type[BaseModel]] = {"pacman": PacManGame, "arena": ArenaGame}
_KEPT = ("type", "minimum", "maximum", "exclusiveMinimum", "enum", "items", "anyOf", "const")


def group_schema(model: type[BaseModel]) -> dict[str, Any]:
    """One group's fields as ``{name: {type, minimum, maximum, default, unit, description}}``."""
    schema = model.model_json_schema()
    fields = {}
    for name, prop in schema["properties"].items():
        if name == "kind":
            continue
        field = {key: prop[key] for key in _KEPT if key in prop}
        field["default"] = prop.get("default")
        field["unit"] = prop.get("unit", "")
        field["description"] = prop.get("description", "")
        fields[name] = field
    return {"description": (model.__doc__ or "").strip().splitlines()[0], "fields": fields}


def parameters_schema() -> dict[str, Any]:
    """The whole form: the groups, the game schema per environment, choices and presets."""
    return {
        "algorithms": [algorithm.value for algorithm in Algorithm],
        "environments": {
            Environment.PACMAN.value: "pacman",
            Environment.MULTIAGENT_PACMAN.value: "pacman",
            Environment.ARENA.value: "arena",
        },
        "groups": {name: group_schema(model) for name, model in GROUPS.items()},
        "game": {kind: group_schema(model) for kind, model in GAMES.items()},
        "presets": {name: preset["description"] for name, preset in PRESETS.items()},
    }
