"""The registry: fighters, episodes, experiments, training sessions, models and metrics in SQL.

SQLite in the data dir by default, PostgreSQL by ``ARENALAB_DATABASE_URL`` alone;
the schema is created and upgraded automatically by versioned Alembic migrations.
"""

from arenalab.registry.models import Episode, Experiment, Fighter, Metric, Model, TrainingSession
from arenalab.registry.repository import ConflictError, NotFoundError, Registry

__all__ = [
    "ConflictError",
    "Episode",
    "Experiment",
    "Fighter",
    "Metric",
    "Model",
    "NotFoundError",
    "Registry",
    "TrainingSession",
]
