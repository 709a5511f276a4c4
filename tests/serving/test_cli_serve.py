"""``arenalab serve``: refuses an exposed bind without a key; serves the seed as users run it."""

from __future__ import annotations

import os
import random
import signal
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


@pytest.mark.slow
def test_serve_command_runs_the_seed_flow_on_direct_ingress(data_dir: Path, tmp_path: Path) -> None:
    """`arenalab serve` as a user starts it: own local Ray, direct ingress, clean Ctrl-C."""
    port = random.randrange(18000, 19900, 10)  # its ingress takes a few ports from here
    env = {k: v for k, v in os.environ.items() if k != "ARENALAB_RAY_ADDRESS"}
    env |= {"ARENALAB_DATA_DIR": str(data_dir), "ARENALAB_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "serve.log").open("w") as log:
        server = subprocess.Popen([ARENALAB, "serve"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        _wait_ready(tmp_path / "serve.log", server)
        with httpx.Client(base_url=url, timeout=30) as api:
            assert api.get("/docs").status_code == 200
            fighter_id = api.post("/api/fighters", json=SEED_FIGHTER).json()["id"]
            episode_id = api.post("/api/episodes", json=seed_episode(fighter_id)).json()["id"]
            for number in (1, 2, 3):
                assert api.post("/api/fight-frames", json=seed_frame(episode_id, number)).is_success
            assert api.patch(f"/api/episodes/{episode_id}", json=SEED_COMPLETE).is_success
            frames = api.get(f"/api/episodes/{episode_id}/frames").json()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert server.returncode == 0, (tmp_path / "serve.log").read_text()[-3000:]
    assert [frame["frame_number"] for frame in frames["frames"]] == [1, 2, 3]
    stored = pads.dataset(data_dir / "datasets" / "arena", partitioning="hive").to_table()
    assert sorted(stored["frame_number"].to_pylist()) == [1, 2, 3]  # compacted on the way out


def _wait_ready(log: Path, server: subprocess.Popen, timeout_s: float = 180) -> None:
    """Wait for the line `arenalab serve` prints once deployed and handling Ctrl-C."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and server.poll() is None:
        if "Ctrl-C stops" in log.read_text():
            return
        time.sleep(1)
    pytest.fail(f"arenalab serve never got ready (exit code {server.poll()}):\n{log.read_text()}")
