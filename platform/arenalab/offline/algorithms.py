"""RLlib AlgorithmConfigs for offline training on the view: BC, MARWIL, CQL and IQL.

The quirks of RLlib 2.60 (guides/rllib-tune.md section 5) live here and nowhere else:
spaces must be given because there is no env; CQL and IQL keep ``lr=None`` (they have
per-network learning rates); CQL with a local learner fails on
``dataset_num_iters_per_learner == 1``, so at least 2 are used; CQL and IQL need Box
actions, which arena actions are. MARWIL reads ``returns_to_go`` as its reward with
every row terminal, which makes RLlib's GAE produce Monte-Carlo advantages
(``docs/offline.md``, "MARWIL and returns").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import gymnasium as gym

from arenalab.offline.data import INPUT_PLACEHOLDER, INPUT_READ_METHOD

MIN_CQL_ITERS = 2


class OfflineAlgorithm(StrEnum):
    """Offline algorithms ``arenalab offline --algo`` accepts."""

    BC = "bc"
    MARWIL = "marwil"
    CQL = "cql"
    IQL = "iql"

    @property
    def rllib_name(self) -> str:
        """RLlib's registered name, as stored in the registry's ``algorithm`` column."""
        return self.value.upper()

    @property
    def needs_returns(self) -> bool:
        """Whether the view feeds returns-to-go instead of one-step rewards (MARWIL)."""
        return self is OfflineAlgorithm.MARWIL


@dataclass(frozen=True)
class OfflineBudget:
    """How much to train per iteration, and the network; small defaults suit a laptop."""

    batch_size: int = 256
    updates_per_iteration: int = 8
    lr: float = 1e-3
    hidden: tuple[int, ...] = (64, 64)
    gamma: float = 0.99
    seed: int = 0
    materialize: bool = True


def _config_class(algorithm: OfflineAlgorithm) -> Any:
    from ray.rllib.algorithms.bc import BCConfig  # Ray is slow to import
    from ray.rllib.algorithms.cql import CQLConfig
    from ray.rllib.algorithms.iql import IQLConfig
    from ray.rllib.algorithms.marwil import MARWILConfig

    return {
        OfflineAlgorithm.BC: BCConfig,
        OfflineAlgorithm.MARWIL: MARWILConfig,
        OfflineAlgorithm.CQL: CQLConfig,
        OfflineAlgorithm.IQL: IQLConfig,
    }[algorithm]


def build_offline_config(
    algorithm: OfflineAlgorithm,
    *,
    observation_space: gym.Space,
    action_space: gym.Space,
    offline_data_class: type,
    budget: OfflineBudget,
) -> Any:
    """The AlgorithmConfig that trains ``algorithm`` on the view behind ``offline_data_class``."""
    iters = budget.updates_per_iteration
    if algorithm is OfflineAlgorithm.CQL:
        iters = max(iters, MIN_CQL_ITERS)
    config = (
        _config_class(algorithm)()
        .environment(observation_space=observation_space, action_space=action_space)
        .offline_data(
            input_=INPUT_PLACEHOLDER,
            input_read_method=INPUT_READ_METHOD,
            offline_data_class=offline_data_class,
            dataset_num_iters_per_learner=iters,
            materialize_data=budget.materialize,
            map_batches_kwargs={"concurrency": 1, "num_cpus": 1},
        )
        .training(train_batch_size_per_learner=budget.batch_size, gamma=budget.gamma)
        .rl_module(model_config={"fcnet_hiddens": list(budget.hidden)})
        .debugging(seed=budget.seed)
    )
    if algorithm is OfflineAlgorithm.CQL:
        # CQLConfig inherits SAC's "online" flag, so build_algo would create an env runner
        # and fail without an env (custom specs have none). MARWILConfig.__init__ clears
        # the same flag for the offline family; CQL's new-stack training_step never samples.
        config._is_online = False
    if algorithm in (OfflineAlgorithm.CQL, OfflineAlgorithm.IQL):
        return config.training(lr=None, actor_lr=budget.lr, critic_lr=budget.lr)
    if algorithm is OfflineAlgorithm.MARWIL:
        return config.training(lr=budget.lr, beta=1.0)
    return config.training(lr=budget.lr)
