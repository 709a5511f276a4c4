"""Turn a validated experiment into a ready RLlib 2.60 ``AlgorithmConfig``.

One chained config that reads like the experiment form (``.environment /
.env_runners / .learners / .training / .multi_agent / .rl_module / .debugging``);
the parameter-by-parameter mapping lives in :mod:`arenalab.experiments.mapping`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arenalab.experiments.environments import EnvSpec, env_spec
from arenalab.experiments.loading import ExperimentError
from arenalab.experiments.mapping import HOUSE_MODEL_CONFIG, ON_POLICY, training_settings
from arenalab.experiments.schema import Algorithm, Experiment

if TYPE_CHECKING:
    from ray.rllib.algorithms.algorithm import Algorithm as RLlibAlgorithm
    from ray.rllib.algorithms.algorithm_config import AlgorithmConfig


DEFAULT_CONV_FILTERS = [[16, 3, 1], [32, 3, 2], [64, 3, 2]]
"""CNN for ``observation: image`` when ``run.conv_filters`` is unset: "same" padding, so a
19x19 egocentric window becomes 5x5x64 before the dense layers."""


@dataclass
class BuiltConfig:
    """The RLlib config plus what the run needs to know about it."""

    config: AlgorithmConfig
    spec: EnvSpec
    warnings: list[str] = field(default_factory=list)


def algorithm_class(algorithm: Algorithm) -> type[RLlibAlgorithm]:
    """The Algorithm class, imported only when asked for (each import pulls in RLlib).

    A2C and TD3 are arenalab's own (RLlib 2.60 ships neither), built on its new API stack;
    DQN and SAC are RLlib's on arenalab's flat replay loop (:mod:`arenalab.algorithms.replay`),
    PPO is RLlib's with a leaner optimizer step (:mod:`arenalab.algorithms.lean`).
    """
    match algorithm:
        case Algorithm.PPO:
            from arenalab.algorithms.ppo import PPO

            return PPO
        case Algorithm.APPO:
            from ray.rllib.algorithms.appo import APPO

            return APPO
        case Algorithm.IMPALA:
            from ray.rllib.algorithms.impala import IMPALA

            return IMPALA
        case Algorithm.DQN:
            from arenalab.algorithms.dqn import DQN

            return DQN
        case Algorithm.SAC:
            from arenalab.algorithms.sac import SAC

            return SAC
        case Algorithm.TQC:
            from ray.rllib.algorithms.tqc.tqc import TQC

            return TQC
        case Algorithm.A2C:
            from arenalab.algorithms.a2c import A2C

            return A2C
        case Algorithm.TD3:
            from arenalab.algorithms.td3 import TD3

            return TD3


def pin_torch_threads(*_: Any, **__: Any) -> None:
    """Use one torch thread in this process (an RLlib callback for the driver and runners).

    Torch's default of one thread per core makes the learner and every env runner fight
    for the same cores: PPO falls from ~950 to ~80 env steps/s on a loaded 2-core machine.
    """
    import torch

    torch.set_num_threads(1)


ON_POLICY_ENVS_PER_RUNNER = 4
"""Auto's vectorized envs for on-policy algorithms: a runner's per-step cost is its batched
forward pass and connectors, not the game, so 4 games sample ~2.7x the steps of 1. 8
sample faster still, but with RLlib's PPO choices 8 envs in total learned worse on the
default Pac-Man (``rllib.sb3_details`` fixes that; figures in docs/training.md)."""


def envs_per_runner(experiment: Experiment) -> int:
    """``resources.num_envs_per_env_runner`` with ``auto`` resolved for the algorithm."""
    envs = experiment.resources.num_envs_per_env_runner
    if envs != "auto":
        return envs
    return ON_POLICY_ENVS_PER_RUNNER if experiment.algorithm in ON_POLICY else 1


def model_config(experiment: Experiment) -> dict[str, Any]:
    """The RLModule's ``model_config``: network sizes, house defaults and the image CNN."""
    config: dict[str, Any] = {"fcnet_hiddens": list(experiment.run.hidden_sizes)}
    config.update(HOUSE_MODEL_CONFIG.get(experiment.algorithm, {}))
    if getattr(experiment.game, "observation", None) == "image":
        config["conv_filters"] = experiment.run.conv_filters or DEFAULT_CONV_FILTERS
    return config


def build_config(experiment: Experiment, *, env_runners: int | None = None) -> BuiltConfig:
    """The AlgorithmConfig for ``experiment``; ``env_runners`` overrides its resources.

    Raises:
        ExperimentError: if ``experiment.rllib`` names a keyword RLlib does not know.
    """
    spec = env_spec(experiment)
    settings, warnings = training_settings(experiment)
    module_config = model_config(experiment)
    resources = experiment.resources
    config = (
        algorithm_class(experiment.algorithm)
        .get_default_config()
        .environment(spec.load_class(), env_config=spec.env_config)
        .env_runners(
            num_env_runners=resources.num_env_runners if env_runners is None else env_runners,
            num_envs_per_env_runner=envs_per_runner(experiment),
            num_cpus_per_env_runner=resources.num_cpus_per_env_runner,
        )
        .fault_tolerance(restart_failed_env_runners=resources.restart_env_runners)
        .learners(
            num_learners=resources.num_learners,
            num_gpus_per_learner=resources.num_gpus_per_learner,
        )
        .rl_module(model_config=module_config)
        .callbacks(on_algorithm_init=pin_torch_threads, on_environment_created=pin_torch_threads)
        .debugging(seed=experiment.seed)
    )
    try:
        config.training(**settings)
    except TypeError as exc:
        raise ExperimentError(f"rllib: {exc} (keys: {sorted(experiment.rllib)})") from None
    if spec.multi_agent:
        config.multi_agent(
            policies=set(spec.policies),
            policy_mapping_fn=spec.mapping,
            policies_to_train=spec.policies_to_train,
        )
    if spec.league:  # train, sweeps and serve all get the league's refresh from here
        from arenalab.training import league  # imports Ray

        league.check_freezable(experiment.algorithm)
        config.callbacks(league.LeagueRefresh)
    return BuiltConfig(config, spec, warnings)
