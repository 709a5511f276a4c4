"""The API in-process: every bad input gets a 4xx naming the field and stores nothing; auth."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as pads
import pytest
from arenalab.datasets.schema import obs_spec_length
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from .conftest import SEED_COMPLETE, SEED_FIGHTER, seed_episode, seed_frame


def _open(client: TestClient, **metadata: object) -> int:
    body = {**SEED_FIGHTER, "metadata_json": {**SEED_FIGHTER["metadata_json"], **metadata}}
    fighter = client.post("/api/fighters", json=body).json()
    return client.post("/api/episodes", json=seed_episode(fighter["id"])).json()["id"]


def _stored(client: TestClient, episode_id: int) -> int:
    return client.get(f"/api/episodes/{episode_id}/frames").json()["total"]


def _fields(response) -> list[list]:  # an httpx response
    return [error["loc"] for error in response.json()["detail"]]


BAD_FRAMES = [
    ("missing field", lambda f: f.pop("fighter_health"), ["body", "fighter_health"]),
    ("wrong type", lambda f: f.update(frame_number="one"), ["body", "frame_number"]),
    ("wrong vector size", lambda f: f.update(fighter_position=[1.0]), ["body", "fighter_position"]),
    ("action size", lambda f: f.update(action_vector=[1, 0]), ["body", "action_vector"]),
    (
        "enemy field",
        lambda f: f["enemies_state"][0].pop("pos"),
        ["body", "enemies_state", 0, "pos"],
    ),
]


@pytest.mark.parametrize(("case", "change", "loc"), BAD_FRAMES, ids=[c[0] for c in BAD_FRAMES])
def test_invalid_frame_names_the_field(make_client, case, change, loc) -> None:
    """Wrong types and missing fields answer 422 with the field path, and store nothing."""
    client = make_client()
    episode_id = _open(client)
    frame = seed_frame(episode_id, 1)
    change(frame)
    response = client.post("/api/fight-frames", json=frame)
    assert response.status_code == 422
    assert loc in _fields(response)
    assert _stored(client, episode_id) == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_floats_are_rejected(make_client, literal: str) -> None:
    """NaN and Infinity (which JavaScript's JSON never emits but others do) are refused."""
    client = make_client()
    episode_id = _open(client)
    text = json.dumps(seed_frame(episode_id, 1)).replace(
        '"reward_delta": 1.0', f'"reward_delta": {literal}'
    )
    response = client.post(
        "/api/fight-frames", content=text, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert ["body", "reward_delta"] in _fields(response)


def test_observation_length_follows_the_declared_spec(make_client) -> None:
    """A declared spec fixes the length; without one the episode's first frame does."""
    client = make_client()
    declared = _open(client, obs_spec="arena-obs-v1")
    ok = seed_frame(declared, 1, obs_len=obs_spec_length("arena-obs-v1"))
    assert client.post("/api/fight-frames", json=ok).status_code == 200
    wrong = client.post("/api/fight-frames", json=seed_frame(declared, 2, obs_len=64))
    assert wrong.status_code == 422 and ["body", 0, "observation_vector"] in _fields(wrong)
    custom = _open(client)
    batch = [seed_frame(custom, 1, obs_len=10), seed_frame(custom, 2, obs_len=11)]
    mixed = client.post("/api/fight-frames/batch", json=batch)
    assert mixed.status_code == 422 and ["body", 1, "observation_vector"] in _fields(mixed)
    assert _stored(client, custom) == 0  # all or nothing
    unknown = client.post(
        "/api/fighters", json={**SEED_FIGHTER, "metadata_json": {"obs_spec": "x"}}
    )
    assert unknown.status_code == 422 and ["body", "metadata_json", "obs_spec"] in _fields(unknown)


def test_unknown_closed_large_and_too_many(make_client) -> None:
    """404 unknown episode, 409 closed episode, 413 body limit, 422 too many frames."""
    client = make_client(ingest_max_body_bytes=8 * 1024, ingest_max_batch_frames=5)
    episode_id = _open(client)
    assert client.post("/api/fight-frames", json=seed_frame(999, 1)).status_code == 404
    too_many = client.post(
        "/api/fight-frames/batch", json=[seed_frame(episode_id, n) for n in range(6)]
    )
    assert too_many.status_code == 422 and "at most 5 frames" in too_many.json()["detail"][0]["msg"]
    huge = client.post("/api/fight-frames", json=seed_frame(episode_id, 1, obs_len=4000))
    assert huge.status_code == 413 and "detail" in huge.json()
    assert client.patch(f"/api/episodes/{episode_id}", json=SEED_COMPLETE).status_code == 200
    closed = client.post("/api/fight-frames", json=seed_frame(episode_id, 2))
    assert closed.status_code == 409 and "closed" in closed.json()["detail"]
    assert _stored(client, episode_id) == 0


def test_full_queue_answers_503_with_retry_after(make_client) -> None:
    """Past the pending-frame limit the server refuses instead of buffering."""
    client = make_client(ingest_max_pending_frames=3)
    episode_id = _open(client)
    response = client.post(
        "/api/fight-frames/batch", json=[seed_frame(episode_id, n) for n in range(4)]
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"


def test_stream_acks_cumulatively_and_reports_errors(make_client) -> None:
    """One socket: acks count everything stored; a bad message gets an error, nothing stored."""
    client = make_client()
    episode_id = _open(client)
    with client.websocket_connect("/api/fight-frames/stream") as ws:
        ws.send_text(json.dumps([seed_frame(episode_id, n) for n in range(10)]))
        assert ws.receive_json() == {"type": "ack", "frames": 10, "messages": 1}
        ws.send_text(json.dumps({"episode_id": episode_id}))
        error = ws.receive_json()
        assert (error["type"], error["message"], error["status"]) == ("error", 1, 422)
        ws.send_text(json.dumps(seed_frame(episode_id, 10)))
        assert ws.receive_json() == {"type": "ack", "frames": 11, "messages": 2}
    assert _stored(client, episode_id) == 11


def test_docs_schema_cors_and_health(make_client) -> None:
    """/docs, /redoc, /openapi.json (prefixed paths only), CORS preflight, /health."""
    client = make_client()
    schema = client.get("/openapi.json").json()
    assert "/api/fight-frames/batch" in schema["paths"] and "/fight-frames" not in schema["paths"]
    assert client.get("/docs").status_code == 200 and client.get("/redoc").status_code == 200
    preflight = client.options(
        "/api/fight-frames",
        headers={"Origin": "http://localhost:8000", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:8000"
    health = client.get("/health").json()
    assert health["status"] == "healthy" and health["database"]["ok"] and health["storage"]["ok"]
    assert health["models"] == {"ok": True, "registered": 0, "best": 0}


def test_auth_on_a_non_loopback_bind(make_client) -> None:
    """Exposed: the registry needs the key; ingestion takes the key or the episode's token."""
    client = make_client(host="0.0.0.0", api_key="s3cret-of-16-chars", ingest_token_ttl_s=60)
    key = {"Authorization": "Bearer s3cret-of-16-chars"}
    assert client.post("/api/fighters", json=SEED_FIGHTER).status_code == 401
    assert (
        client.post("/api/fighters", json=SEED_FIGHTER, headers={"X-API-Key": "nope"}).status_code
        == 401
    )
    fighter = client.post("/api/fighters", json=SEED_FIGHTER, headers=key).json()
    first = client.post("/api/episodes", json=seed_episode(fighter["id"]), headers=key).json()
    other = client.post("/api/episodes", json=seed_episode(fighter["id"]), headers=key).json()
    token = {"Authorization": f"Bearer {first['ingest_token']}"}
    assert first["ingest_token_expires_at"] > time.time()
    assert client.post("/api/fight-frames", json=seed_frame(first["id"], 1)).status_code == 401
    assert (
        client.post("/api/fight-frames", json=seed_frame(first["id"], 1), headers=token).status_code
        == 200
    )
    assert (
        client.post("/api/fight-frames", json=seed_frame(other["id"], 1), headers=token).status_code
        == 403
    )
    assert client.get(f"/api/fighters/{fighter['id']}/stats", headers=token).status_code == 403
    forged = first["ingest_token"].replace(f".{first['id']}.", f".{other['id']}.")
    forged_headers = {"Authorization": f"Bearer {forged}"}
    assert (
        client.post(
            "/api/fight-frames", json=seed_frame(other["id"], 1), headers=forged_headers
        ).status_code
        == 401
    )
    with client.websocket_connect(f"/api/fight-frames/stream?token={first['ingest_token']}") as ws:
        ws.send_text(json.dumps(seed_frame(first["id"], 2)))
        assert ws.receive_json()["frames"] == 1
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect("/api/fight-frames/stream") as ws,
    ):
        ws.receive_json()
    assert (
        client.patch(f"/api/episodes/{first['id']}", json=SEED_COMPLETE, headers=token).status_code
        == 200
    )
    assert client.get(f"/api/fighters/{fighter['id']}/stats", headers=key).json()["frames"] == 2


CRASHING_SERVER = """
import os, sys
from fastapi.testclient import TestClient
from arenalab.serving.app import create_app
from arenalab.settings import load_settings
sys.path.insert(0, {tests!r})
from conftest import SEED_FIGHTER, seed_episode, seed_frame
client = TestClient(create_app(load_settings(data_dir={data_dir!r}))).__enter__()
fighter = client.post("/api/fighters", json=SEED_FIGHTER).json()["id"]
episode = client.post("/api/episodes", json=seed_episode(fighter)).json()["id"]
frames = [seed_frame(episode, n) for n in range(50)]
assert client.post("/api/fight-frames/batch", json=frames).status_code == 200
print(episode, flush=True)
os._exit(9)  # no shutdown, no compaction: the acknowledged frames are only in the log
"""


def test_log_of_a_crashed_server_replays_on_start(make_client, data_dir) -> None:
    """Frames acknowledged by a process that died are in Parquet once the next one starts."""
    script = CRASHING_SERVER.format(tests=str(Path(__file__).parent), data_dir=str(data_dir))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 9, done.stderr
    episode_id = int(done.stdout)
    client = make_client()  # starts: replays the orphaned segment
    fighter = client.get("/api/fighters").json()[0]["id"]
    [episode] = client.get(f"/api/fighters/{fighter}/episodes").json()
    assert (episode["id"], episode["frame_count"]) == (episode_id, 50)
    table = pads.dataset(data_dir / "datasets" / "arena", partitioning="hive").to_table()
    assert sorted(table["frame_number"].to_pylist()) == list(range(50))
    assert table["episode_id"].unique().to_pylist() == [episode_id]
