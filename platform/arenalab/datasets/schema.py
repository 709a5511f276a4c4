"""The Parquet layout of game frames: one explicit, versioned pyarrow schema.

The seed's columns are derived from the one declaration of a frame, the API's
:class:`~arenalab.datasets.frames.FightFrame` (what a game posts is what is stored):
bounded floats become ``float32``, ints ``int64``, lists of a fixed length fixed-size
lists, nested models structs; the frame's key, ``(episode_id, frame_number)``, is
never null. The columns arenalab adds (game, fighter, obs_spec, when it was received,
the schema version) are declared here.

``FRAME_SCHEMA_VERSION`` is written into every file's metadata; readers refuse
files of a newer version (ForwardCompatibilityError) instead of misreading
them. Bump it, and add a line to the history below, for any column change.

Version history:
    1: seed 000's fields plus game, fighter_id, received_at, schema_version, obs_spec.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence

import pyarrow as pa
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from arenalab.datasets.frames import FightFrame
from arenalab.envs.arena import spec as arena_spec
from arenalab.storage import Storage

FRAME_SCHEMA_VERSION = 1
VERSION_KEY = b"arenalab.frame_schema_version"
GAME = "arena"
CUSTOM_OBS_SPEC = "custom"
DATASETS_DIR = "datasets"
PARTITION_FORMAT = "date={date}"  # hive partition of received_at's UTC day
FRAME_KEY = ("episode_id", "frame_number")
SCALARS = {float: pa.float32(), int: pa.int64()}  # the API bounds them to fit (Float32, Int64)


def arrow_type(annotation: object, constraints: Sequence[object] = ()) -> pa.DataType:
    """The Parquet type of a frame field: what its pydantic declaration says it holds."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct(arrow_fields(annotation))
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):  # X | None
        (inner,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return arrow_type(inner, constraints)
    if typing.get_origin(annotation) is typing.Annotated:  # e.g. Float32, Vec2
        inner, *metadata = typing.get_args(annotation)
        return arrow_type(inner, [*constraints, *_flatten(metadata)])
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        shortest = max((c.min_length for c in constraints if hasattr(c, "min_length")), default=0)
        longest = min((c.max_length for c in constraints if hasattr(c, "max_length")), default=-1)
        return pa.list_(arrow_type(item), longest if shortest == longest else -1)
    if annotation not in SCALARS:
        raise TypeError(f"no Parquet column type for {annotation!r}: add it to SCALARS")
    return SCALARS[annotation]


def arrow_fields(model: type[BaseModel]) -> list[pa.Field]:
    """One column per field of ``model``, in declaration order."""
    return [
        pa.field(name, arrow_type(info.annotation, info.metadata), nullable=name not in FRAME_KEY)
        for name, info in model.model_fields.items()
    ]


def _flatten(metadata: Sequence[object]) -> list[object]:
    """Annotated metadata as constraint objects (a ``Field(...)`` holds a list of them)."""
    return [
        constraint
        for item in metadata
        for constraint in (item.metadata if isinstance(item, FieldInfo) else [item])
    ]


FRAME_SCHEMA = pa.schema(
    [
        pa.field("game", pa.string(), nullable=False),
        pa.field("fighter_id", pa.int64(), nullable=False),
        *arrow_fields(FightFrame),
        pa.field("obs_spec", pa.string(), nullable=False),
        pa.field("received_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={VERSION_KEY: str(FRAME_SCHEMA_VERSION).encode()},
)

# Declared observation specs and their vector length, as the envs publish them.
_KNOWN_OBS_SPECS = dict(arena_spec.OBS_SIZES)  # arena-obs-v1 (49) and arena-obs-v2 (86)


class ForwardCompatibilityError(RuntimeError):
    """A file was written by a newer arenalab than this one; upgrade to read it."""


def obs_spec_length(name: str) -> int:
    """Length of the observation vector a declared spec requires; KeyError if unknown."""
    return _KNOWN_OBS_SPECS[name]


def known_obs_specs() -> list[str]:
    """Names a fighter may declare in ``metadata_json.obs_spec``."""
    return sorted(_KNOWN_OBS_SPECS)


def dataset_root(storage: Storage, game: str = GAME) -> str:
    """Where a game's frames live: ``{storage}/datasets/{game}``."""
    return storage.path(DATASETS_DIR, game)


def check_version(schema: pa.Schema) -> None:
    """Raise if a file's schema version is newer than the one this code writes."""
    version = int((schema.metadata or {}).get(VERSION_KEY, b"1"))
    if version > FRAME_SCHEMA_VERSION:
        raise ForwardCompatibilityError(
            f"frame schema version {version} is newer than {FRAME_SCHEMA_VERSION}: "
            "upgrade arenalab to read this dataset"
        )
