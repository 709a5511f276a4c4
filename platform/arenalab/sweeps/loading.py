"""Read a sweep file into a :class:`SweepPlan`, refusing anything that could fail later.

Everything a trial would trip over is checked here, before Ray is even imported: the
YAML itself, unknown keys, the distributions, that each searched key is one of the
experiment parameters of this game and means something to the chosen algorithm, and
that every value a distribution can produce passes the experiment's own validation
(``training.learning_rate: {uniform: [0, 2]}`` fails here, not in trial 7). Each error
names the file, the key and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from arenalab.experiments import (
    RULES,
    Experiment,
    ExperimentError,
    UnknownPresetError,
    build_experiment,
    preset_name,
)
from arenalab.experiments.loading import YamlFileError, deep_merge, read_yaml_mapping
from arenalab.sweeps.schema import PBT, SweepSpec
from arenalab.sweeps.space import Distribution

SEARCHABLE_GROUPS = ("training", "game", "intelligence", "visualization")
"""The four groups of seed 004's 20 parameters; ``group.param`` keys must name one."""


class SweepError(ValueError):
    """A sweep file (or saved sweep) is invalid; the message names the file, key and reason."""


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: the file's settings plus the resolved base experiment."""

    spec: SweepSpec
    experiment: Experiment
    source: str

    @property
    def searched(self) -> dict[str, Distribution]:
        """Every parameter a trial carries: PBT's mutations; `search` sets initial values."""
        return {**_mutations(self.spec), **self.spec.search}

    def to_json(self) -> dict[str, Any]:
        """What ``--resume`` needs, saved next to Tune's state (no access to the file needed)."""
        return {
            "source": self.source,
            "spec": self.spec.model_dump(mode="json"),
            "experiment": self.experiment.model_dump(mode="json"),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str) -> SweepPlan:
        """Rebuild the plan :meth:`to_json` saved; ``where`` names the saved file in errors."""
        try:
            spec = SweepSpec.model_validate(data["spec"])
        except (KeyError, ValidationError) as exc:
            raise SweepError(f"{where}: not a saved sweep ({exc})") from None
        experiment = _experiment(data["experiment"], where, "experiment")
        return cls(spec, experiment, data.get("source", where))


def nested(key: str, value: Any) -> dict[str, Any]:
    """``("training.gamma", 0.9)`` -> ``{"training": {"gamma": 0.9}}``."""
    group, _, name = key.partition(".")
    return {group: {name: value}}


def with_values(experiment: Experiment, values: dict[str, Any], source: str) -> Experiment:
    """``experiment`` with ``group.param`` values replaced, validated like any experiment."""
    data = experiment.model_dump(mode="json")
    for key, value in values.items():
        data = deep_merge(data, nested(key, value))
    return build_experiment(data, source=source)


def load_sweep(path: str | Path) -> SweepPlan:
    """Read and validate a sweep file; :class:`SweepError` names the file, key and reason."""
    path = Path(path)
    try:
        data = read_yaml_mapping(path)
    except YamlFileError as exc:
        raise SweepError(str(exc)) from None
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise SweepError(f"{path}: invalid sweep\n  " + _describe(exc)) from None
    plan = SweepPlan(spec, _base_experiment(spec, path), str(path))
    check_plan(plan)
    return plan


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        # Drop pydantic's union/discriminator tags so the key reads as written in the file.
        key = ".".join(p for p in loc if p not in {"asha", "pbt"} and not p.startswith("tuple["))
        message = error["msg"].removeprefix("Value error, ")
        got = f" (got {error['input']!r})" if error["type"] not in {"missing"} else ""
        lines.append(f"{key or 'sweep'}: {message}{got}")
    return "\n  ".join(lines)


def _experiment(data: dict[str, Any], where: str, key: str) -> Experiment:
    try:
        return build_experiment(data, source=f"{where}: {key}")
    except ExperimentError as exc:
        raise SweepError(str(exc)) from None


def _base_experiment(spec: SweepSpec, path: Path) -> Experiment:
    """Defaults < preset < base file < base values < the sweep's algorithm and resources."""
    data: dict[str, Any] = {}
    if spec.base.preset is not None:
        try:
            preset_name(spec.base.preset)
        except UnknownPresetError as exc:
            raise SweepError(f"{path}: base.preset: {exc}") from None
    if spec.base.file:
        try:
            data = read_yaml_mapping((path.parent / spec.base.file).resolve())
        except YamlFileError as exc:
            raise SweepError(f"{path}: base.file: {exc}") from None
    data = deep_merge(data, spec.base.values)
    if spec.algorithm is not None:
        data["algorithm"] = spec.algorithm.value
    if spec.resources:
        data = deep_merge(data, {"resources": spec.resources})
    try:
        return build_experiment(data, preset=spec.base.preset, source=f"{path}: base")
    except ExperimentError as exc:
        raise SweepError(str(exc)) from None


def check_plan(plan: SweepPlan) -> None:
    """The cross-field checks; raises :class:`SweepError` naming the offending key."""
    spec, source = plan.spec, plan.source
    scheduler = spec.scheduler
    for prefix, space in (("search", spec.search), ("scheduler.mutations", _mutations(spec))):
        for key, distribution in space.items():
            _check_parameter(plan, f"{prefix}.{key}", key, distribution)
    if isinstance(scheduler, PBT):
        if spec.checkpoint.num_to_keep is not None:
            raise SweepError(
                f"{source}: checkpoint.num_to_keep: PBT copies checkpoints between trials and "
                "crashes when Tune deletes them; leave num_to_keep out (keep all)"
            )
        for key, distribution in scheduler.mutations.items():
            if distribution.kind == "grid":
                raise SweepError(
                    f"{source}: scheduler.mutations.{key}: PBT cannot mutate a grid; use choice"
                )
    if spec.search_algorithm == "optuna":
        if isinstance(scheduler, PBT):
            raise SweepError(
                f"{source}: search_algorithm: optuna cannot drive a PBT population (PBT "
                "chooses the new values itself); drop one of them"
            )
        grids = [key for key, dist in spec.search.items() if dist.kind == "grid"]
        if grids:
            raise SweepError(
                f"{source}: search.{grids[0]}: optuna samples its own points; use choice, not grid"
            )
        if find_spec("optuna") is None:
            raise SweepError(
                f"{source}: search_algorithm: optuna is not installed (pip install optuna)"
            )
    if not plan.searched:
        raise SweepError(f"{source}: search: nothing to search; name at least one parameter")


def _mutations(spec: SweepSpec) -> dict[str, Distribution]:
    return spec.scheduler.mutations if isinstance(spec.scheduler, PBT) else {}


def _check_parameter(plan: SweepPlan, where: str, key: str, distribution: Distribution) -> None:
    """``key`` is a parameter of this experiment, applies to its algorithm, and fits its range."""
    source, experiment = plan.source, plan.experiment
    group, dot, name = key.partition(".")
    if not dot or group not in SEARCHABLE_GROUPS:
        raise SweepError(
            f"{source}: {where}: not a parameter; expected group.param with group one of "
            f"{', '.join(SEARCHABLE_GROUPS)}"
        )
    fields = [field for field in type(getattr(experiment, group)).model_fields if field != "kind"]
    if name not in fields:
        raise SweepError(
            f"{source}: {where}: unknown parameter {name!r} in group {group} "
            f"({experiment.environment.value}); known: {', '.join(fields)}"
        )
    algorithm = experiment.algorithm
    if key in RULES and algorithm not in RULES[key]:
        raise SweepError(
            f"{source}: {where}: {key} does not apply to {algorithm.value} "
            "(see docs/experiments.md); searching it would change nothing"
        )
    for value in distribution.args:
        try:
            with_values(experiment, {key: value}, source=f"{source}: {where}={value!r}")
        except ExperimentError as exc:
            raise SweepError(str(exc)) from None
