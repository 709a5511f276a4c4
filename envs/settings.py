"""Typed settings shared by every arenalab environment: the visualization group and parsing.

Both games take the experiment's ``visualization`` parameters (docs/architecture.md 4.4), so those
fields live here once, and so does the rule for turning an RLlib ``env_config`` dict plus
keyword arguments into a validated config object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from arenalab.envs.seeding import runner_index
from pydantic import BaseModel, ConfigDict, Field

SettingsT = TypeVar("SettingsT", bound="EnvSettings")


class EnvSettings(BaseModel):
    """Fields every env accepts: the visualization group and the episode step limit.

    Unknown keys are rejected so that a typo in an experiment never silently falls back
    to a default. The seed's 0/1 flags are accepted as booleans.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_steps: int = Field(500, ge=1, description="Steps after which an episode is truncated.")
    fps: int = Field(10, ge=1, le=120, description="Playback rate; becomes metadata render_fps.")
    render_scale: int = Field(
        16, ge=2, le=128, description="Pixels per maze cell (Pac-Man) or per arena unit (arena)."
    )
    show_grid: bool = Field(True, description="Draw cell grid lines (rgb_array).")
    show_stats: bool = Field(True, description="Draw the score/lives/health panel.")
    highlight_path: bool = Field(
        False, description="Draw Pac-Man's path to the nearest pellet, or fighters' trails."
    )


def parse_settings(
    cls: type[SettingsT], env_config: Mapping[str, Any] | None, overrides: Mapping[str, Any]
) -> tuple[SettingsT, str | None]:
    """Merge an RLlib ``env_config`` with keyword arguments into ``cls``; split off render_mode.

    RLlib hands envs one ``EnvContext`` dict, Gymnasium's ``make`` hands keyword arguments;
    both routes must validate identically. ``render_mode`` is not a game parameter, but RLlib
    users can only pass it inside ``env_config``, so it is accepted there too.

    Raises:
        ValueError: if a key is unknown or a value is out of range (pydantic's
            ``ValidationError`` is a ``ValueError`` and names the field).
    """
    merged = {**dict(env_config or {}), **overrides}
    render_mode = merged.pop("render_mode", None)
    return cls.model_validate(merged), render_mode


def check_render_mode(render_mode: str | None, supported: list[str]) -> str | None:
    """Reject a render mode the env cannot produce, at construction rather than first render."""
    if render_mode is not None and render_mode not in supported:
        raise ValueError(f"render_mode must be one of {supported} or None, got {render_mode!r}")
    return render_mode


def configure_env(
    env: Any,
    cls: type[SettingsT],
    env_config: Mapping[str, Any] | None,
    overrides: Mapping[str, Any],
    render_mode: str | None,
    supported: list[str],
) -> SettingsT:
    """Validate an env's config; set its ``render_mode``, ``render_fps`` and env ``runner``.

    ``runner`` is the index of the RLlib env runner building the env (0 outside RLlib),
    which :func:`arenalab.envs.seeding.runner_seed` mixes into reset seeds.

    Raises:
        ValueError: naming the bad parameter or render mode, at construction.
    """
    config, config_mode = parse_settings(cls, env_config, overrides)
    env.render_mode = check_render_mode(render_mode or config_mode, supported)
    env.metadata = {**env.metadata, "render_fps": config.fps}
    env.runner = runner_index(env_config)
    return config
