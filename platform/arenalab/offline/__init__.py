"""Offline RL on the episode datasets: BC, MARWIL, CQL and IQL from a dataset selection.

``train_offline`` is what ``arenalab offline`` calls; ``docs/offline.md`` is the guide.
"""

from arenalab.offline.algorithms import OfflineAlgorithm, OfflineBudget
from arenalab.offline.evaluation import ArenaScore, evaluate_in_arena
from arenalab.offline.trainer import OfflineResult, train_offline

__all__ = [
    "ArenaScore",
    "OfflineAlgorithm",
    "OfflineBudget",
    "OfflineResult",
    "evaluate_in_arena",
    "train_offline",
]
