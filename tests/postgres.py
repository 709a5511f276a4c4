"""A throwaway PostgreSQL server for the registry tests, started the way an operator would.

Uses ``ARENALAB_TEST_POSTGRES_URL`` when set; otherwise runs ``initdb`` and
``pg_ctl`` from the machine's PostgreSQL install into a temporary folder (as
the ``postgres`` user when running as root, since the server refuses root).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """No server could be started here; the reason says what is missing."""


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable("initdb not found (install the postgresql package)")


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root without runuser")
    return ["runuser", "-u", "postgres", "--", *cmd]


class PostgresServer:
    """initdb + pg_ctl start on a private folder and port; ``stop()`` removes it all."""

    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port, self.bin = root, port, _bin_dir()
        self.data = root / "pgdata"

    def _run(self, *cmd: str) -> None:
        result = subprocess.run(_as_server_user(list(cmd)), capture_output=True, text=True)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{cmd[0]} failed: {result.stderr.strip()[-500:]}")

    def start(self) -> str:
        """Start the server and return a SQLAlchemy URL for a fresh database."""
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "arenalab",
            "--auth=trust",
            "-E",
            "UTF8",
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-w",
            "-l",
            str(self.root / "server.log"),
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1",
            "start",
        )
        self._run(
            str(self.bin / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "arenalab",
            "arenalab_test",
        )
        return f"postgresql+psycopg://arenalab@127.0.0.1:{self.port}/arenalab_test"

    def stop(self) -> None:
        """Stop the server and delete its files."""
        subprocess.run(
            _as_server_user([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)
