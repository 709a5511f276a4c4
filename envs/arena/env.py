"""Single-agent arena: one learning fighter against scripted or frozen opponents."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from arenalab.envs.arena import spec
from arenalab.envs.arena.actions import ArenaActions, controls_space
from arenalab.envs.arena.actions import action_space as action_space
from arenalab.envs.arena.config import (
    LEAGUE,
    LEAGUE_SHARE,
    LEAGUE_SIZE,
    MIXED,
    MIXED_POLICIES,
    ArenaConfig,
)
from arenalab.envs.arena.game import ArenaGame
from arenalab.envs.arena.heuristic import ArenaHeuristic
from arenalab.envs.arena.render import RENDER_MODES, render_game
from arenalab.envs.baselines import Policy, RandomPolicy, resolve_policy
from arenalab.envs.seeding import runner_seed
from arenalab.envs.settings import configure_env
from gymnasium import spaces


def observation_space(version: str = spec.OBS_SPEC_VERSION) -> spaces.Box:
    """The Box every fighter observes under ``version`` (``arena-obs-v2`` by default)."""
    low, high = spec.bounds(version)
    return spaces.Box(low, high, dtype=np.float32)


def check_action(action: Any, agent: str, space: spaces.Space | None = None) -> Any:
    """The 4-vector an action means (values are clipped to [-1, 1] later).

    Four numbers pass as given; under the discrete action set an index is decoded
    through its table.

    Raises:
        ValueError: for anything else, naming the agent.
    """
    if isinstance(space, ArenaActions):
        index = np.asarray(action)
        if index.shape not in ((), (1,)) or not space.contains(int(index.reshape(()))):
            raise ValueError(f"action for {agent} must be an index in [0, {space.n}), got {action}")
        return space.decode(int(index.reshape(())))
    shape = np.shape(action)
    if shape != (4,):
        raise ValueError(f"action for {agent} must have shape (4,), got shape {shape}")
    return action


class ArenaEnv(gym.Env[np.ndarray, np.ndarray]):
    """One learning fighter in the seed-000 arena against scripted or frozen opponents.

    ## Description
    2 to 8 fighters in a square arena (origin at the centre). Each step is 0.05 s: a
    fighter moves at up to ``5 * speed`` units/s (half while blocking), hits every enemy
    whose body is within ``1.5 * size`` of its centre for 10 health (2.5 if blocked),
    then waits 10 steps. Bodies have radius ``0.5 * size`` and push each other apart.
    Opponents follow ``opponent_policy``: "heuristic" (attack the weakest, guard while
    cooling down or low; one instance per opponent), "random", "mixed" (each episode
    draws one of the two), "league" (the self-play league: in a quarter of the
    episodes one of the last ``LEAGUE_SIZE`` policies handed to :meth:`join_league`,
    else as "mixed"; all "mixed" until one joins), or a
    callable ``observation -> action`` such as a frozen policy (shared by all
    opponents; it sees the ``obs_spec`` layout too).
    ``info["opponent"]`` names the episode's: "heuristic", "random", "league" or
    "custom".

    ## Action Space
    ``Box(-1, 1, (4,), float32)``: move x, move y, attack, block. A button fires when its
    value is > 0, so the seed's ``[1.0, 0.0, 0.0, 0]`` means "move right". With
    ``action_set="discrete"`` the learner picks a row of the table in
    :mod:`arenalab.envs.arena.actions` instead (``ArenaActions``, ``Discrete(27)``: no move
    or 8 directions, times nothing, attack or block); opponents always act with 4-vectors.

    ## Observation Space
    ``arena-obs-v2`` (default): ``Box((86,), float32)``, the fighter's own block (with its
    attack cooldown and guard) then 7 enemy slots nearest first (with each enemy's size,
    cooldown, guard and reach gaps); ``obs_spec="arena-obs-v1"`` gives the 49-value v1 layout
    (:mod:`arenalab.envs.arena.spec`, ``arenalab envs spec arena``).

    ## Rewards
    The table in :mod:`arenalab.envs.arena.rules`: per step -0.005 (-0.02 more while no
    enemy is near), +0.1 per health point dealt, -0.05 per point taken, +2 per kill, -2
    on death, +5 for the last fighter standing, -5 to every fighter still standing at
    the time-out.

    ## Episode End
    Terminated when the learner falls or at most one fighter stands
    (``info["is_victory"]`` says whether the learner won); truncated after ``max_steps``.

    ## Arguments
    ``ArenaEnv(env_config=None, render_mode=None, **kwargs)``, validated by
    :class:`~arenalab.envs.arena.config.ArenaConfig`: ``num_fighters`` (2-8, default 2),
    ``fighters`` (list of ``{id, size, speed}``), ``arena_size`` (20), ``learner``
    (default the first id), ``opponent_policy`` ("heuristic"), ``max_steps`` (600),
    ``obs_spec`` ("arena-obs-v2" or "arena-obs-v1"), ``action_set`` ("continuous" or
    "discrete"), and
    the visualization group (``fps``, ``render_scale`` in pixels per unit, ``show_grid``,
    ``show_stats``, ``highlight_path`` = trails).

    ## Version History
    * v0: initial version; ``arena-obs-v2`` became the default observation and a
      time-out costs every fighter standing (the v1 layout stays available).
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
            self, ArenaConfig, env_config, kwargs, render_mode, RENDER_MODES
        )
        self.game = ArenaGame(self.config)
        self.learner = self.config.fighter_ids.index(self.config.learner)
        self.observation_space = observation_space(self.config.obs_spec)
        self.action_space = action_space(self.config.action_set)
        self._pools: list[dict[int, Policy]] = []  # one per opponent kind ("mixed": two)
        self._league: deque[Policy] = deque(maxlen=LEAGUE_SIZE)
        self._opponents: dict[int, Policy] = {}
        self._opponent = ""
        self._actions: list[Any] = [(0.0, 0.0, 0.0, 0.0)] * self.game.count
        self._obs: dict[int, np.ndarray] = {}

    def heuristic_policy(self) -> Policy:
        """The scripted fighter, sized for this arena."""
        return ArenaHeuristic(self.config.arena_size)

    def _opponent_policy(self, policy: str | Policy, seed: int) -> Policy:
        """One opponent's policy; "random" draws 4-vectors, whatever the learner's set."""
        if policy == "random":
            return RandomPolicy(controls_space(), seed)
        return resolve_policy(policy, self, seed)

    def join_league(self, policy: Policy) -> None:
        """Add a frozen policy to the league's pool; the oldest of ``LEAGUE_SIZE`` leaves.

        It plays from the next reset on, for every opponent seat of its episodes. Only
        an ``opponent_policy="league"`` arena draws from the pool.
        """
        self._league.append(policy)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Place the fighters; a seed also re-seeds random opponent policies."""
        super().reset(seed=runner_seed(seed, self.runner))
        if not self._pools or seed is not None:
            opponent_seed = int(self.np_random.integers(2**31))
            policy = self.config.opponent_policy
            self._pools = [
                {
                    seat: self._opponent_policy(name, opponent_seed + seat)
                    for seat in range(self.game.count)
                    if seat != self.learner
                }
                for name in (MIXED_POLICIES if policy in (MIXED, LEAGUE) else (policy,))
            ]
        self._opponent, self._opponents = self._draw_opponents()
        self.game.reset(self.np_random)
        self._observe()
        return self._obs[self.learner], self._info()

    def _draw_opponents(self) -> tuple[str, dict[int, Policy]]:
        """This episode's opponent: its name and the policy of every opponent seat."""
        policy, pools, rng = self.config.opponent_policy, self._pools, self.np_random
        if policy == LEAGUE and self._league and rng.random() < LEAGUE_SHARE:
            member = self._league[int(rng.integers(len(self._league)))]
            return LEAGUE, dict.fromkeys(pools[0], member)
        pick = int(rng.integers(len(pools))) if len(pools) > 1 else 0
        name = policy if isinstance(policy, str) else "custom"
        return (MIXED_POLICIES[pick] if policy in (MIXED, LEAGUE) else name), pools[pick]

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Act for the learner, ask the opponent policy for everyone else, advance 0.05 s."""
        game, actions, learner = self.game, self._actions, self.learner
        actions[learner] = check_action(action, self.config.learner, self.action_space)
        for seat, policy in self._opponents.items():
            if game.alive[seat]:
                actions[seat] = policy(self._obs[seat])
        reward = game.step(actions)[learner]
        self._observe()
        terminated = game.over or not game.alive[learner]
        truncated = not terminated and game.timed_out
        info = self._info()
        if terminated or truncated:
            info["is_victory"] = game.winner == learner
        return self._obs[learner], reward, terminated, truncated, info

    def _observe(self) -> None:
        """Observations of the learner and of every opponent still standing."""
        game = self.game
        self._obs = {
            seat: game.observation(seat)
            for seat in range(game.count)
            if seat == self.learner or game.alive[seat]
        }

    def _info(self) -> dict[str, Any]:
        game = self.game
        return {
            "health": game.health[self.learner],
            "alive": game.standing,
            "opponent": self._opponent,
        }

    def frame(self) -> dict[str, Any]:
        """The learner's current view as a seed-000 fight frame."""
        return self.game.frame(self.learner)

    def render(self) -> np.ndarray | str | None:
        """Draw the current frame in ``render_mode`` (None when no mode was chosen)."""
        return render_game(self.game, self.config, self.render_mode)

    def state(self) -> dict[str, Any]:
        """JSON-serialisable arena state for client-side renderers."""
        return self.game.state()
