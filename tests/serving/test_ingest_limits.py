"""Numbers the storage cannot hold are a 422 naming the field, never an acknowledged frame."""

from __future__ import annotations

import json
import time

import pytest
from arenalab.datasets.wal import encode_record
from fastapi.testclient import TestClient

from .conftest import SEED_COMPLETE, SEED_FIGHTER, seed_episode, seed_frame

BIG = 2**70
BELOW_INT64 = -(2**63) - 1


def _open(client: TestClient) -> tuple[int, int]:
    fighter = client.post("/api/fighters", json=SEED_FIGHTER).json()["id"]
    return fighter, client.post("/api/episodes", json=seed_episode(fighter)).json()["id"]


def _locs(response) -> list[list]:  # an httpx response
    return [error["loc"] for error in response.json()["detail"]]


def _obs(frame: dict, value: float) -> None:
    frame["observation_vector"][5] = value


FRAME_CASES = [
    ("frame_number 2**70", lambda f: f.update(frame_number=BIG), ["frame_number"]),
    ("episode_id 2**70", lambda f: f.update(episode_id=BIG), ["episode_id"]),
    (
        "enemy id below int64",
        lambda f: f["enemies_state"][0].update(id=BELOW_INT64),
        ["enemies_state", 0, "id"],
    ),
    ("reward 1e308", lambda f: f.update(reward_delta=1e308), ["reward_delta"]),
    ("health -3.5e38", lambda f: f.update(fighter_health=-3.5e38), ["fighter_health"]),
    ("observation 1e39", lambda f: _obs(f, 1e39), ["observation_vector", 5]),
    (
        "enemy pos 1e300",
        lambda f: f["enemies_state"][0].update(pos=[0, 1e300]),
        ["enemies_state", 0, "pos", 1],
    ),
]


@pytest.mark.parametrize(("case", "change", "loc"), FRAME_CASES, ids=[c[0] for c in FRAME_CASES])
def test_frame_numbers_beyond_their_column_are_refused(make_client, case, change, loc) -> None:
    """One frame, a batch and a stream message each answer 422 naming the field; none is kept."""
    client = make_client()
    _, episode_id = _open(client)
    bad = seed_frame(episode_id, 1)
    change(bad)
    single = client.post("/api/fight-frames", json=bad)
    assert single.status_code == 422 and ["body", *loc] in _locs(single)
    batch = client.post("/api/fight-frames/batch", json=[seed_frame(episode_id, 0), bad])
    assert batch.status_code == 422 and ["body", 1, *loc] in _locs(batch)
    with client.websocket_connect("/api/fight-frames/stream") as ws:
        ws.send_text(json.dumps(bad))
        error = ws.receive_json()
        assert (error["type"], error["status"]) == ("error", 422)
        assert loc in [e["loc"] for e in error["detail"]]
        ws.send_text(json.dumps(seed_frame(episode_id, 2)))  # the socket keeps serving
        assert ws.receive_json() == {"type": "ack", "frames": 1, "messages": 1}
    closed = client.patch(f"/api/episodes/{episode_id}", json=SEED_COMPLETE)
    assert closed.status_code == 200 and closed.json()["frame_count"] == 1
    assert client.get("/health").json()["status"] == "healthy"


EPISODE_CASES = [
    ("fighter_id", BIG),
    ("episode_number", 2**31),
    ("duration_frames", 2**31),
    ("opponent_ids", [2, BIG]),
]


@pytest.mark.parametrize(("field", "value"), EPISODE_CASES, ids=[c[0] for c in EPISODE_CASES])
def test_episode_numbers_beyond_their_column_are_refused(make_client, field, value) -> None:
    """Opening an episode with a number its registry column cannot hold is a 422 naming it."""
    client = make_client()
    fighter, _ = _open(client)
    response = client.post("/api/episodes", json={**seed_episode(fighter), field: value})
    assert response.status_code == 422
    assert any(loc[:2] == ["body", field] for loc in _locs(response))
    assert len(client.get(f"/api/fighters/{fighter}/episodes").json()) == 1


@pytest.mark.parametrize(("field", "value"), [("rank", 2**40), ("duration_frames", -1)])
def test_episode_completion_is_bounded(make_client, field, value) -> None:
    """PATCH with an out-of-range outcome is a 422 and leaves the episode open."""
    client = make_client()
    fighter, episode_id = _open(client)
    response = client.patch(f"/api/episodes/{episode_id}", json={**SEED_COMPLETE, field: value})
    assert response.status_code == 422 and ["body", field] in _locs(response)
    [episode] = client.get(f"/api/fighters/{fighter}/episodes").json()
    assert episode["status"] == "open"


def test_path_ids_and_queries_beyond_int64_are_refused(make_client) -> None:
    """Every arena route with an id or offset answers 422 naming it, never a 500."""
    client = make_client()
    _, episode_id = _open(client)
    huge = 2**63
    for path in (
        f"/api/fighters/{huge}",
        f"/api/fighters/{huge}/stats",
        f"/api/fighters/{huge}/episodes",
        f"/api/fighters/{huge}/models",
        f"/api/fighters/{huge}/best-model",
        f"/api/episodes/{huge}/frames",
    ):
        response = client.get(path)
        assert response.status_code == 422, path
        assert any(loc[0] == "path" for loc in _locs(response)), path
    patched = client.patch(f"/api/episodes/{huge}", json=SEED_COMPLETE)
    assert patched.status_code == 422 and ["path", "episode_id"] in _locs(patched)
    page = client.get(f"/api/episodes/{episode_id}/frames", params={"offset": 2**64})
    assert page.status_code == 422 and ["query", "offset"] in _locs(page)


def test_a_poisoned_log_is_quarantined_and_the_server_serves_degraded(
    make_client, data_dir
) -> None:
    """A logged frame_number of 2**70 (from an unchecked server) no longer stops a start.

    Compaction quarantines it, episodes still close, /health says degraded and counts it.
    """
    frames = [seed_frame(99, n) for n in range(5)]
    poison = {**seed_frame(99, 5), "frame_number": BIG}
    header = {"t": 1_764_000_000_000_000, "n": 1, "episodes": {"99": [7, "custom"]}}
    payloads = [[header | {"n": 5}, *frames], [header, poison]]
    wal_dir = data_dir / "wal"
    wal_dir.mkdir(parents=True)
    (wal_dir / "old-host-1-abc-00000001.wal").write_bytes(
        b"".join(
            encode_record(b"\n".join(json.dumps(item).encode() for item in payload))
            for payload in payloads
        )
    )
    client = make_client()  # replays the log on start
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert health.json()["ingest"]["quarantined_records"] == 1
    assert client.get("/api/episodes/99/frames").status_code == 404  # no such episode: no 500
    _, episode_id = _open(client)
    assert client.post("/api/fight-frames", json=seed_frame(episode_id, 0)).status_code == 200
    closed = client.patch(f"/api/episodes/{episode_id}", json=SEED_COMPLETE)
    assert closed.status_code == 200 and closed.json()["frame_count"] == 1
    reasons = (wal_dir / "quarantine" / "reasons.jsonl").read_text()
    assert "Failed to convert JSON to int64" in reasons


def test_a_failing_compaction_still_closes_the_episode_and_shows_in_health(
    make_client, data_dir
) -> None:
    """Storage trouble during PATCH: the episode closes, /health says degraded, a retry lands."""
    client = make_client(ingest_compaction_interval_s=0.2)
    _, episode_id = _open(client)
    assert client.post("/api/fight-frames", json=seed_frame(episode_id, 0)).status_code == 200
    blocker = data_dir / "datasets"
    blocker.write_text("not a folder")  # the dataset cannot be created
    closed = client.patch(f"/api/episodes/{episode_id}", json=SEED_COMPLETE)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    health = client.get("/health").json()
    assert health["status"] == "degraded" and health["ingest"]["compaction_error"]
    blocker.unlink()
    deadline = time.monotonic() + 30
    while client.get("/health").json()["status"] != "healthy" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.get("/health").json()["status"] == "healthy"
    assert list((data_dir / "datasets" / "arena").rglob("*.parquet"))
