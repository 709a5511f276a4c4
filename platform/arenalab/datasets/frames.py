"""The arena game's frame record (seed 000), validated once at the edge.

Field names and JSON shapes are exactly the seed's, so its JavaScript client
posts unchanged. Every number must fit the Parquet column it is stored in
(``FRAME_SCHEMA``: int64 ids and frame numbers, float32 values): NaN, Infinity,
``1e308`` (inf once float32) or ``2**70`` would break compaction after the ack, so
they are rejected with the field's name before it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from arenalab.bounds import Count, Float32, Int64, RowId
from arenalab.envs.arena.actions import CONTROLS

Vec2 = Annotated[list[Float32], Field(min_length=2, max_length=2)]
ACTION_SIZE = len(CONTROLS)  # move x, move y, attack, block (docs/architecture.md 4.3)
MAX_ENEMIES = 64
MAX_OBSERVATION = 4096


class Enemy(BaseModel):
    """One opponent as the game sees it in this frame."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    id: Int64 = Field(description="Fighter id of the opponent.")
    pos: Vec2 = Field(description="Position [x, y] in arena units.")
    health: Float32 = Field(description="Remaining health.")
    vel: Vec2 | None = Field(None, description="Velocity [x, y], when the game sends it.")


class FightFrame(BaseModel):
    """One game frame of one fighter, exactly the JSON of seed 000's ``recordFrame``."""

    model_config = ConfigDict(
        extra="ignore",
        allow_inf_nan=False,
        json_schema_extra={
            "example": {
                "episode_id": 1,
                "frame_number": 1,
                "fighter_position": [0.0, 5.0],
                "fighter_health": 100.0,
                "fighter_velocity": [1.0, 0.5],
                "enemies_state": [{"id": 2, "pos": [10.0, 0.0], "health": 90}],
                "action_vector": [1.0, 0.0, 0.0, 0],
                "reward_delta": 1.0,
                "cumulative_reward": 1.0,
                "observation_vector": [0.0, 0.05, 1.0],
            }
        },
    )

    episode_id: RowId = Field(description="Episode returned by POST /api/episodes.")
    frame_number: Count = Field(description="Unique within the episode; retries dedupe on it.")
    fighter_position: Vec2
    fighter_health: Float32
    fighter_velocity: Vec2
    enemies_state: list[Enemy] = Field(default_factory=list, max_length=MAX_ENEMIES)
    action_vector: Annotated[
        list[Float32], Field(min_length=ACTION_SIZE, max_length=ACTION_SIZE)
    ] = Field(description="move x, move y, attack, block; a button fires when > 0.")
    reward_delta: Float32
    cumulative_reward: Float32
    observation_vector: Annotated[
        list[Float32], Field(min_length=1, max_length=MAX_OBSERVATION)
    ] = Field(description="The policy input; its length must match the fighter's obs_spec.")
