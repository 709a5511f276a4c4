"""Turn a validated experiment into a ready RLlib 2.60 ``AlgorithmConfig``.

One chained config that reads like the experiment form (``.environment /
.env_runners / .learners / .training / .multi_agent / .rl_module / .debugging``);
the parameter-by-parameter mapping lives in :mod:`arenalab.experiments.mapping`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from arenalab.experiments.environments import EnvSpec, env_spec, load
from arenalab.experiments.loading import ExperimentError
from arenalab.experiments.mapping import training_settings
from arenalab.experiments.schema import Algorithm, Experiment

if TYPE_CHECKING:
    from ray.rllib.algorithms.algorithm import Algorithm as RLlibAlgorithm
    from ray.rllib.algorithms.algorithm_config import AlgorithmConfig


@dataclass
class BuiltConfig:
    """The RLlib config plus what the run needs to know about it."""

    config: AlgorithmConfig
    spec: EnvSpec
    warnings: list[str] = field(default_factory=list)


def algorithm_class(algorithm: Algorithm) -> type[RLlibAlgorithm]:
    """The RLlib class, imported from its module (TQC has no Tune string in 2.60)."""
    module = importlib.import_module(f"ray.rllib.algorithms.{algorithm.value.lower()}")
    return getattr(module, algorithm.value)


def build_config(experiment: Experiment, *, env_runners: int | None = None) -> BuiltConfig:
    """The AlgorithmConfig for ``experiment``; ``env_runners`` overrides its resources.

    Raises:
        ExperimentError: if ``experiment.rllib`` names a keyword RLlib does not know.
    """
    spec = env_spec(experiment)
    settings, warnings = training_settings(experiment)
    model_config = {"fcnet_hiddens": list(experiment.run.hidden_sizes)}
    resources = experiment.resources
    config = (
        algorithm_class(experiment.algorithm)
        .get_default_config()
        .environment(spec.load_class(), env_config=spec.env_config)
        .env_runners(
            num_env_runners=resources.num_env_runners if env_runners is None else env_runners,
            num_envs_per_env_runner=resources.num_envs_per_env_runner,
            num_cpus_per_env_runner=resources.num_cpus_per_env_runner,
        )
        .learners(
            num_learners=resources.num_learners,
            num_gpus_per_learner=resources.num_gpus_per_learner,
        )
        .rl_module(model_config=model_config)
        .debugging(seed=experiment.seed)
    )
    try:
        config.training(**settings)
    except TypeError as exc:
        raise ExperimentError(f"rllib: {exc} (keys: {sorted(experiment.rllib)})") from None
    if spec.scripted:  # every module spelled out: RLlib infers spaces only then
        from ray.rllib.core.rl_module import MultiRLModuleSpec, RLModuleSpec  # noqa: PLC0415

        learned = {mid: RLModuleSpec(model_config=model_config) for mid in spec.policies}
        scripted = {
            mid: RLModuleSpec(module_class=load(path), model_config=spec.env_config)
            for mid, path in spec.scripted.items()
        }
        config.rl_module(rl_module_spec=MultiRLModuleSpec(rl_module_specs=learned | scripted))
    if spec.multi_agent:
        config.multi_agent(
            policies=set(spec.policies),
            policy_mapping_fn=spec.mapping,
            policies_to_train=spec.policies_to_train,
        )
    return BuiltConfig(config, spec, warnings)
