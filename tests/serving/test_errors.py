"""Every failure is a JSON answer: catch-all 500, Ray failures 503, body limits, JSON only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from arenalab.serving.app import MOUNTS, Mount, create_app
from arenalab.settings import load_settings
from fastapi import APIRouter
from fastapi.testclient import TestClient
from ray.exceptions import ActorDiedError
from ray.serve.exceptions import BackPressureError

from .conftest import SEED_FIGHTER, seed_episode, seed_frame

failing = APIRouter()


@failing.get("/boom")
async def boom() -> None:
    """A bug: an exception no handler knows, with a path and a host in its message."""
    raise RuntimeError("cannot open /home/ray/secret.db on 10.0.0.7 (pid 4242)")


@failing.get("/actor-died")
async def actor_died() -> None:
    """A Ray actor the route called died."""
    raise ActorDiedError()


@failing.get("/back-pressure")
async def back_pressure() -> None:
    """A Serve deployment refused the call: its queue is full."""
    raise BackPressureError(num_queued_requests=10, max_queued_requests=10)


@pytest.fixture
def client(data_dir: Path) -> Iterator[TestClient]:
    """The real app plus the failing routes, errors answered rather than raised."""
    app = create_app(load_settings(data_dir=data_dir), [*MOUNTS, Mount(failing)])
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_unexpected_exception_is_a_json_500_with_a_request_id(client, caplog) -> None:
    """No traceback, path, IP or pid in the body; the log has them under the same id."""
    answer = client.get("/boom")
    assert answer.status_code == 500
    body = answer.json()
    assert body["request_id"] == answer.headers["X-Request-ID"]
    for leak in ("Traceback", "/home", "10.0.0.7", "4242", "RuntimeError", "\x1b["):
        assert leak not in answer.text
    logged = [record for record in caplog.records if body["request_id"] in record.getMessage()]
    assert logged and "secret.db" in str(logged[0].exc_info[1])


@pytest.mark.parametrize("path", ["/actor-died", "/back-pressure"])
def test_ray_and_serve_failures_are_503_with_retry_after(client, path: str) -> None:
    """A dead actor or a saturated deployment is worth a retry: 503, no Ray traceback."""
    answer = client.get(path)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert "request_id" in answer.json() and "Traceback" not in answer.text


@pytest.mark.parametrize("length", ["abc", "-5", "1e3"])
def test_non_numeric_content_length_is_a_400(client, length: str) -> None:
    """The body-limit middleware reads the header without crashing."""
    headers = {"Content-Type": "application/json", "Content-Length": length}
    answer = client.post("/api/fighters", content=b"{}", headers=headers)
    assert answer.status_code == 400
    assert "Content-Length" in answer.json()["detail"]


def test_chunked_batch_over_the_limit_is_a_413(client) -> None:
    """12 MB sent chunked (no Content-Length) is refused as too large, not as unparsable."""
    fighter_id = client.post("/api/fighters", json=SEED_FIGHTER).json()["id"]
    episode_id = client.post("/api/episodes", json=seed_episode(fighter_id)).json()["id"]
    frame = json.dumps(seed_frame(episode_id, 1)).encode()
    count = 12 * 1024 * 1024 // len(frame) + 1

    def chunks() -> Iterator[bytes]:
        yield b"["
        for number in range(count):
            yield (b"," if number else b"") + frame
        yield b"]"

    answer = client.post(
        "/api/fight-frames/batch", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413, answer.text
    assert "larger than" in answer.json()["detail"]


def test_a_cross_site_text_plain_post_stores_nothing(client) -> None:
    """A page's no-preflight POST (text/plain, form) is a 415; the seed's JSON POST works."""
    fighter_id = client.post("/api/fighters", json=SEED_FIGHTER).json()["id"]
    episode_id = client.post("/api/episodes", json=seed_episode(fighter_id)).json()["id"]
    frame = json.dumps(seed_frame(episode_id, 1))
    for media in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        answer = client.post("/api/fight-frames", content=frame, headers={"Content-Type": media})
        assert answer.status_code == 415, media
        assert "application/json" in answer.json()["detail"]
    bare = client.post("/api/v1/experiments/", content=b'{"name": "x"}')  # no Content-Type
    assert bare.status_code == 415
    frames = client.get(f"/api/episodes/{episode_id}/frames").json()
    assert frames["total"] == 0
    utf8 = {"Content-Type": "application/json; charset=utf-8"}
    seed_post = client.post("/api/fight-frames", content=frame, headers=utf8)
    assert seed_post.status_code == 200, seed_post.text
