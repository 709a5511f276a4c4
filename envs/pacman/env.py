"""Single-agent Pac-Man: the Gymnasium view of :class:`~arenalab.envs.pacman.game.PacManGame`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, SupportsInt

import gymnasium as gym
import numpy as np
from arenalab.envs.pacman.config import PacManConfig
from arenalab.envs.pacman.game import PacManGame
from arenalab.envs.pacman.heuristic import PacManHeuristic
from arenalab.envs.pacman.observation import ACTIONS
from arenalab.envs.pacman.render import RENDER_MODES, render_game
from arenalab.envs.pacman.views import observation_space, observe
from arenalab.envs.seeding import runner_seed
from arenalab.envs.settings import configure_env
from gymnasium import spaces


def check_action(action: SupportsInt, agent: str = "pacman") -> int:
    """Turn an action into an int, refusing anything outside ``Discrete(5)``."""
    value = int(action)
    if not 0 <= value < len(ACTIONS):
        raise ValueError(f"action for {agent} must be in 0..{len(ACTIONS) - 1}, got {action!r}")
    return value


class HeuristicOnState:
    """The heuristic playing from a game's ``pacman-obs-v1`` view, whatever the env returns."""

    def __init__(self, game: PacManGame) -> None:
        self.game = game
        self.heuristic = PacManHeuristic()

    def __call__(self, obs: Any) -> int:
        """Ignore ``obs`` (another view of the same state) and act on the v1 planes."""
        return self.heuristic(self.game.observation(0))


class PacManEnv(gym.Env[np.ndarray, np.int64]):
    """Configurable Pac-Man in a seeded procedural maze.

    ## Description
    Pac-Man eats pellets in a maze generated from the episode seed (always connected,
    with loops and no dead ends) while ghosts hunt him. Ghosts alternate scatter and
    chase phases with three chase personalities; eating a power pellet frightens them
    for 20 steps, during which they move at half speed and can be eaten.

    ## Action Space
    ``Discrete(5)``: 0 stay, 1 up, 2 down, 3 left, 4 right. Moving into a wall stays put.

    ## Observation Space
    ``Box(0, high, (7 * grid_size**2 + 4,), float32)``: seven row-major planes (walls,
    pellets, power pellets, Pac-Man, ghosts, frightened ghosts, self) then four scalars
    (lives left, frightened time left, time, is_ghost); see
    :mod:`arenalab.envs.pacman.observation` (``arenalab envs spec pacman``).

    With ``observation`` set to ``egocentric``, ``image`` or ``features`` the learner
    sees a ``pacman-obs-v2-*`` view of the same game instead
    (:mod:`arenalab.envs.pacman.views`).

    ## Rewards
    Per step -0.01, pellet +1, power pellet +5, ghost eaten +10, caught by a ghost -25,
    all pellets cleared +50 (:mod:`arenalab.envs.pacman.rewards`).

    ## Episode End
    Terminated when every pellet is eaten (``info["is_victory"]`` True) or the last life
    is lost; truncated after ``max_steps`` steps. After a lost life everyone returns to
    their start cells and eaten pellets stay eaten.

    ## Arguments
    ``PacManEnv(env_config=None, render_mode=None, **kwargs)``: ``env_config`` (RLlib's
    dict) and keyword arguments are merged and validated by
    :class:`~arenalab.envs.pacman.config.PacManConfig`: ``grid_size`` (5-41, default 10),
    ``num_ghosts`` (0-8, 2), ``power_pellets`` (0-8, 2), ``lives`` (1-9, 3),
    ``pellet_density`` (0-1, 0.7), ``max_steps`` (500), ``observation`` (``planes``) and
    the visualization group ``fps`` (metadata ``render_fps``), ``render_scale`` (pixels
    per cell), ``show_grid``, ``show_stats``, ``highlight_path``. ``render_mode`` is
    ``"rgb_array"``, ``"ansi"`` or None. ``gymnasium.make("arenalab/PacMan-v0", grid_size=12)``.

    ## Version History
    * v0: initial version; ``observation`` options added later (v1 stays the default).
    """

    metadata: dict[str, Any] = {"render_modes": RENDER_MODES, "render_fps": 10}

    def __init__(
        self,
        env_config: Mapping[str, Any] | None = None,
        *,
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.config = configure_env(
            self, PacManConfig, env_config, kwargs, render_mode, RENDER_MODES
        )
        self.game = PacManGame(self.config)
        cfg = self.config
        self.observation_space = observation_space(cfg.observation, cfg.grid_size, cfg.num_ghosts)
        self.action_space = spaces.Discrete(len(ACTIONS))

    def heuristic_policy(self) -> PacManHeuristic | HeuristicOnState:
        """The scripted baseline: greedy pellet-seeking that avoids ghosts.

        It reads ``pacman-obs-v1``; with another ``observation`` option it reads that
        view of this env's game instead of its argument, so it plays the same seeded
        games as a learner on any view.
        """
        if self.config.observation == "planes":
            return PacManHeuristic()
        return HeuristicOnState(self.game)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode in a new maze drawn from the env's seeded generator."""
        super().reset(seed=runner_seed(seed, self.runner))
        self.game.reset(self.np_random)
        return observe(self.config.observation, self.game), self._info()

    def step(self, action: SupportsInt) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Move Pac-Man, then the scripted ghosts; see the class docstring for rewards."""
        game = self.game
        reward = game.step(check_action(action))
        terminated = game.terminated
        truncated = not terminated and game.steps >= self.config.max_steps
        info = self._info()
        if terminated or truncated:
            info["is_victory"] = game.remaining == 0
        return observe(self.config.observation, game), reward, terminated, truncated, info

    def _info(self) -> dict[str, Any]:
        game = self.game
        return {"lives": game.lives, "pellets_left": game.remaining, "score": game.score}

    def render(self) -> np.ndarray | str | None:
        """Draw the current frame in ``render_mode`` (None when no mode was chosen)."""
        return render_game(self.game, self.config, self.render_mode)

    def state(self) -> dict[str, Any]:
        """JSON-serialisable game state for client-side renderers."""
        return self.game.state()
