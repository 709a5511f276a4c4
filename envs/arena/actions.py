"""The arena's action sets: the game's 4-vector, or a declared table of combos indexed by one int.

Every fighter in the game acts with ``(move_x, move_y, attack, block)`` in [-1, 1], a
button firing when its value is > 0 (``continuous``, the contract of ``/act`` and the
JavaScript game). A learner may instead pick one of the ``ARENA_ACTIONS`` rows
(``discrete``): no move or one of 8 compass directions, times nothing, attack or block.
Why: a Gaussian policy acts greedily with its mean, and a block mean that drifts just
above 0 overrides every swing, so a greedy continuous fighter may never attack although
its sampled actions win; an argmax over whole combos has no such threshold.

The table is declared once, here. :class:`ArenaActions` (the discrete space the env
and the trained module carry) decodes an index to its row, so the env, the served
:class:`arenalab.policies.Policy` and the ONNX graph all read the same table; what
leaves a policy is always the 4-vector.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from gymnasium import spaces

ActionSet = Literal["continuous", "discrete"]
ACTION_SETS: tuple[str, ...] = ("continuous", "discrete")
CONTINUOUS, DISCRETE = ACTION_SETS
ACTION_TABLE_VERSION = "arena-actions-v1"
CONTROLS: tuple[str, ...] = ("move_x", "move_y", "attack", "block")
"""The game's action vector, in order: what every fighter sends and every policy answers."""

MOVES = ((0.0, 0.0),) + tuple(
    (round(math.cos(k * math.pi / 4), 6), round(math.sin(k * math.pi / 4), 6)) for k in range(8)
)
"""No move, then east, north-east, north, ... (counter-clockwise), unit length."""
BUTTONS = {"none": (-1.0, -1.0), "attack": (1.0, -1.0), "block": (-1.0, 1.0)}
"""(attack, block) values of each button choice; a button fires when > 0."""
ARENA_ACTIONS = np.array(
    [(*move, *buttons) for move in MOVES for buttons in BUTTONS.values()], dtype=np.float32
)
"""Row ``3 * move + button``: the 4-vector each discrete action means (27 rows)."""


def controls_space() -> spaces.Box:
    """Move x, move y, attack, block; buttons fire when > 0 (docs/architecture.md 4.3)."""
    return spaces.Box(-1.0, 1.0, (len(CONTROLS),), dtype=np.float32)


class ArenaActions(spaces.Discrete):
    """``Discrete(27)`` whose index ``i`` means ``ARENA_ACTIONS[i]``; it decodes itself.

    Pickled with the trained module (RLlib stores its spaces), so a checkpoint carries
    its table's version and the server decodes without being told.
    """

    version = ACTION_TABLE_VERSION

    def __init__(self, seed: int | np.random.Generator | None = None) -> None:
        super().__init__(len(ARENA_ACTIONS), seed=seed)

    @property
    def table(self) -> np.ndarray:
        """Every index's 4-vector, one row per action."""
        return ARENA_ACTIONS

    @property
    def controls(self) -> spaces.Box:
        """The space decoded actions lie in (the game's 4-vector)."""
        return controls_space()

    def decode(self, indices: Any) -> np.ndarray:
        """The 4-vectors of an index or a batch of indices."""
        return ARENA_ACTIONS[np.asarray(indices, dtype=np.int64)]

    def encode(self, action: Any) -> int:
        """The row nearest in effect to a 4-vector: its direction (or none), then its button.

        Scripted fighters that act with 4-vectors (the league's heuristic) play a discrete
        arena through this; the move keeps the nearest of the 8 directions.
        """
        move_x, move_y, attack, block = (float(v) for v in action)
        move = 0
        if math.hypot(move_x, move_y) > 0.1:
            move = 1 + round(math.atan2(move_y, move_x) / (math.pi / 4)) % 8
        button = 2 if block > 0.0 else 1 if attack > 0.0 else 0
        return 3 * move + button

    def __repr__(self) -> str:
        return f"ArenaActions({self.n}, {self.version})"


def action_space(action_set: str = CONTINUOUS) -> spaces.Space:
    """The space a learner acts in under ``action_set``.

    Raises:
        ValueError: for an unknown action set.
    """
    if action_set == CONTINUOUS:
        return controls_space()
    if action_set == DISCRETE:
        return ArenaActions()
    raise ValueError(f"action_set must be one of {list(ACTION_SETS)}, got {action_set!r}")


def table_markdown() -> str:
    """The discrete table as Markdown rows (docs/envs.md shows it)."""
    names = ["none", "E", "NE", "N", "NW", "W", "SW", "S", "SE"]
    lines = ["| index | move | button | 4-vector |", "|---|---|---|---|"]
    for index, row in enumerate(ARENA_ACTIONS):
        move, button = divmod(index, len(BUTTONS))
        vector = ", ".join(f"{value:g}" for value in row.tolist())
        lines.append(f"| {index} | {names[move]} | {list(BUTTONS)[button]} | ({vector}) |")
    return "\n".join(lines)
