"""A frozen past version of a learned fighter, acting greedily through numpy.

The self-play league puts copies of the learner into the single-agent arena's
opponent pool (``opponent_policy="league"``). Each copy plays one opponent step per
env step, so it must be cheap and must not pull torch (or its threads) into every env:
a plain tanh/relu MLP in numpy costs a few microseconds per observation, a torch
forward of batch 1 tens. The layers are the actor path of the learner's network (its
encoder, then its policy head); the training side
(:func:`arenalab.training.league.frozen_fighter`) reads them from the learner's weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from arenalab.envs.arena.actions import ARENA_ACTIONS

ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
}


class FrozenFighter:
    """Callable policy ``obs -> 4-vector``: an MLP's greedy action, frozen.

    Args:
        layers: ``(weight, bias, activation)`` per dense layer in order, ``weight`` of shape
            ``(out, in)`` as torch stores it; the last layer's output is the action
            distribution's input.
        discrete: whether the output is logits over ``ARENA_ACTIONS`` (greedy: the row
            of the largest) or a diagonal Gaussian's mean and log std (greedy: the mean,
            clipped to [-1, 1]).
    """

    def __init__(
        self, layers: Sequence[tuple[np.ndarray, np.ndarray, str]], *, discrete: bool
    ) -> None:
        if not layers:
            raise ValueError("a frozen fighter needs at least one layer")
        unknown = {activation for *_, activation in layers} - set(ACTIVATIONS)
        if unknown:
            raise ValueError(f"unknown activations {sorted(unknown)}; known: {sorted(ACTIVATIONS)}")
        self.layers = [
            (np.asarray(w, np.float32).T.copy(), np.asarray(b, np.float32), activation)
            for w, b, activation in layers
        ]
        self.discrete = discrete

    def outputs(self, observations: np.ndarray) -> np.ndarray:
        """The network's outputs (logits, or Gaussian mean and log std) for a batch."""
        x = np.asarray(observations, np.float32)
        for weight, bias, activation in self.layers:
            x = ACTIVATIONS[activation](x @ weight + bias)
        return x

    def __call__(self, observation: np.ndarray) -> np.ndarray:
        """The greedy 4-vector for one observation."""
        out = self.outputs(observation)
        if self.discrete:
            return ARENA_ACTIONS[int(np.argmax(out))]
        return np.clip(out[: len(out) // 2], -1.0, 1.0)
