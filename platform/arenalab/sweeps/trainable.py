"""What one Tune trial trains: the base experiment plus its sampled values, via build_config.

Why a small Algorithm subclass and not an ``AlgorithmConfig`` with Tune objects in it:
the searched keys are *experiment* parameters, and several of them set RLlib keys
that depend on other parameters (DQN's ``epsilon`` schedule ends at
``learning_starts + 10_000``; ``training_intensity`` is ``batch_size / train_freq``;
``game.*`` becomes ``env_config``). A param space of RLlib keys could not express those
without re-implementing :mod:`arenalab.experiments.mapping`, and would break the
moment that table changes. So a trial's Tune config is the base experiment (JSON,
key ``base``) plus the sampled values under their own names (``training.gamma``), and
``Sweep<ALGO>`` (e.g. ``SweepPPO``) turns it into the RLlib config at construction
through the same :func:`~arenalab.experiments.build_config` that ``arenalab train``
uses: a sweep and a training run of the same parameters can never disagree. The
subclass also stops a trial at its own experiment's criteria (``training.episodes``,
``run.max_iterations``) by marking the result ``done``. Trial names, ``progress.csv``,
TensorBoard's hparams and the ranking all show the parameters by their experiment
names, and PBT and Optuna mutate/sample them like any flat Tune config.

The classes are made on first use and published as attributes of this module (see
:func:`__getattr__`), so checkpoints and Tune's registry pickle them by reference and
worker processes find them by name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from arenalab.experiments import (
    Algorithm,
    Experiment,
    algorithm_class,
    build_config,
    build_experiment,
    stop_criteria,
)
from arenalab.sweeps.loading import SweepPlan, with_values
from arenalab.sweeps.space import to_tune

BASE_KEY = "base"
"""The Tune config key holding the base experiment (all other keys are ``group.param``)."""
DONE = "done"


def param_space(plan: SweepPlan) -> dict[str, Any]:
    """The Tuner's ``param_space``: the base experiment plus one Tune sampler per parameter."""
    space: dict[str, Any] = {BASE_KEY: plan.experiment.model_dump(mode="json")}
    space.update({key: to_tune(dist) for key, dist in plan.searched.items()})
    return space


def is_trial_config(config: Any) -> bool:
    """Whether ``config`` is a sweep trial's config (and not an RLlib config being restored)."""
    return isinstance(config, Mapping) and BASE_KEY in config


def trial_values(config: Mapping[str, Any]) -> dict[str, Any]:
    """The sampled ``group.param`` values of a trial, as plain Python values.

    Only dotted keys: Tune also slips its own ``__trial_info__`` and friends into the dict.
    """
    return {
        key: value.item() if hasattr(value, "item") else value
        for key, value in config.items()
        if "." in key and not key.startswith("__")
    }


def trial_experiment(config: Mapping[str, Any]) -> Experiment:
    """The experiment a trial trains: the base with the trial's sampled values."""
    base = build_experiment(config[BASE_KEY], source="sweep base experiment")
    values = trial_values(config)
    return with_values(base, values, source=f"sweep trial {values}")


def result_value(result: Mapping[str, Any] | None, key: str) -> float | None:
    """A finite number at ``a/b/c`` in a nested (or already flat) result, else None."""
    if not result:
        return None
    value: Any = result.get(key)
    if value is None:
        value = result
        for part in key.split("/"):
            value = value.get(part) if isinstance(value, Mapping) else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _reached(result: Mapping[str, Any], criteria: Mapping[str, float], iteration: int) -> bool:
    """Whether any criterion (``a/b`` key -> threshold) is met by the nested ``result``."""
    for key, threshold in criteria.items():
        value = iteration if key == "training_iteration" else result_value(result, key)
        if value is not None and value >= threshold:
            return True
    return False


class SweepTrial:
    """Mixin over an RLlib Algorithm class: build the config from the trial's experiment."""

    @classmethod
    def default_resource_request(cls, config: Any) -> Any:
        """Reserve what the trial's own experiment asks for (its ``resources`` group)."""
        if is_trial_config(config):
            config = build_config(trial_experiment(config)).config.to_dict()
        return super().default_resource_request(config)  # type: ignore[misc]

    def __init__(self, config: Any = None, **kwargs: Any) -> None:
        self.stop_criteria: dict[str, float] = {}
        if is_trial_config(config):
            experiment = trial_experiment(config)
            self.stop_criteria = dict(stop_criteria(experiment))
            config = build_config(experiment).config
        super().__init__(config=config, **kwargs)  # type: ignore[call-arg]

    def step(self) -> dict[str, Any]:
        """One RLlib iteration, marked done once the experiment's stop criteria are met."""
        result = super().step()  # type: ignore[misc]
        if _reached(result, self.stop_criteria, self.iteration + 1):  # type: ignore[attr-defined]
            result[DONE] = True
        return result


def trainable_class(algorithm: Algorithm) -> type:
    """``Sweep<ALGO>``: the Tune trainable for ``algorithm``, made once per process."""
    name = f"Sweep{algorithm.value}"
    cls = globals().get(name)
    if cls is None:
        cls = type(
            name,
            (SweepTrial, algorithm_class(algorithm)),
            {"__module__": __name__, "__qualname__": name, "__doc__": SweepTrial.__doc__},
        )
        globals()[name] = cls
    return cls


def __getattr__(name: str) -> type:
    """Make ``Sweep<ALGO>`` on demand, so unpickling in a fresh worker finds it by name."""
    algorithm = name.removeprefix("Sweep")
    if name.startswith("Sweep") and algorithm in Algorithm.__members__:
        return trainable_class(Algorithm(algorithm))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
