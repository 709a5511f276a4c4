"""The Parquet layout of game frames: one explicit, versioned pyarrow schema.

``FRAME_SCHEMA_VERSION`` is written into every file's metadata; readers refuse
files of a newer version (ForwardCompatibilityError) instead of misreading
them. Bump it, and add a line to the history below, for any column change.

Version history:
    1: seed 000's fields plus game, fighter_id, received_at, schema_version, obs_spec.
"""

from __future__ import annotations

import pyarrow as pa

from arenalab.datasets.frames import ACTION_SIZE
from arenalab.envs.arena import spec as arena_spec
from arenalab.storage import Storage

FRAME_SCHEMA_VERSION = 1
VERSION_KEY = b"arenalab.frame_schema_version"
GAME = "arena"
CUSTOM_OBS_SPEC = "custom"
DATASETS_DIR = "datasets"
PARTITION_FORMAT = "date={date}"  # hive partition of received_at's UTC day

_VEC2 = pa.list_(pa.float32(), 2)
ENEMY_TYPE = pa.struct(
    [
        pa.field("id", pa.int64()),
        pa.field("pos", _VEC2),
        pa.field("health", pa.float32()),
        pa.field("vel", _VEC2),
    ]
)
FRAME_SCHEMA = pa.schema(
    [
        pa.field("game", pa.string(), nullable=False),
        pa.field("fighter_id", pa.int64(), nullable=False),
        pa.field("episode_id", pa.int64(), nullable=False),
        pa.field("frame_number", pa.int64(), nullable=False),
        pa.field("fighter_position", _VEC2),
        pa.field("fighter_health", pa.float32()),
        pa.field("fighter_velocity", _VEC2),
        pa.field("enemies_state", pa.list_(ENEMY_TYPE)),
        pa.field("action_vector", pa.list_(pa.float32(), ACTION_SIZE)),
        pa.field("reward_delta", pa.float32()),
        pa.field("cumulative_reward", pa.float32()),
        pa.field("observation_vector", pa.list_(pa.float32())),
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
