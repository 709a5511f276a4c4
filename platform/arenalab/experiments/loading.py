"""Build experiments from YAML, presets and ``--set group.param=value`` overrides.

This is the edge where untyped input (a file, command-line strings, an HTTP body)
becomes a typed :class:`Experiment`; every error names the file and the field path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from arenalab.experiments.presets import preset_name, preset_overrides
from arenalab.experiments.schema import GAME_KINDS, Environment, Experiment

if TYPE_CHECKING:
    from arenalab.registry.models import Experiment as ExperimentRow


class ExperimentError(ValueError):
    """An experiment is invalid; the message names the source and each bad field."""


def deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``top`` wins key by key; nested mappings merge instead of replacing each other."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_set(assignment: str) -> dict[str, Any]:
    """Turn ``group.param=value`` into a nested dict, reading the value as YAML (``1e-3``)."""
    path, sep, raw = assignment.partition("=")
    keys = [key.strip() for key in path.split(".")]
    if not sep or not all(keys):
        raise ExperimentError(f"--set {assignment!r}: expected group.param=value")
    try:
        value: Any = yaml.safe_load(raw) if raw.strip() else raw
    except yaml.YAMLError:
        value = raw
    for key in reversed(keys):
        value = {key: value}
    return value


def build_experiment(
    data: Mapping[str, Any] | None = None,
    *,
    preset: str | None = None,
    sets: Iterable[str] = (),
    source: str = "experiment",
) -> Experiment:
    """Validate ``data`` with precedence defaults < preset < ``data`` < ``sets``.

    Args:
        data: Explicit values (a YAML document, an HTTP body); may name a ``preset``.
        preset: A preset that overrides the one named in ``data``.
        sets: ``group.param=value`` strings applied last (the CLI's ``--set``).
        source: Where ``data`` came from, for error messages (a file name).

    Raises:
        ExperimentError: naming ``source`` and each invalid field.
    """
    explicit = dict(data or {})
    for assignment in sets:
        explicit = deep_merge(explicit, parse_set(assignment))
    name = preset or explicit.get("preset")
    merged = explicit
    try:
        if name:
            name = preset_name(name)
            environment = explicit.get("environment", Environment.PACMAN)
            kind = GAME_KINDS.get(environment, "pacman")
            overrides = preset_overrides(name, kind, str(environment))
            merged = deep_merge(overrides, {**explicit, "preset": name})
        return Experiment.model_validate(merged)
    except ValidationError as exc:
        raise ExperimentError(f"{source}: invalid experiment\n  " + _describe(exc)) from None
    except KeyError as exc:
        raise ExperimentError(f"{source}: {exc}") from None


def record_fields(experiment: Experiment) -> dict[str, Any]:
    """The registry columns of an experiment: what ``experiment_from_record`` reads back."""
    return {
        "name": experiment.name,
        "description": experiment.description,
        "tags": experiment.tags,
        "preset": experiment.preset,
        "algorithm": experiment.algorithm.value,
        "environment": experiment.environment.value,
        "parameters": experiment.parameters(),
    }


def experiment_from_record(record: ExperimentRow) -> Experiment:
    """Rebuild an experiment from a registry row (its fields plus the ``parameters`` JSON)."""
    data = {
        "name": record.name,
        "description": record.description,
        "tags": record.tags,
        "algorithm": record.algorithm,
        "environment": record.environment,
    }
    source = f"registry experiment {record.id}"
    return build_experiment({**data, **record.parameters}, source=source)


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"] if part not in {"pacman", "arena"})
        message = error["msg"].removeprefix("Value error, ")
        shown = field and error["type"] != "missing" and not isinstance(error["input"], dict)
        got = f" (got {error['input']!r})" if shown else ""  # a whole group is no help
        lines.append(f"{field or 'experiment'}: {message}{got}")
    return "\n  ".join(lines)


class YamlFileError(ValueError):
    """A YAML file cannot be read, does not parse, or holds no mapping; the message names it."""


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """The mapping at the top of a YAML file (read safely), ``{}`` for an empty file.

    Experiment files, sweep files and a sweep's ``base.file`` all come through here, so
    each reports the same problems the same way, naming the file.

    Raises:
        YamlFileError: naming the file, if it cannot be read, is not YAML, or holds no mapping.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise YamlFileError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise YamlFileError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise YamlFileError(f"{path}: expected a mapping at the top, got {type(data).__name__}")
    return data


def load_experiment(
    path: str | Path, *, preset: str | None = None, sets: Iterable[str] = ()
) -> Experiment:
    """Read an experiment YAML file (safely) and validate it; errors name the file and field."""
    try:
        data = read_yaml_mapping(path)
    except YamlFileError as exc:
        raise ExperimentError(str(exc)) from None
    return build_experiment(data, preset=preset, sets=sets, source=str(path))


def dump_experiment(experiment: Experiment) -> str:
    """The experiment as YAML that ``load_experiment`` reads back to an equal experiment."""
    return yaml.safe_dump(
        experiment.model_dump(mode="json", exclude_defaults=False),
        sort_keys=False,
        allow_unicode=True,
    )


def save_experiment(experiment: Experiment, path: str | Path) -> Path:
    """Write the experiment as YAML (every value explicit, so the file is self-describing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_experiment(experiment), encoding="utf-8")
    return path
