"""Fixtures shared by the whole suite.

One local Ray head per test session, started with ``ray start`` from the venv
exactly as an operator would (token auth on), so that in-process tests and CLI
subprocess tests (``arenalab ...``, ``ray job submit``) join the same cluster
by address. Every test gets its own ``ARENALAB_DATA_DIR``.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

VENV_BIN = Path(sys.executable).parent
# Ray reads its auth mode when it is first imported: set it before any test module imports ray.
RAY_AUTH = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}
os.environ.update(RAY_AUTH)


def free_port() -> int:
    """Return a TCP port that is free right now on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class RayHead:
    """A running local Ray head and what a client needs to join it."""

    address: str
    dashboard_url: str
    env: dict[str, str]
    pid: int


@pytest.fixture(scope="session")
def ray_head(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RayHead]:
    """Start ``ray start --head --block`` once, join it in-process, stop it by pid at the end."""
    import ray  # only sessions that need Ray pay for the import

    temp_dir = Path("/tmp") / f"arenalab-ray-{secrets.token_hex(3)}"  # short: socket paths
    gcs_port, dashboard_port, client_port = free_port(), free_port(), free_port()
    worker_base = random.randrange(20000, 32000, 1000)  # below the ephemeral free_port() range
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}"}
    cmd = [
        str(VENV_BIN / "ray"),
        "start",
        "--head",
        "--block",
        "--disable-usage-stats",
        "--node-ip-address=127.0.0.1",
        f"--port={gcs_port}",
        "--num-cpus=2",
        # Agent ports default to fixed numbers (52365...): a second head on the host would
        # start without a job agent ("No available agent to submit job").
        f"--dashboard-agent-listen-port={free_port()}",
        f"--dashboard-agent-grpc-port={free_port()}",
        f"--runtime-env-agent-port={free_port()}",
        f"--metrics-export-port={free_port()}",
        f"--dashboard-port={dashboard_port}",
        "--dashboard-host=127.0.0.1",
        f"--ray-client-server-port={client_port}",
        f"--temp-dir={temp_dir}",
        f"--min-worker-port={worker_base}",
        f"--max-worker-port={worker_base + 999}",
    ]
    log = tmp_path_factory.mktemp("ray-head") / "ray-start.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    address = f"127.0.0.1:{gcs_port}"
    try:
        _join(ray, address, proc, log)
        yield RayHead(
            address=address,
            dashboard_url=f"http://127.0.0.1:{dashboard_port}",
            env={**RAY_AUTH, "ARENALAB_RAY_ADDRESS": address},
            pid=proc.pid,
        )
    finally:  # also when start-up was interrupted: never leave a head behind
        ray.shutdown()
        proc.terminate()  # `ray start --block` stops what it started (~3 s); a group kill hangs
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(temp_dir, ignore_errors=True)


def _join(ray: Any, address: str, proc: subprocess.Popen, log: Path) -> None:
    """Connect this process to the head as soon as it accepts clients."""
    deadline = time.monotonic() + 180
    while True:
        try:
            ray.init(address=address, log_to_driver=False, logging_level="ERROR")
            return
        except ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ray start failed, see {log}:\n{log.read_text()}") from None
            time.sleep(1)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every arenalab setting at a private, empty data folder for one test."""
    for name in list(os.environ):
        if name.startswith("ARENALAB_") and name != "ARENALAB_RAY_ADDRESS":
            monkeypatch.delenv(name)
    path = tmp_path / "data"
    monkeypatch.setenv("ARENALAB_DATA_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL database; skipped only if no server can be started here.

    CI sets ``ARENALAB_REQUIRE_POSTGRES=1`` so a missing server fails instead.
    """
    from tests.postgres import PostgresServer, PostgresUnavailable

    if url := os.environ.get("ARENALAB_TEST_POSTGRES_URL"):
        yield url
        return
    server = PostgresServer(Path("/tmp") / f"arenalab-pg-{secrets.token_hex(3)}", free_port())
    try:
        url = server.start()
    except PostgresUnavailable as exc:
        server.stop()
        if os.environ.get("ARENALAB_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unavailable: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield url
    server.stop()
