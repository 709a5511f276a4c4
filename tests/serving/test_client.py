"""The Python client against a tiny local server that answers as a saturated arenalab does.

The live-server half (the real API on Serve) is in tests/serving/test_policy.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from arenalab.serving.client import ApiError, ArenaClient, retry_delay

EPISODE = {
    "id": 3,
    "fighter_id": 1,
    "episode_number": 1,
    "opponent_ids": [2],
    "total_reward": 0.0,
    "duration_frames": 0,
    "is_victory": False,
    "rank": None,
    "status": "open",
    "frame_count": 0,
    "created_at": "2026-12-01T10:00:00Z",
    "closed_at": None,
    "ingest_token": "tok-3",
}
Answer = tuple[int, dict[str, str], object]  # status, headers, JSON body


class TinyServer:
    """Answers each request with ``answer(n, method, path)``; remembers what it was sent."""

    def __init__(self, answer: Callable[[int, str, str], Answer]) -> None:
        self.seen: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                server.seen.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "body": body,
                        "auth": self.headers.get("Authorization"),
                    }
                )
                status, headers, payload = answer(len(server.seen), self.command, self.path)
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = _reply  # http.server's naming

            def log_message(self, *_: object) -> None:  # quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def tiny() -> Iterator[Callable[[Callable[[int, str, str], Answer]], TinyServer]]:
    """Start tiny servers for a test and stop them after it."""
    servers: list[TinyServer] = []

    def start(answer: Callable[[int, str, str], Answer]) -> TinyServer:
        servers.append(TinyServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.httpd.shutdown()
        server.httpd.server_close()


def test_a_503_is_retried_after_its_retry_after(tiny) -> None:
    """The client waits what the server asked (not its own default) and then succeeds."""
    stats = {
        "fighter_id": 1,
        "episodes": 0,
        "victories": 0,
        "win_rate": 0.0,
        "frames": 0,
        "mean_reward": None,
        "best_reward": None,
        "mean_duration_frames": None,
        "last_played": None,
    }
    server = tiny(
        lambda n, *_: (503, {"Retry-After": "2"}, {"detail": "full"}) if n < 3 else (200, {}, stats)
    )
    waits: list[float] = []
    with ArenaClient(server.url, sleep=waits.append) as arena:
        answer = arena.fighter_stats(1)
    assert answer.fighter_id == 1 and answer.mean_reward is None
    assert waits == [2.0, 2.0] and len(server.seen) == 3


def test_retries_are_bounded_and_waits_capped(tiny) -> None:
    """A server that stays saturated gets the first try plus ``retries``, then the 503 is raised."""
    server = tiny(lambda *_: (429, {"Retry-After": "600"}, {"detail": "queue full"}))
    waits: list[float] = []
    arena = ArenaClient(server.url, retries=3, max_retry_delay_s=5, sleep=waits.append)
    with arena, pytest.raises(ApiError) as raised:
        arena.fighter(1)
    assert raised.value.status == 429 and raised.value.detail == "queue full"
    assert waits == [5, 5, 5] and len(server.seen) == 4


def test_a_422_is_raised_at_once_naming_the_field(tiny) -> None:
    """Bad input is not retried; the error carries the API's field path."""
    detail = [{"loc": ["body", "glb_filename"], "msg": "too short", "type": "string_too_short"}]
    server = tiny(lambda *_: (422, {}, {"detail": detail}))
    arena = ArenaClient(server.url, sleep=pytest.fail)
    with arena, pytest.raises(ApiError) as raised:
        arena.register_fighter("")
    assert raised.value.status == 422 and raised.value.detail[0]["loc"][1] == "glb_filename"
    assert len(server.seen) == 1


def test_frames_go_with_the_episode_token_and_the_rest_with_the_key(tiny) -> None:
    """With auth on, the episode's ingest token writes its frames; the key does everything else."""
    closed = {**EPISODE, "status": "closed", "frame_count": 2}
    routes = {
        ("POST", "/api/episodes"): (201, {}, EPISODE),
        ("POST", "/api/fight-frames/batch"): (200, {}, {"frames": 2}),
        ("PATCH", "/api/episodes/3"): (200, {}, closed),
    }
    server = tiny(lambda _, method, path: routes[method, path])
    with ArenaClient(server.url, api_key="k" * 16) as arena:
        episode = arena.start_episode(1, opponent_ids=[2])
        assert arena.record_frames(episode, [{"frame_number": 0}, {"frame_number": 1}]).frames == 2
        arena.complete_episode(episode, total_reward=1.0, duration_frames=2, is_victory=True)
    assert [(s["path"], s["auth"]) for s in server.seen] == [
        ("/api/episodes", "Bearer " + "k" * 16),
        ("/api/fight-frames/batch", "Bearer tok-3"),
        ("/api/episodes/3", "Bearer tok-3"),
    ]
    assert [f["episode_id"] for f in server.seen[1]["body"]] == [3, 3]


def test_retry_after_as_an_http_date_or_missing() -> None:
    """Both forms of the header, and no header: the fallback."""
    assert retry_delay("Wed, 21 Oct 2015 07:28:00 GMT", 1.0, 10.0) == 0.0  # in the past
    assert retry_delay(None, 1.0, 10.0) == 1.0
    assert retry_delay("3", 1.0, 10.0) == 3.0
