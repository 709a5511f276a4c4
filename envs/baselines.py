"""Scripted baseline policies and the rule that turns a policy name into a callable.

Every policy here is a plain callable ``obs -> action``: the random policy, each game's
heuristic (``env.heuristic_policy()``), and whatever the training code passes (e.g. a
frozen torch policy wrapped in a function). Evaluation and the arena's opponents both
go through :func:`resolve_policy`, so "random" and "heuristic" mean the same everywhere.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import gymnasium as gym
from gymnasium import spaces

Policy = Callable[[Any], Any]
POLICY_NAMES = ("random", "heuristic")


class RandomPolicy:
    """Uniform actions from a private, seeded copy of an action space.

    Bounded Box and Discrete actions are drawn ``BATCH`` at a time: ``Box.sample()``
    costs tens of microseconds per call, more than a whole arena step.
    """

    BATCH = 256

    def __init__(self, action_space: gym.Space, seed: int | None = None) -> None:
        self.space = copy.deepcopy(action_space)
        self.space.seed(seed)
        self._drawn: list[Any] = []

    def __call__(self, obs: Any) -> Any:
        """Ignore ``obs`` and return the next random action."""
        if not self._drawn:
            self._drawn = self._draw()
        return self._drawn.pop()

    def _draw(self) -> list[Any]:
        space, rng = self.space, self.space.np_random
        if isinstance(space, spaces.Box) and space.is_bounded():
            batch = rng.uniform(space.low, space.high, size=(self.BATCH, *space.shape))
            return list(batch.astype(space.dtype))
        if isinstance(space, spaces.Discrete):
            return (space.start + rng.integers(space.n, size=self.BATCH)).tolist()
        return [space.sample() for _ in range(self.BATCH)]


def resolve_policy(policy: str | Policy, env: gym.Env, seed: int | None = None) -> Policy:
    """Turn ``"random"``, ``"heuristic"`` or a callable into a callable for ``env``.

    Raises:
        ValueError: if ``policy`` is neither a known name nor callable, or the env has
            no heuristic.
    """
    if callable(policy):
        return policy
    if policy == "random":
        return RandomPolicy(env.action_space, seed)
    if policy == "heuristic":
        make = getattr(env.unwrapped, "heuristic_policy", None)
        if make is None:
            raise ValueError(f"policy='heuristic' but {type(env.unwrapped).__name__} has none")
        return make()
    raise ValueError(f"policy must be one of {POLICY_NAMES} or a callable, got {policy!r}")
