"""The registry's tables: what the platform knows about fighters, runs and models.

Ids are integers because seed 000's game stores them as numbers. JSON columns
hold free-form documents (fighter metadata, experiment parameters, metrics);
everything queried or joined on is a typed column.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """Timestamps are stored in UTC so SQLite and PostgreSQL agree."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base; ``Base.metadata`` is what the migrations describe."""

    type_annotation_map = {dict: JSON, list: JSON, datetime: DateTime(timezone=True)}


class Fighter(Base):
    """A fighter registered by the arena game (seed 000)."""

    __tablename__ = "fighters"

    id: Mapped[int] = mapped_column(primary_key=True)
    glb_filename: Mapped[str] = mapped_column(String(255))
    metadata_json: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Episode(Base):
    """One battle of one fighter: opened by the game, closed with its outcome."""

    __tablename__ = "episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    fighter_id: Mapped[int] = mapped_column(ForeignKey("fighters.id"), index=True)
    episode_number: Mapped[int] = mapped_column(Integer, default=0)
    opponent_ids: Mapped[list] = mapped_column(default=list)
    total_reward: Mapped[float] = mapped_column(Float, default=0.0)
    duration_frames: Mapped[int] = mapped_column(Integer, default=0)
    is_victory: Mapped[bool] = mapped_column(Boolean, default=False)
    rank: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    source: Mapped[str] = mapped_column(String(16), default="game")  # game | sim
    frame_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class Experiment(Base):
    """A named set of the 20 parameters (seed 004), with the algorithm and environment."""

    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list] = mapped_column(default=list)
    preset: Mapped[str | None] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(32))
    environment: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TrainingSession(Base):
    """One run of an experiment: a Ray job that can be started, paused, resumed and stopped."""

    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int | None] = mapped_column(ForeignKey("experiments.id"), index=True)
    fighter_id: Mapped[int | None] = mapped_column(ForeignKey("fighters.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="created")
    job_id: Mapped[str | None] = mapped_column(String(128))
    run_uri: Mapped[str | None] = mapped_column(Text)
    iterations: Mapped[int] = mapped_column(Integer, default=0)
    env_steps: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Model(Base):
    """A checkpoint plus what is needed to serve and rank it (docs/architecture.md 4.6)."""

    __tablename__ = "models"

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int | None] = mapped_column(ForeignKey("experiments.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("training_sessions.id"))
    fighter_id: Mapped[int | None] = mapped_column(ForeignKey("fighters.id"), index=True)
    sweep: Mapped[str | None] = mapped_column(String(200))
    trial: Mapped[str | None] = mapped_column(String(200))
    algorithm: Mapped[str] = mapped_column(String(32))
    env_id: Mapped[str] = mapped_column(String(64))
    obs_spec: Mapped[str] = mapped_column(String(32))
    module_id: Mapped[str] = mapped_column(String(64), default="default_policy")
    checkpoint_uri: Mapped[str] = mapped_column(Text)
    metrics: Mapped[dict] = mapped_column(default=dict)
    protocol: Mapped[str | None] = mapped_column(String(200), index=True)
    """How the scores below were measured (env, game, episodes, seeds, opponents)."""
    eval_episodes: Mapped[int | None] = mapped_column(Integer)
    beats_random: Mapped[bool] = mapped_column(Boolean, default=False)
    """The model beat the random baseline by a clear margin under ``protocol``."""
    rating: Mapped[float | None] = mapped_column(Float)
    """League rating: the openskill ordinal ``mu - 3 sigma`` (anchors fixed)."""
    rating_mu: Mapped[float | None] = mapped_column(Float)
    rating_sigma: Mapped[float | None] = mapped_column(Float)
    eval_return: Mapped[float | None] = mapped_column(Float)
    is_best: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Metric(Base):
    """One training iteration's figures, for live charts and history."""

    __tablename__ = "metrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    iteration: Mapped[int] = mapped_column(Integer)
    env_steps: Mapped[int] = mapped_column(Integer, default=0)
    values: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
