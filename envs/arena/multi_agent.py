"""Multi-agent arena: every fighter is an RLlib agent over the same simulation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from arenalab.envs.arena.config import ArenaConfig
from arenalab.envs.arena.env import action_space, check_action, observation_space
from arenalab.envs.arena.game import ArenaGame
from arenalab.envs.arena.render import RENDER_MODES, render_game
from arenalab.envs.settings import configure_env
from gymnasium.utils import seeding
from ray.rllib.env.multi_agent_env import MultiAgentEnv


class MultiAgentArenaEnv(MultiAgentEnv):
    """Every fighter of the seed-000 arena as an agent, on RLlib's ``MultiAgentEnv``.

    ## Description
    The simulation of :class:`~arenalab.envs.arena.env.ArenaEnv`; agent ids are the
    fighter ids (``fighter_0`` .. by default). A fighter that falls gets its last
    observation with ``terminated`` True and then leaves ``agents``.

    ## Action Space
    Every agent: ``Box(-1, 1, (4,), float32)`` (move x, move y, attack, block), or with
    ``action_set="discrete"`` an index into :mod:`arenalab.envs.arena.actions`' table.

    ## Observation Space
    Every agent: ``obs_spec``, by default ``arena-obs-v2``, ``Box((86,), float32)``.

    ## Rewards
    Per fighter, as in :mod:`arenalab.envs.arena.rules`.

    ## Episode End
    ``__all__`` terminates when at most one fighter stands (the winner's final info has
    ``is_victory`` True) and truncates after ``max_steps`` (every fighter standing then
    pays the time-out reward).

    ## Arguments
    :class:`~arenalab.envs.arena.config.ArenaConfig` (``learner`` and ``opponent_policy``
    are unused here).

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
            self, ArenaConfig, env_config, kwargs, render_mode, RENDER_MODES
        )
        self.game = ArenaGame(self.config)
        self.possible_agents = self.config.fighter_ids
        self.agents = list(self.possible_agents)
        self.seats = {agent: seat for seat, agent in enumerate(self.possible_agents)}
        space = observation_space(self.config.obs_spec)
        self.observation_spaces = {agent: space for agent in self.possible_agents}
        self.action_spaces = {
            agent: action_space(self.config.action_set) for agent in self.possible_agents
        }
        self._rng: np.random.Generator | None = None
        self._actions: list[Any] = [(0.0, 0.0, 0.0, 0.0)] * self.game.count

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        """Place every fighter; all of them are agents again."""
        if seed is not None or self._rng is None:
            self._rng, _ = seeding.np_random(seed)
        self.game.reset(self._rng)
        self.agents = list(self.possible_agents)
        observe = self.game.observation
        return {a: observe(s) for a, s in self.seats.items()}, {a: {} for a in self.agents}

    def step(self, action_dict: Mapping[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Apply every standing fighter's action; all of them must act."""
        game, seats, actions = self.game, self.seats, self._actions
        acting = self.agents
        for agent in acting:
            if agent not in action_dict:
                raise ValueError(f"action_dict has no action for standing fighter {agent!r}")
            actions[seats[agent]] = check_action(
                action_dict[agent], agent, self.action_spaces[agent]
            )
        rewards = game.step(actions)
        over = game.over
        truncated = game.timed_out
        died = game.died
        observations = {a: game.observation(seats[a]) for a in acting}
        reward_dict = {a: rewards[seats[a]] for a in acting}
        terminateds = {a: over or died[seats[a]] for a in acting}
        truncateds = {a: truncated for a in acting}
        terminateds["__all__"], truncateds["__all__"] = over, truncated
        infos: dict[str, dict[str, Any]] = {a: {"health": game.health[seats[a]]} for a in acting}
        if over or truncated:
            for a in acting:
                infos[a]["is_victory"] = seats[a] == game.winner
            self.agents = []
        else:
            self.agents = [a for a in acting if game.alive[seats[a]]]
        return observations, reward_dict, terminateds, truncateds, infos

    def render(self) -> np.ndarray | str | None:
        """Draw the current frame in ``render_mode`` (None when no mode was chosen)."""
        return render_game(self.game, self.config, self.render_mode)

    def state(self) -> dict[str, Any]:
        """JSON-serialisable arena state for client-side renderers."""
        return self.game.state()
