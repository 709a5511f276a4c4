"""The clients against the real app with an API key: frames go with the episode's ingest token.

The app runs under uvicorn on a free loopback port (the same ASGI app Serve runs;
``tests/serving/test_policy.py`` has the clients against Serve itself), so the server
really checks every token the clients send.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from arenalab.envs.arena.spec import OBS_SIZE
from arenalab.serving.app import create_app
from arenalab.serving.client import ApiError, ArenaClient
from arenalab.settings import load_settings

from tests.conftest import free_port
from tests.examples.node import NODE, node_websocket, requires_node, run

KEY = "example-key-" + "k" * 16


@dataclass(frozen=True)
class AuthServer:
    """The app with ``KEY`` set, at ``url``."""

    url: str


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthServer]:
    """Serve the app with an API key from a thread; stop it after the module."""
    data_dir: Path = tmp_path_factory.mktemp("auth") / "data"
    app = create_app(load_settings(data_dir=data_dir, api_key=KEY))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.started, "uvicorn did not start"
    yield AuthServer(f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=30)


def played(out: str) -> tuple[int, int]:
    """Fighter id and frame count that arena-battle.mjs printed."""
    fighter = int(re.search(r"^fighter (\d+):", out, re.M).group(1))
    frames = int(re.search(r"^episode \d+: (\d+) frames", out, re.M).group(1))
    return fighter, frames


def assert_recorded(url: str, fighter: int, frames: int) -> None:
    """The fighter's one closed episode holds exactly the frames the battle printed."""
    with ArenaClient(url, api_key=KEY) as arena:
        (episode,) = arena.fighter_episodes(fighter)
        stored = arena.episode_frames(episode.id).frames
        assert arena.fighter_stats(fighter).frames == frames
    assert episode.status == "closed" and [f["frame_number"] for f in stored] == list(range(frames))


@requires_node
def test_js_battle_posts_batches_with_the_ingest_token(auth_server: AuthServer) -> None:
    """--api-key: the key registers and opens, the episode's token posts frames and closes."""
    out = run(
        [NODE, "examples/arena-battle.mjs", auth_server.url, "--api-key", KEY, "--frames", "50"]
    ).stdout
    assert_recorded(auth_server.url, *played(out))


def test_js_stream_authenticates_with_the_token_in_the_url(auth_server: AuthServer) -> None:
    """Browsers cannot set WebSocket headers: the stream sends ``?token=`` and is accepted."""
    command = [*node_websocket(), "examples/arena-battle.mjs", auth_server.url, "--stream"]
    out = run([*command, "--api-key", KEY, "--frames", "50"]).stdout
    assert_recorded(auth_server.url, *played(out))


def test_python_client_uses_the_token_and_needs_the_key(auth_server: AuthServer) -> None:
    """Frames with the token only; every call without a credential is a 401."""
    frame = {
        "frame_number": 0,
        "fighter_position": [0.0, 5.0],
        "fighter_health": 100.0,
        "fighter_velocity": [0.0, 0.0],
        "enemies_state": [],
        "action_vector": [0.0] * 4,
        "reward_delta": 0.0,
        "cumulative_reward": 0.0,
        "observation_vector": [0.0] * OBS_SIZE,
    }
    with ArenaClient(auth_server.url, api_key=KEY) as arena:
        episode = arena.start_episode(arena.register_fighter("a.glb").id)
    assert episode.ingest_token
    with ArenaClient(auth_server.url) as browser:  # holds the token only
        assert browser.record_frames(episode, [frame]).frames == 1
        closed = browser.complete_episode(
            episode, total_reward=0.0, duration_frames=1, is_victory=False
        )
        assert closed.frame_count == 1
        with pytest.raises(ApiError) as refused:
            browser.fighter_stats(episode.fighter_id)
    assert refused.value.status == 401
