"""Ingest tokens write their own episode only; the API key travels in headers, not URLs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .conftest import SEED_COMPLETE, SEED_FIGHTER, seed_episode, seed_frame

API_KEY = "an-admin-key-of-32-characters-ok"
ADMIN = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture
def exposed(make_client) -> TestClient:
    """An exposed bind: every route needs a credential."""
    return make_client(host="0.0.0.0", api_key=API_KEY)


def _episode(client: TestClient) -> tuple[int, int, dict[str, str]]:
    fighter_id = client.post("/api/fighters", json=SEED_FIGHTER, headers=ADMIN).json()["id"]
    episode = client.post("/api/episodes", json=seed_episode(fighter_id), headers=ADMIN).json()
    return fighter_id, episode["id"], {"Authorization": f"Bearer {episode['ingest_token']}"}


def test_an_ingest_token_closes_its_episode_once(exposed: TestClient) -> None:
    """The game closes its episode; the same token cannot rewrite the outcome afterwards."""
    _, episode_id, token = _episode(exposed)
    assert exposed.post(
        "/api/fight-frames", json=seed_frame(episode_id, 1), headers=token
    ).is_success
    first = exposed.patch(f"/api/episodes/{episode_id}", json=SEED_COMPLETE, headers=token)
    assert first.status_code == 200, first.text
    rewrite = {**SEED_COMPLETE, "total_reward": 1e6, "is_victory": True}
    again = exposed.patch(f"/api/episodes/{episode_id}", json=rewrite, headers=token)
    assert again.status_code == 403 and "closed" in again.json()["detail"]
    stored = exposed.get(f"/api/fighters/{first.json()['fighter_id']}/episodes", headers=ADMIN)
    assert stored.json()[0]["total_reward"] == SEED_COMPLETE["total_reward"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/fighters/{fighter}/act", {"observation": [0.0] * 49}),
        ("post", "/api/act", {"fighters": [{"fighter_id": "{fighter}", "observation": [0.0]}]}),
        ("get", "/api/models/1/onnx", None),
        ("post", "/api/v1/policies/1/act", {"observation": [0.0] * 49}),
        ("get", "/api/fighters/{fighter}/models", None),
    ],
)
def test_an_ingest_token_cannot_act_or_download(
    exposed: TestClient, method: str, path: str, body: dict | None
) -> None:
    """Inference and ONNX downloads need the API key: a browser's token is refused (403)."""
    fighter_id, _, token = _episode(exposed)
    if body is not None and "fighters" in body:
        body = {"fighters": [{"fighter_id": fighter_id, "observation": [0.0]}]}
    answer = exposed.request(method, path.format(fighter=fighter_id), json=body, headers=token)
    assert answer.status_code == 403, answer.text
    assert "API key" in answer.json()["detail"]


def test_the_api_key_is_not_read_from_a_plain_http_url(exposed: TestClient) -> None:
    """``?token=KEY`` on HTTP is ignored (URLs land in access logs); headers work."""
    assert exposed.get(f"/api/fighters?token={API_KEY}").status_code == 401
    assert exposed.get("/api/fighters", headers={"X-API-Key": API_KEY}).status_code == 200
    with exposed.websocket_connect(f"/ws?token={API_KEY}") as socket:  # browsers: no headers
        socket.send_json({"type": "subscribe", "channel": "session_updates"})
        assert socket.receive_json()["type"] == "subscribed"
