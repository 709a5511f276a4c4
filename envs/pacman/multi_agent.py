"""Multi-agent Pac-Man: Pac-Man and every ghost are RLlib agents over the same simulation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from arenalab.envs.pacman.config import PacManConfig
from arenalab.envs.pacman.env import check_action
from arenalab.envs.pacman.game import PacManGame
from arenalab.envs.pacman.observation import ACTIONS
from arenalab.envs.pacman.render import RENDER_MODES, render_game
from arenalab.envs.pacman.rewards import GHOST_REWARDS
from arenalab.envs.settings import configure_env
from gymnasium import spaces
from gymnasium.utils import seeding
from ray.rllib.env.multi_agent_env import MultiAgentEnv

PACMAN = "pacman"


class MultiAgentPacManEnv(MultiAgentEnv):
    """Pac-Man against learning ghosts, on RLlib's ``MultiAgentEnv``.

    ## Description
    The game of :class:`~arenalab.envs.pacman.env.PacManEnv`, but the ghosts are agents
    ``ghost_0`` .. ``ghost_{n-1}`` choosing their own moves (a frightened ghost still
    moves only every other step). Pac-Man learns to eat and survive, ghosts to catch.

    ## Action Space
    Every agent: ``Discrete(5)`` (stay, up, down, left, right). Every agent acts every step.

    ## Observation Space
    Every agent gets the Pac-Man observation layout; the ``self`` plane marks its own
    cell and the ``is_ghost`` scalar is 1 for ghosts.

    ## Rewards
    Pac-Man: as in the single-agent game. Ghosts: +10 each when Pac-Man is caught
    (team reward), -5 for the ghost that is eaten, -10 each when the pellets are cleared
    (:mod:`arenalab.envs.pacman.rewards`).

    ## Episode End
    All agents end together: terminated on clearing or on the last life, truncated after
    ``max_steps``.

    ## Arguments
    Same as :class:`~arenalab.envs.pacman.env.PacManEnv`; ``num_ghosts`` must be >= 1.

    ## Version History
    * v0: initial version.
    """

    metadata: dict[str, Any] = {"render_modes": RENDER_MODES, "render_fps": 10}

    def __init__(
        self,
        env_config: Mapping[str, Any] | None = None,
        *,
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.config = configure_env(
            self, PacManConfig, env_config, kwargs, render_mode, RENDER_MODES
        )
        if self.config.num_ghosts < 1:
            raise ValueError("num_ghosts must be >= 1 for multi-agent Pac-Man, got 0")
        if self.config.observation != "planes":
            raise ValueError(
                "multi-agent Pac-Man observes pacman-obs-v1 only: observation must be "
                f"'planes', got {self.config.observation!r}"
            )
        self.game = PacManGame(self.config)
        self.ghost_ids = [f"ghost_{g}" for g in range(self.config.num_ghosts)]
        self.possible_agents = [PACMAN, *self.ghost_ids]
        self.agents = list(self.possible_agents)
        space = self.game.layout.space(self.config.num_ghosts)
        self.observation_spaces = {agent: space for agent in self.possible_agents}
        self.action_spaces = {agent: spaces.Discrete(len(ACTIONS)) for agent in self.agents}
        self._rng: np.random.Generator | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        """Start an episode; a seed re-seeds the maze and ghost generator."""
        if seed is not None or self._rng is None:
            self._rng, _ = seeding.np_random(seed)
        self.game.reset(self._rng)
        return self._observations(), {agent: {} for agent in self.agents}

    def step(self, action_dict: Mapping[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Apply every agent's action; all agents must act."""
        missing = [agent for agent in self.agents if agent not in action_dict]
        if missing:
            raise ValueError(f"action_dict is missing actions for {missing}")
        game = self.game
        pacman_reward = game.step(
            check_action(action_dict[PACMAN]),
            [check_action(action_dict[ghost], ghost) for ghost in self.ghost_ids],
        )
        team = 0.0
        if game.caught_by >= 0:
            team += GHOST_REWARDS.caught_pacman
        if game.cleared:
            team += GHOST_REWARDS.pellets_cleared
        ghost_rewards = [team] * len(self.ghost_ids)
        for g in game.eaten:
            ghost_rewards[g] += GHOST_REWARDS.eaten
        rewards = {PACMAN: pacman_reward, **dict(zip(self.ghost_ids, ghost_rewards, strict=True))}
        terminated = game.terminated
        truncated = not terminated and game.steps >= self.config.max_steps
        infos: dict[str, dict[str, Any]] = {agent: {} for agent in self.agents}
        infos[PACMAN] = {"lives": game.lives, "pellets_left": game.remaining}
        if terminated or truncated:
            infos[PACMAN]["is_victory"] = game.remaining == 0
        terminateds = {agent: terminated for agent in self.agents}
        truncateds = {agent: truncated for agent in self.agents}
        terminateds["__all__"], truncateds["__all__"] = terminated, truncated
        return self._observations(), rewards, terminateds, truncateds, infos

    def _observations(self) -> dict[str, np.ndarray]:
        return {agent: self.game.observation(i) for i, agent in enumerate(self.possible_agents)}

    def render(self) -> np.ndarray | str | None:
        """Draw the current frame in ``render_mode`` (None when no mode was chosen)."""
        return render_game(self.game, self.config, self.render_mode)

    def state(self) -> dict[str, Any]:
        """JSON-serialisable game state for client-side renderers."""
        return self.game.state()
