"""Environments: configurable Pac-Man (single and multi-agent) and the fighting arena.

Importing this package registers the single-agent envs with Gymnasium
(``gymnasium.make("arenalab/PacMan-v0")``); call :func:`register_rllib_envs` before
building an RLlib algorithm on any catalogue name. Ray is never imported here.
"""

from arenalab.envs.baselines import RandomPolicy, resolve_policy
from arenalab.envs.evaluation import EvalResult, evaluate_policy
from arenalab.envs.registration import (
    CATALOGUE,
    EnvEntry,
    get_entry,
    make_env,
    register_gym_envs,
    register_rllib_envs,
)

register_gym_envs()

__all__ = [
    "CATALOGUE",
    "EnvEntry",
    "EvalResult",
    "RandomPolicy",
    "evaluate_policy",
    "get_entry",
    "make_env",
    "register_gym_envs",
    "register_rllib_envs",
    "resolve_policy",
]
