"""Watch a registered model play: greedy episodes, acting as ``/act`` serves it, as frames.

``arenalab watch MODEL`` plays the scoring protocol's game (the model's experiment, or
an offline fighter's 1v1 fight) with the policy loaded as the server loads it, and
keeps each step's rendering: ``rgb_array`` images drawn with the experiment's
visualization parameters (``render_scale``, ``show_grid``, ``show_stats``,
``highlight_path``), written as an animated GIF at its ``fps``, or ``ansi`` text for a
terminal. Episodes use the protocol's seeds, so the GIF shows games the score counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arenalab.registry import Registry
from arenalab.settings import Settings, get_settings
from arenalab.training.evaluation import greedy_actor, make_env, model_setup

DEFAULT_FPS = 10


@dataclass
class Replay:
    """What a model did: each step's rendering and each episode's return."""

    frames: list[Any] = field(default_factory=list)
    returns: list[float] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    fps: int = DEFAULT_FPS


def watch_model(
    model_id: int,
    *,
    episodes: int = 1,
    opponent: str = "heuristic",
    render_mode: str = "rgb_array",
    max_steps: int | None = None,
    settings: Settings | None = None,
) -> Replay:
    """Play ``episodes`` greedy episodes of a registered model and keep every frame.

    Args:
        model_id: The registry's model id.
        episodes: Episodes to play (seeds ``EVAL_SEED``, ``EVAL_SEED + 1``, ...).
        opponent: The arena's opponent ("heuristic" or "random"); ignored by Pac-Man.
        render_mode: "rgb_array" (images) or "ansi" (text).
        max_steps: Stop each episode after this many steps (default: the game's own).
        settings: Defaults to :func:`arenalab.settings.get_settings`.

    Raises:
        NotFoundError: if the model is not registered.
        ValueError: for a model with no single-agent view or a bad argument.
    """
    if episodes < 1 or (max_steps is not None and max_steps < 1):
        raise ValueError("episodes and max_steps must be >= 1")
    settings = settings or get_settings()
    registry = Registry.from_settings(settings)
    policy, protocol, config = model_setup(registry.get_model(model_id), registry, settings)
    env = make_env(protocol, config, opponent, render_mode=render_mode)
    act = greedy_actor(policy)
    replay = Replay(fps=int(config.get("fps", DEFAULT_FPS)))
    try:
        for episode in range(episodes):
            obs, _ = env.reset(seed=protocol.seed + episode)
            replay.frames.append(env.render())
            total, steps, done, info = 0.0, 0, False, {}
            while not done:
                obs, reward, terminated, truncated, info = env.step(act(obs))
                total, steps = total + float(reward), steps + 1
                replay.frames.append(env.render())
                done = terminated or truncated or (max_steps is not None and steps >= max_steps)
            replay.returns.append(total)
            replay.outcomes.append(_outcome(info, terminated))
    finally:
        env.close()
    return replay


def _outcome(info: dict[str, Any], terminated: bool) -> str:
    """How an episode ended for the player, in words."""
    if info.get("is_victory"):
        return "won"
    return "lost" if terminated else "time-out"


def write_gif(replay: Replay, path: str | Path) -> Path:
    """An animated GIF of the replay's images at its fps, looping.

    Raises:
        ValueError: if the replay holds text frames (render_mode "ansi").
    """
    from PIL import Image  # only the GIF path needs Pillow

    if not replay.frames or isinstance(replay.frames[0], str):
        raise ValueError("a GIF needs rgb_array frames")
    images = [Image.fromarray(frame) for frame in replay.frames]
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(
        target,
        save_all=True,
        append_images=images[1:],
        duration=max(1, round(1000 / replay.fps)),
        loop=0,
        optimize=False,
    )
    return target


__all__ = ["Replay", "watch_model", "write_gif"]
