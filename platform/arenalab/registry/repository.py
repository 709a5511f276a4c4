"""The registry's small repository API: the only code that writes registry rows.

Every method runs in its own short transaction and returns detached rows, so
callers (HTTP handlers, training callbacks, the CLI) never hold a session open.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, case, func, select, update
from sqlalchemy.orm import Session

from arenalab.registry.database import create_registry_engine, upgrade, writer
from arenalab.registry.models import (
    Base,
    Episode,
    Experiment,
    Fighter,
    Metric,
    Model,
    TrainingSession,
    utcnow,
)
from arenalab.settings import Settings, get_settings

Row = TypeVar("Row", bound=Base)
BEST_MIN_EPISODES = 100
"""Fewest evaluation episodes behind a score that may decide the best model."""
SCORE_FIELDS = (
    "protocol",
    "eval_episodes",
    "eval_return",
    "beats_random",
    "rating",
    "rating_mu",
    "rating_sigma",
)


class NotFoundError(LookupError):
    """The id names no row; HTTP adapters answer 404."""


class ConflictError(RuntimeError):
    """The row exists but is in the wrong state for this change; HTTP adapters answer 409."""


class Registry:
    """Fighters, episodes, experiments, training sessions, models and metrics."""

    def __init__(self, engine: Engine, *, migrate: bool = True) -> None:
        self.engine = engine
        self._writer = writer(engine)
        if migrate:
            upgrade(engine)

    @classmethod
    def from_url(cls, url: str) -> Registry:
        """Open (and create or upgrade) the registry at a SQLAlchemy URL."""
        return cls(create_registry_engine(url))

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Registry:
        """Open the registry at ``ARENALAB_DATABASE_URL`` (default: SQLite in the data dir)."""
        return cls.from_url((settings or get_settings()).database_url)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session; returned rows stay usable after it closes."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction that holds the write lock from its first statement."""
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    def _add(self, row: Row) -> Row:
        with self.writing() as session:
            session.add(row)
        return row

    def _get(self, kind: type[Row], row_id: int) -> Row:
        with self.reading() as session:
            row = session.get(kind, row_id)
        if row is None:
            raise NotFoundError(f"{kind.__tablename__[:-1]} {row_id} not found")
        return row

    def _update(self, kind: type[Row], row_id: int, **changes: Any) -> Row:
        with self.writing() as session:
            row = session.get(kind, row_id)
            if row is None:
                raise NotFoundError(f"{kind.__tablename__[:-1]} {row_id} not found")
            for name, value in changes.items():
                setattr(row, name, value)
        return row

    # Fighters -----------------------------------------------------------------------------
    def create_fighter(self, glb_filename: str, metadata_json: dict | None = None) -> Fighter:
        """Register a fighter the game will post frames for."""
        return self._add(Fighter(glb_filename=glb_filename, metadata_json=metadata_json or {}))

    def get_fighter(self, fighter_id: int) -> Fighter:
        """One fighter, or NotFoundError."""
        return self._get(Fighter, fighter_id)

    def list_fighters(self) -> list[Fighter]:
        """All fighters, oldest first."""
        with self.reading() as session:
            return list(session.scalars(select(Fighter).order_by(Fighter.id)))

    # Episodes -----------------------------------------------------------------------------
    def create_episode(self, fighter_id: int, **fields: Any) -> Episode:
        """Open an episode (a battle) for an existing fighter."""
        self.get_fighter(fighter_id)
        return self._add(Episode(fighter_id=fighter_id, **fields))

    def get_episode(self, episode_id: int) -> Episode:
        """One episode, or NotFoundError."""
        return self._get(Episode, episode_id)

    def close_episode(self, episode_id: int, **outcome: Any) -> Episode:
        """Record the outcome of a battle; closing twice updates the outcome, never reopens."""
        return self._update(Episode, episode_id, status="closed", closed_at=utcnow(), **outcome)

    def list_episodes(
        self, fighter_id: int | None = None, *, status: str | None = None
    ) -> list[Episode]:
        """Episodes, optionally of one fighter and in one status, oldest first."""
        query = select(Episode).order_by(Episode.id)
        if fighter_id is not None:
            query = query.where(Episode.fighter_id == fighter_id)
        if status is not None:
            query = query.where(Episode.status == status)
        with self.reading() as session:
            return list(session.scalars(query))

    def fighter_stats(self, fighter_id: int) -> dict[str, Any]:
        """Closed-episode statistics of one fighter, computed in SQL."""
        self.get_fighter(fighter_id)
        closed = (Episode.fighter_id == fighter_id) & (Episode.status == "closed")
        query = select(
            func.count(Episode.id),
            func.coalesce(func.sum(case((Episode.is_victory, 1), else_=0)), 0),
            func.avg(Episode.total_reward),
            func.max(Episode.total_reward),
            func.avg(Episode.duration_frames),
            func.max(Episode.closed_at),
        ).where(closed)
        frames = select(func.coalesce(func.sum(Episode.frame_count), 0)).where(
            Episode.fighter_id == fighter_id
        )
        with self.reading() as session:
            count, wins, mean_reward, best_reward, mean_duration, last = session.execute(
                query
            ).one()
            total_frames = session.scalar(frames)
        return {
            "fighter_id": fighter_id,
            "episodes": count,
            "victories": int(wins),
            "win_rate": wins / count if count else 0.0,
            "mean_reward": mean_reward,
            "best_reward": best_reward,
            "mean_duration_frames": mean_duration,
            "frames": int(total_frames),
            "last_played": last,
        }

    # Experiments and training sessions ------------------------------------------------------
    def create_experiment(self, **fields: Any) -> Experiment:
        """Store a validated experiment (parameters already checked by ``arenalab.experiments``)."""
        return self._add(Experiment(**fields))

    def get_experiment(self, experiment_id: int) -> Experiment:
        """One experiment, or NotFoundError."""
        return self._get(Experiment, experiment_id)

    def list_experiments(self) -> list[Experiment]:
        """All experiments, oldest first."""
        with self.reading() as session:
            return list(session.scalars(select(Experiment).order_by(Experiment.id)))

    def update_experiment(self, experiment_id: int, **changes: Any) -> Experiment:
        """Change an experiment's fields."""
        return self._update(Experiment, experiment_id, **changes)

    def delete_experiment(self, experiment_id: int) -> None:
        """Delete an experiment that no session or model refers to."""
        with self.writing() as session:
            row = session.get(Experiment, experiment_id)
            if row is None:
                raise NotFoundError(f"experiment {experiment_id} not found")
            used = session.scalar(
                select(func.count(TrainingSession.id)).where(
                    TrainingSession.experiment_id == experiment_id
                )
            ) or session.scalar(
                select(func.count(Model.id)).where(Model.experiment_id == experiment_id)
            )
            if used:
                raise ConflictError(f"experiment {experiment_id} has sessions or models")
            session.delete(row)

    def create_session(self, **fields: Any) -> TrainingSession:
        """Create a training session (status ``created``)."""
        return self._add(TrainingSession(**fields))

    def get_session(self, session_id: int) -> TrainingSession:
        """One training session, or NotFoundError."""
        return self._get(TrainingSession, session_id)

    def list_sessions(self, experiment_id: int | None = None) -> list[TrainingSession]:
        """Training sessions, optionally of one experiment, oldest first."""
        query = select(TrainingSession).order_by(TrainingSession.id)
        if experiment_id is not None:
            query = query.where(TrainingSession.experiment_id == experiment_id)
        with self.reading() as session:
            return list(session.scalars(query))

    def update_session(self, session_id: int, **changes: Any) -> TrainingSession:
        """Change a session's progress, job id or error (its status goes through transitions)."""
        return self._update(TrainingSession, session_id, **changes)

    def transition_session(
        self, session_id: int, moves: Mapping[str, str], **changes: Any
    ) -> TrainingSession:
        """Compare-and-set a session's status: from a key of ``moves`` to its value, or 409.

        One ``UPDATE ... WHERE status IN (...)`` under the write lock, so of two callers
        racing from the same status exactly one wins (two ``start`` calls submit one job;
        a ``stop`` while the job starts is never overwritten by the job's ``running``).

        Raises:
            NotFoundError: if no session has this id.
            ConflictError: if the session's status is none of ``moves``' keys.
        """
        status = case(
            *((TrainingSession.status == old, new) for old, new in moves.items()),
            else_=TrainingSession.status,
        )
        with self.writing() as session:
            moved = session.execute(
                update(TrainingSession)
                .where(TrainingSession.id == session_id, TrainingSession.status.in_(list(moves)))
                .values(status=status, **changes)
                .execution_options(synchronize_session=False)
            ).rowcount
            row = session.get(TrainingSession, session_id, populate_existing=True)
            if row is None:
                raise NotFoundError(f"training_session {session_id} not found")
            if not moved:
                wanted = " or ".join(sorted(moves))
                raise ConflictError(f"session {session_id} is {row.status}, not {wanted}")
        return row

    def record_metrics(
        self, session_id: int, iteration: int, env_steps: int, values: dict[str, float]
    ) -> Metric:
        """Append one iteration's metrics and advance the session's progress counters."""
        with self.writing() as session:
            row = Metric(
                session_id=session_id, iteration=iteration, env_steps=env_steps, values=values
            )
            session.add(row)
            session.execute(
                update(TrainingSession)
                .where(TrainingSession.id == session_id)
                .values(iterations=iteration, env_steps=env_steps)
            )
        return row

    def list_metrics(self, session_id: int, *, after_iteration: int = -1) -> list[Metric]:
        """A session's metrics in iteration order, optionally only the new ones."""
        query = (
            select(Metric)
            .where(Metric.session_id == session_id, Metric.iteration > after_iteration)
            .order_by(Metric.iteration)
        )
        with self.reading() as session:
            return list(session.scalars(query))

    def last_metric_id(self) -> int:
        """The id of the newest metrics row (0 when there is none): where live readers start."""
        with self.reading() as session:
            return session.scalar(select(func.coalesce(func.max(Metric.id), 0)))

    def metrics_after(
        self, metric_id: int, session_id: int | None = None, limit: int = 500
    ) -> list[Metric]:
        """Metrics rows newer than ``metric_id`` (of one session, or all), oldest first."""
        query = select(Metric).where(Metric.id > metric_id).order_by(Metric.id).limit(limit)
        if session_id is not None:
            query = query.where(Metric.session_id == session_id)
        with self.reading() as session:
            return list(session.scalars(query))

    # Models -------------------------------------------------------------------------------
    def register_model(self, **fields: Any) -> Model:
        """Record a checkpoint; the best flag follows the one rule in ``refresh_best``."""
        model = self._add(Model(**fields))
        self.refresh_best(fighter_id=model.fighter_id, experiment_id=model.experiment_id)
        return self.get_model(model.id)

    def get_model(self, model_id: int) -> Model:
        """One model, or NotFoundError."""
        return self._get(Model, model_id)

    def list_models(
        self, *, fighter_id: int | None = None, experiment_id: int | None = None
    ) -> list[Model]:
        """Models of a fighter or an experiment (or all), newest first."""
        query = select(Model).order_by(Model.id.desc())
        if fighter_id is not None:
            query = query.where(Model.fighter_id == fighter_id)
        if experiment_id is not None:
            query = query.where(Model.experiment_id == experiment_id)
        with self.reading() as session:
            return list(session.scalars(query))

    def set_model_scores(
        self, model_id: int, *, evaluation: dict[str, Any] | None = None, **scores: Any
    ) -> Model:
        """Store a model's evaluation (``SCORE_FIELDS``) and re-decide which model is best.

        A score comes whole, from one protocol: fields not given are cleared, so a
        rating measured one way never sits next to a return measured another way.
        ``evaluation`` (the full report) is kept as ``metrics["evaluation"]``.
        """
        unknown = set(scores) - set(SCORE_FIELDS)
        if unknown:
            raise TypeError(f"unknown score fields {sorted(unknown)}; expected {SCORE_FIELDS}")
        changes: dict[str, Any] = {name: scores.get(name) for name in SCORE_FIELDS}
        changes["beats_random"] = bool(changes["beats_random"])
        if evaluation is not None:
            changes["metrics"] = {**self.get_model(model_id).metrics, "evaluation": evaluation}
        model = self._update(Model, model_id, **changes)
        self.refresh_best(fighter_id=model.fighter_id, experiment_id=model.experiment_id)
        return self.get_model(model_id)

    def refresh_best(
        self, *, fighter_id: int | None = None, experiment_id: int | None = None
    ) -> None:
        """Apply the one "best" rule (docs/architecture.md 4.6): top rating, else top eval return.

        Only models that qualify compete: scored under a protocol of at least
        ``BEST_MIN_EPISODES`` episodes and clearly better than the random baseline
        (``beats_random``). Scores compare only under one protocol: the one of the
        newest qualifying model. A model never evaluated is never best.
        """
        scopes = []
        if fighter_id is not None:
            scopes.append((Model.fighter_id == fighter_id, Model.rating))
        if experiment_id is not None and fighter_id is None:
            scopes.append((Model.experiment_id == experiment_id, Model.eval_return))
        with self.writing() as session:
            for scope, score in scopes:
                qualifying = (
                    scope,
                    score.is_not(None),
                    Model.protocol.is_not(None),
                    Model.beats_random.is_(True),
                    Model.eval_episodes >= BEST_MIN_EPISODES,
                )
                protocol = session.scalar(
                    select(Model.protocol).where(*qualifying).order_by(Model.id.desc()).limit(1)
                )
                best = session.scalar(
                    select(Model.id)
                    .where(*qualifying, Model.protocol == protocol)
                    .order_by(score.desc(), Model.id.desc())
                    .limit(1)
                )
                session.execute(update(Model).where(scope).values(is_best=Model.id == best))

    def best_model(
        self, *, fighter_id: int | None = None, experiment_id: int | None = None
    ) -> Model | None:
        """The best model of a fighter or an experiment, or None if none was evaluated."""
        query = select(Model).where(Model.is_best.is_(True))
        if fighter_id is not None:
            query = query.where(Model.fighter_id == fighter_id)
        if experiment_id is not None:
            query = query.where(Model.experiment_id == experiment_id)
        with self.reading() as session:
            return session.scalars(query.order_by(Model.id.desc()).limit(1)).first()
