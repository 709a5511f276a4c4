"""Consistent copies of the registry while it is in use (the seed's save and restore).

SQLite uses its online backup API: the copy is a consistent snapshot even with
writers running, and a restore goes through the same API so open connections
see the restored data. PostgreSQL uses ``pg_dump``/``pg_restore`` (custom
format), the tools its operators already trust.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from arenalab.registry.database import BUSY_TIMEOUT_S


class BackupError(RuntimeError):
    """The backup or restore could not run; the message says what to install or fix."""


def backup(engine: Engine, target: Path) -> Path:
    """Write a consistent copy of the registry to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        with closing(_sqlite(engine)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
        return target
    _pg_tool("pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url(engine))
    return target


def restore(engine: Engine, source: Path) -> None:
    """Replace the registry's contents with a backup made by :func:`backup`."""
    if not source.is_file():
        raise BackupError(f"backup file {source} does not exist")
    if engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(source)) as copy, closing(_sqlite(engine)) as live:
            copy.backup(live)
        return
    _pg_tool(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        f"--dbname={_libpq_url(engine)}",
        str(source),
    )


def _sqlite(engine: Engine) -> sqlite3.Connection:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite registry cannot be backed up")
    return sqlite3.connect(database, timeout=BUSY_TIMEOUT_S)


def _libpq_url(engine: Engine) -> str:
    """The SQLAlchemy URL without its driver suffix, as libpq tools expect."""
    url = make_url(engine.url.render_as_string(hide_password=False)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _pg_tool(name: str, *args: str) -> None:
    if shutil.which(name) is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    result = subprocess.run([name, *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip()}")
