"""Request and response bodies of the arena API: the seed's JSON, plus ids and timestamps.

Request numbers are bounded by their registry column (``Integer`` is int32 on
PostgreSQL, ids are int64), so a value the database cannot hold is a 422 naming it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from arenalab.bounds import Count32, Int32, Int64, RowId
from arenalab.datasets import FightFrame
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BatchAck",
    "EpisodeCreate",
    "EpisodeOut",
    "EpisodeUpdate",
    "FightFrame",
    "FighterCreate",
    "FighterOut",
    "FighterStats",
    "FrameAck",
    "FramePage",
    "ModelOut",
]


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FighterCreate(BaseModel):
    """Seed 000's fighter registration; ``metadata_json.obs_spec`` may declare a spec."""

    glb_filename: str = Field(min_length=1, max_length=255)
    metadata_json: dict[str, Any] = Field(default_factory=dict)


class FighterOut(_Row):
    """A registered fighter."""

    id: int
    glb_filename: str
    metadata_json: dict[str, Any]
    created_at: datetime


class EpisodeCreate(BaseModel):
    """Seed 000's episode opening (every field but fighter_id has the seed's default)."""

    model_config = ConfigDict(allow_inf_nan=False)

    fighter_id: RowId
    episode_number: Int32 = 0
    opponent_ids: list[Int64] = Field(default_factory=list, max_length=64)
    total_reward: float = 0.0
    duration_frames: Count32 = 0
    is_victory: bool = False


class EpisodeUpdate(BaseModel):
    """Seed 000's episode completion; fields left out keep their value."""

    model_config = ConfigDict(allow_inf_nan=False)

    total_reward: float | None = None
    duration_frames: Count32 | None = None
    is_victory: bool | None = None
    rank: Int32 | None = None


class EpisodeOut(_Row):
    """An episode; ``ingest_token`` only in the answer to POST /episodes when auth is on."""

    id: int
    fighter_id: int
    episode_number: int
    opponent_ids: list[int]
    total_reward: float
    duration_frames: int
    is_victory: bool
    rank: int | None
    status: str
    frame_count: int
    created_at: datetime
    closed_at: datetime | None
    ingest_token: str | None = None
    ingest_token_expires_at: int | None = None


class FrameAck(BaseModel):
    """A frame is durable (fsynced to the write-ahead log)."""

    status: str = "recorded"
    episode_id: int
    frame_number: int


class BatchAck(BaseModel):
    """Every frame of a batch is durable."""

    status: str = "recorded"
    frames: int


class FighterStats(BaseModel):
    """Closed-episode statistics of a fighter."""

    fighter_id: int
    episodes: int
    victories: int
    win_rate: float
    mean_reward: float | None
    best_reward: float | None
    mean_duration_frames: float | None
    frames: int
    last_played: datetime | None


class ModelOut(_Row):
    """A checkpoint with its metrics and rating (docs/architecture.md 4.6)."""

    model_config = ConfigDict(from_attributes=True, protected_namespaces=())

    id: int
    fighter_id: int | None
    experiment_id: int | None
    algorithm: str
    env_id: str
    obs_spec: str
    module_id: str
    checkpoint_uri: str
    metrics: dict[str, Any]
    rating: float | None = Field(
        description="League rating: openskill ordinal mu - 3 sigma (arena); see rating_mu/sigma."
    )
    rating_mu: float | None
    rating_sigma: float | None
    eval_return: float | None
    protocol: str | None = Field(description="How the model was scored; best compares only these.")
    eval_episodes: int | None
    beats_random: bool = Field(description="Beat the random baseline by a clear margin.")
    is_best: bool
    created_at: datetime


class FramePage(BaseModel):
    """One page of an episode's frames, ordered by frame_number."""

    episode_id: int
    offset: int
    limit: int
    total: int
    frames: list[dict[str, Any]]
