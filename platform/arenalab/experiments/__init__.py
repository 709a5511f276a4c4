"""Experiments: the 20 parameters of seed 004, presets, YAML, and the mapping onto RLlib.

``build_experiment``/``load_experiment`` validate input into an :class:`Experiment`;
``build_config`` turns one into an RLlib ``AlgorithmConfig`` (importing Ray lazily).
"""

from arenalab.experiments.algorithm import BuiltConfig, algorithm_class, build_config
from arenalab.experiments.environments import EnvSpec, env_spec
from arenalab.experiments.form import parameters_schema
from arenalab.experiments.loading import (
    ExperimentError,
    build_experiment,
    dump_experiment,
    experiment_from_record,
    load_experiment,
    save_experiment,
)
from arenalab.experiments.mapping import RULES, mapping_markdown, stop_criteria, training_settings
from arenalab.experiments.presets import PRESETS, UnknownPresetError, preset_name
from arenalab.experiments.schema import Algorithm, Environment, Experiment

__all__ = [
    "PRESETS",
    "RULES",
    "Algorithm",
    "BuiltConfig",
    "EnvSpec",
    "Environment",
    "Experiment",
    "ExperimentError",
    "UnknownPresetError",
    "algorithm_class",
    "build_config",
    "build_experiment",
    "dump_experiment",
    "env_spec",
    "experiment_from_record",
    "load_experiment",
    "mapping_markdown",
    "parameters_schema",
    "preset_name",
    "save_experiment",
    "stop_criteria",
    "training_settings",
]
