"""The Parquet columns of a frame follow the one declaration of a frame (FightFrame)."""

from typing import Annotated

import pyarrow as pa
import pytest
from arenalab.bounds import Float32, Int64
from arenalab.datasets.frames import FightFrame
from arenalab.datasets.schema import FRAME_SCHEMA, arrow_fields
from pydantic import BaseModel, Field

VEC2 = pa.list_(pa.float32(), 2)
ENEMY = pa.struct(
    [
        pa.field("id", pa.int64()),
        pa.field("pos", VEC2),
        pa.field("health", pa.float32()),
        pa.field("vel", VEC2),
    ]
)
VERSION_1 = pa.schema(
    [
        pa.field("game", pa.string(), nullable=False),
        pa.field("fighter_id", pa.int64(), nullable=False),
        pa.field("episode_id", pa.int64(), nullable=False),
        pa.field("frame_number", pa.int64(), nullable=False),
        pa.field("fighter_position", VEC2),
        pa.field("fighter_health", pa.float32()),
        pa.field("fighter_velocity", VEC2),
        pa.field("enemies_state", pa.list_(ENEMY)),
        pa.field("action_vector", pa.list_(pa.float32(), 4)),
        pa.field("reward_delta", pa.float32()),
        pa.field("cumulative_reward", pa.float32()),
        pa.field("observation_vector", pa.list_(pa.float32())),
        pa.field("obs_spec", pa.string(), nullable=False),
        pa.field("received_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={b"arenalab.frame_schema_version": b"1"},
)


def test_the_derived_schema_is_version_1_column_for_column() -> None:
    """Files written today read as version 1 did: same columns, types, order and nulls."""
    assert FRAME_SCHEMA.equals(VERSION_1, check_metadata=True), FRAME_SCHEMA


def test_a_field_added_to_the_frame_model_becomes_its_column() -> None:
    """A new frame field gets a typed column (fixed-size list, struct), no schema edit."""

    class Hit(BaseModel):
        damage: Float32
        by: Int64 | None = None

    class RicherFrame(FightFrame):
        aim: Annotated[list[Float32], Field(min_length=3, max_length=3)]
        hits: list[Hit] = []

    added = {field.name: field.type for field in arrow_fields(RicherFrame)[-2:]}
    assert added == {
        "aim": pa.list_(pa.float32(), 3),
        "hits": pa.list_(pa.struct([pa.field("damage", pa.float32()), pa.field("by", pa.int64())])),
    }


def test_a_field_of_no_known_column_type_is_refused() -> None:
    """A frame field Parquet cannot hold as declared fails loudly, never as a string column."""

    class Odd(BaseModel):
        label: str

    with pytest.raises(TypeError, match="no Parquet column type"):
        arrow_fields(Odd)
