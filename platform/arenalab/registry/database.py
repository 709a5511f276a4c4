"""Engines for the registry: SQLite tuned for concurrent writers, or PostgreSQL by URL alone.

SQLite runs in WAL mode (readers never block the writer) with a busy timeout,
and write transactions start with ``BEGIN IMMEDIATE`` so two writers queue on
the lock instead of failing with "database is locked" when a read transaction
tries to upgrade (the seed's known failure).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_S = 60
MIGRATIONS = Path(__file__).parent / "migrations"
IMMEDIATE = "arenalab_begin_immediate"


def create_registry_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, a busy timeout and immediate writes."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each WAL checkpoint
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, whose transactions take SQLite's write lock up front."""
    return engine.execution_options(**{IMMEDIATE: True})


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise schema upgrades between processes starting at the same time."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        with open(f"{database}.migrate.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(727274)"))
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(727274)"))
            connection.commit()


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine``, for ``upgrade`` and for writing new revisions."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to call from many processes at once."""
    with _migration_lock(engine):
        command.upgrade(alembic_config(engine), "head")


def schema_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first upgrade."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
