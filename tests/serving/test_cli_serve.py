"""``arenalab serve``: refuses an exposed bind without a key; serves the seed as users run it."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyarrow.dataset as pads
import pytest
from arenalab.cli import app
from typer.testing import CliRunner

from .conftest import SEED_COMPLETE, SEED_FIGHTER, seed_episode, seed_frame

ARENALAB = str(Path(sys.executable).parent / "arenalab")


def test_exposed_bind_without_key_is_refused(data_dir) -> None:
    """Exit code 2 and the variable to set, not a traceback."""
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "ARENALAB_API_KEY is required" in result.output


def test_second_serve_on_a_busy_port_fails_with_a_message(data_dir: Path) -> None:
    """A port something listens on: exit 1 naming the port, never the next port silently."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 1, result.output
    assert f"port {port} on 127.0.0.1 is in use" in result.output
    assert "another arenalab serve" in result.output


@pytest.mark.slow
def test_serve_command_runs_the_seed_flow_on_direct_ingress(data_dir: Path, tmp_path: Path) -> None:
    """`arenalab serve` as a user starts it: own local Ray, direct ingress, clean Ctrl-C."""
    port = random.randrange(18000, 19900, 10)  # its ingress takes a few ports from here
    server = start_serve(data_dir, port, tmp_path / "serve.log")
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as api:
            assert api.get("/docs").status_code == 200
            fighter_id = api.post("/api/fighters", json=SEED_FIGHTER).json()["id"]
            episode_id = api.post("/api/episodes", json=seed_episode(fighter_id)).json()["id"]
            for number in (1, 2, 3):
                assert api.post("/api/fight-frames", json=seed_frame(episode_id, number)).is_success
            assert api.patch(f"/api/episodes/{episode_id}", json=SEED_COMPLETE).is_success
            frames = api.get(f"/api/episodes/{episode_id}/frames").json()
    finally:
        stop_serve(server, signal.SIGINT)
    assert server.returncode == 0, (tmp_path / "serve.log").read_text()[-3000:]
    assert [frame["frame_number"] for frame in frames["frames"]] == [1, 2, 3]
    stored = pads.dataset(data_dir / "datasets" / "arena", partitioning="hive").to_table()
    assert sorted(stored["frame_number"].to_pylist()) == [1, 2, 3]  # compacted on the way out


@pytest.mark.slow
def test_sigterm_to_the_group_flushes_and_a_restart_keeps_the_port(
    data_dir: Path, tmp_path: Path
) -> None:
    """A supervisor's stop (SIGTERM to the group), an immediate restart, Ctrl-C: no frame lost.

    Every frame goes on its own connection that the server closes, so the port is
    full of TIME-WAIT sockets when the restart binds it (it used to move to PORT+1).
    """
    port = random.randrange(18000, 19900, 10)
    url = f"http://127.0.0.1:{port}"
    server = start_serve(data_dir, port, tmp_path / "first.log")
    episode_id = _post_frames(url, range(1, 41))
    assert _time_wait_sockets(port) > 0  # the restart below must bind past them
    took = stop_serve(server, signal.SIGTERM, group=True)
    log = (tmp_path / "first.log").read_text()
    print(f"SIGTERM to the process group: exited {server.returncode} in {took:.1f} s")
    assert server.returncode == 0 and took < 15, log[-3000:]
    assert _stored_frames(data_dir) == list(range(1, 41))  # in Parquet, not only the log

    server = start_serve(data_dir, port, tmp_path / "second.log")
    try:
        assert f"arenalab API at {url} " in (tmp_path / "second.log").read_text()
        with httpx.Client(base_url=url, timeout=30) as api:
            assert api.get("/health").status_code == 200
        _post_frames(url, range(41, 51), episode_id)
    finally:
        took = stop_serve(server, signal.SIGINT)
    print(f"SIGINT to the pid: exited {server.returncode} in {took:.1f} s")
    log = (tmp_path / "second.log").read_text()
    assert server.returncode == 0 and took < 15, log[-3000:]
    assert _stored_frames(data_dir) == list(range(1, 51))
    assert not [pid for pid in _session_pids(server.pid)], "processes left running"


def _post_frames(url: str, numbers: range, episode_id: int | None = None) -> int:
    """Post each frame on a fresh connection the server closes (TIME-WAIT on its side)."""
    close = {"Connection": "close"}
    with httpx.Client(base_url=url, timeout=30, headers=close) as api:
        if episode_id is None:
            fighter_id = api.post("/api/fighters", json=SEED_FIGHTER).json()["id"]
            episode_id = api.post("/api/episodes", json=seed_episode(fighter_id)).json()["id"]
        for number in numbers:
            answer = api.post("/api/fight-frames", json=seed_frame(episode_id, number))
            assert answer.status_code == 200, answer.text
    return episode_id


def _time_wait_sockets(port: int) -> int:
    """TCP sockets in TIME-WAIT on a local port (state 06 in /proc/net/tcp)."""
    rows = [row.split() for row in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    return sum(1 for row in rows if row[3] == "06" and int(row[1].split(":")[1], 16) == port)


def _stored_frames(data_dir: Path) -> list[int]:
    table = pads.dataset(data_dir / "datasets" / "arena", partitioning="hive").to_table()
    return sorted(table["frame_number"].to_pylist())


def _session_pids(session_id: int) -> list[int]:
    """Live processes of the server's session (its Ray workers have their own groups)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == session_id and fields[0] != "Z":
                alive.append(int(stat.parent.name))
    return alive


def start_serve(data_dir: Path, port: int, log: Path, *args: str) -> subprocess.Popen:
    """Start `arenalab serve` in its own process group (as a supervisor does); wait for it."""
    env = {k: v for k, v in os.environ.items() if k != "ARENALAB_RAY_ADDRESS"}
    env |= {"ARENALAB_DATA_DIR": str(data_dir), "ARENALAB_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [ARENALAB, "serve", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(log, server)
    except BaseException:
        stop_serve(server, signal.SIGKILL)
        raise
    return server


def stop_serve(server: subprocess.Popen, sig: int, *, group: bool = False) -> float:
    """Signal the server (or its whole group); seconds until it exited (killed after 90 s)."""
    started = time.monotonic()
    if server.poll() is None:
        os.killpg(server.pid, sig) if group else server.send_signal(sig)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=90)
    elapsed = time.monotonic() - started
    with contextlib.suppress(ProcessLookupError):  # whatever is left of the group
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    return elapsed


def _wait_ready(log: Path, server: subprocess.Popen, timeout_s: float = 180) -> None:
    """Wait for the line `arenalab serve` prints once deployed and handling Ctrl-C."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and server.poll() is None:
        if "Ctrl-C stops" in log.read_text():
            return
        time.sleep(1)
    pytest.fail(f"arenalab serve never got ready (exit code {server.poll()}):\n{log.read_text()}")
