"""An episode's observation length is fixed atomically; the stream answers every message."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from arenalab.serving.arena import stream
from fastapi.testclient import TestClient

from .conftest import SEED_COMPLETE, SEED_FIGHTER, seed_episode, seed_frame


def _open(client: TestClient) -> int:
    fighter = client.post("/api/fighters", json=SEED_FIGHTER).json()["id"]
    return client.post("/api/episodes", json=seed_episode(fighter)).json()["id"]


def _lengths(client: TestClient, episode_id: int) -> set[int]:
    frames = client.get(f"/api/episodes/{episode_id}/frames").json()["frames"]
    return {len(frame["observation_vector"]) for frame in frames}


def test_pipelined_stream_cannot_change_the_length_before_the_ack(make_client) -> None:
    """Ten frames of 49 floats then one of 2, all sent before any ack: the 2 is refused."""
    client = make_client()
    episode_id = _open(client)
    with client.websocket_connect("/api/fight-frames/stream") as ws:
        for n in range(10):
            ws.send_text(json.dumps(seed_frame(episode_id, n, obs_len=49)))
        ws.send_text(json.dumps({**seed_frame(episode_id, 10), "observation_vector": [0.5, 1]}))
        answers = [ws.receive_json()]
        while answers[-1].get("frames") != 10 or not any(a["type"] == "error" for a in answers):
            answers.append(ws.receive_json())
        [error] = [a for a in answers if a["type"] == "error"]
        assert (error["message"], error["status"]) == (10, 422)
        assert error["detail"][0]["loc"] == [0, "observation_vector"]
        ws.send_text(json.dumps(seed_frame(episode_id, 11, obs_len=49)))  # still serving
        assert ws.receive_json() == {"type": "ack", "frames": 11, "messages": 11}
    assert _lengths(client, episode_id) == {49}


def test_bad_messages_get_errors_and_the_socket_keeps_serving(make_client) -> None:
    """Binary garbage, an empty message, JSON of the wrong shape: each an error, then acks."""
    client = make_client()
    episode_id = _open(client)
    with client.websocket_connect("/api/fight-frames/stream") as ws:
        for index, bad in enumerate([b"\xff\xfe", "", "42", '[{"episode_id": 1}]']):
            if isinstance(bad, bytes):
                ws.send_bytes(bad)
            else:
                ws.send_text(bad)
            error = ws.receive_json()
            assert (error["type"], error["message"], error["status"]) == ("error", index, 422)
        ws.send_bytes(json.dumps(seed_frame(episode_id, 0)).encode())  # binary JSON is fine
        assert ws.receive_json() == {"type": "ack", "frames": 1, "messages": 1}


def test_concurrent_first_frames_agree_on_one_length(make_client) -> None:
    """First frames of 49 and of 2 floats race on a new episode: one length wins, the other 422."""
    client = make_client()
    for _ in range(3):
        episode_id = _open(client)
        frames = [seed_frame(episode_id, n, obs_len=49 if n % 2 else 3) for n in range(16)]
        with ThreadPoolExecutor(len(frames)) as pool:
            answers = list(pool.map(lambda f: client.post("/api/fight-frames", json=f), frames))
        accepted = {
            len(f["observation_vector"])
            for f, a in zip(frames, answers, strict=True)
            if a.is_success
        }
        assert len(accepted) == 1
        assert {a.status_code for a in answers} <= {200, 422}
        assert [a.status_code for a in answers].count(200) == 8
        assert _lengths(client, episode_id) == accepted
        assert client.patch(f"/api/episodes/{episode_id}", json=SEED_COMPLETE).status_code == 200


class _Socket:
    """Records what the ack loop sends (the client side of a WebSocket)."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send_json(self, message: dict) -> None:
        self.sent.append(message)


def test_a_pipelining_client_is_acknowledged_while_it_keeps_sending() -> None:
    """Stored messages are acked while later ones still wait for their fsync."""

    async def scenario() -> list[dict]:
        socket, pending = _Socket(), asyncio.Queue()
        sender = asyncio.create_task(stream._acknowledge(socket, pending))
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in range(4)]
        for future in futures:  # in arrival order: the error names message 2
            await pending.put(future)
        futures[0].set_result(5)
        futures[1].set_result(5)  # fsynced together with message 0
        await asyncio.sleep(0.01)
        acked_while_sending = list(socket.sent)
        futures[2].set_exception(ValueError("bad"))
        futures[3].set_result(2)
        await asyncio.sleep(0.01)
        sender.cancel()
        return acked_while_sending, socket.sent

    while_sending, sent = asyncio.run(scenario())
    assert while_sending == [{"type": "ack", "frames": 10, "messages": 2}]
    assert sent[1]["type"] == "error" and sent[1]["message"] == 2
    assert sent[2:] == [{"type": "ack", "frames": 12, "messages": 3}]
