"""The API through real Ray Serve over real HTTP and WebSockets, with real files.

One Serve application per module (startup is slow on 2 cores), on a free port
of the session's Ray head; the last test kills the replica mid-stream.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from arenalab.serving.deployment import DEPLOYMENT_NAME, IngressArgs, build_app
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

from tests.conftest import free_port

from .conftest import SEED_COMPLETE, SEED_FIGHTER, seed_episode, seed_frame

APP = "arenalab-test"


@dataclass(frozen=True)
class Served:
    """A running Serve app: its base URL and data folder."""

    url: str
    data_dir: Path

    @property
    def ws_url(self) -> str:
        """The frame stream's WebSocket URL."""
        return self.url.replace("http", "ws", 1) + "/api/fight-frames/stream"

    def parquet_frames(self, episode_id: int) -> list[int]:
        """Frame numbers of an episode in the Parquet dataset (not the log)."""
        root = self.data_dir / "datasets" / "arena"
        for path in root.rglob("*.parquet"):
            pq.read_metadata(path)  # every file is whole: none is corrupt
        table = pads.dataset(root, partitioning="hive").to_table(
            columns=["episode_id", "frame_number"]
        )
        mask = table["episode_id"].to_numpy() == episode_id
        return sorted(table["frame_number"].to_numpy()[mask].tolist())


def _wait_healthy(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url}/health did not answer 200 within {timeout_s} s")


@pytest.fixture(scope="module")
def served(ray_head, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Deploy the ingress once for this module; shut Serve down at the end."""
    from ray import serve
    from ray.serve.schema import LoggingConfig

    port = free_port()
    data_dir = tmp_path_factory.mktemp("serve") / "data"
    serve.start(
        http_options={"host": "127.0.0.1", "port": port},
        logging_config=LoggingConfig(enable_access_log=False),
    )
    args = IngressArgs(settings={"data_dir": str(data_dir)}, num_cpus=0.25)
    serve.run(build_app(args), name=APP, route_prefix="/")
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url)
    yield Served(url=url, data_dir=data_dir)
    serve.delete(APP)
    serve.shutdown()


def _open_episode(client: httpx.Client) -> tuple[int, int]:
    fighter = client.post("/api/fighters", json=SEED_FIGHTER).json()["id"]
    return fighter, client.post("/api/episodes", json=seed_episode(fighter)).json()["id"]


def test_seed_call_sequence(served: Served) -> None:
    """Register, start, one POST per frame, complete, stats, frames, best model: the seed's day."""
    with httpx.Client(base_url=served.url, timeout=30) as client:
        fighter = client.post("/api/fighters", json=SEED_FIGHTER)
        assert fighter.status_code == 201
        fighter_id = fighter.json()["id"]
        episode = client.post("/api/episodes", json=seed_episode(fighter_id))
        assert episode.status_code == 201 and episode.json()["status"] == "open"
        episode_id = episode.json()["id"]
        for number in range(1, 61):
            ack = client.post("/api/fight-frames", json=seed_frame(episode_id, number))
            assert ack.status_code == 200, ack.text
        page = client.get(f"/api/episodes/{episode_id}/frames", params={"limit": 10, "offset": 50})
        assert [f["frame_number"] for f in page.json()["frames"]] == list(range(51, 61))
        closed = client.patch(f"/api/episodes/{episode_id}", json=SEED_COMPLETE)
        assert closed.json()["status"] == "closed" and closed.json()["frame_count"] == 60
        stats = client.get(f"/api/fighters/{fighter_id}/stats").json()
        assert (stats["episodes"], stats["victories"], stats["frames"]) == (1, 1, 60)
        assert stats["win_rate"] == 1.0 and stats["best_reward"] == 150.5
        assert [e["id"] for e in client.get(f"/fighters/{fighter_id}/episodes").json()] == [
            episode_id
        ]
        assert client.get(f"/api/fighters/{fighter_id}/best-model").status_code == 404
        assert client.get(f"/api/fighters/{fighter_id}/models").json() == []
        assert client.get("/docs").status_code == 200
    assert served.parquet_frames(episode_id) == list(range(1, 61))


def test_docs_pages_load_every_asset_from_the_app(served: Served) -> None:
    """/docs and /redoc work with no internet: every script, style and icon comes from the app."""
    with httpx.Client(base_url=served.url, timeout=30) as client:
        for page in ("/docs", "/redoc"):
            html = client.get(page).text
            assets = re.findall(r'(?:src|href)=["\']([^"\']+\.(?:js|css|png))', html)
            assert len(assets) >= 2, html
            for asset in assets:
                assert asset.startswith("/"), f"{page} loads {asset} from another host"
                answer = client.get(asset)
                assert answer.status_code == 200 and len(answer.content) > 1000, asset


def test_batch_and_stream_store_duplicates_once(served: Served) -> None:
    """Batches and stream messages sent twice (client retries) land in Parquet once."""
    with httpx.Client(base_url=served.url, timeout=30) as client:
        _, episode_id = _open_episode(client)
        batch = [seed_frame(episode_id, n) for n in range(100)]
        for _ in range(2):
            assert client.post("/api/fight-frames/batch", json=batch).json()["frames"] == 100
        with connect(served.ws_url) as ws:
            for start in range(100, 200, 10):
                ws.send(json.dumps([seed_frame(episode_id, n) for n in range(start, start + 10)]))
            ws.send(json.dumps([seed_frame(episode_id, n) for n in range(190, 200)]))  # resent
            acked = 0
            while acked < 110:
                acked = json.loads(ws.recv(timeout=30))["frames"]
        assert (
            client.patch(f"/api/episodes/{episode_id}", json=SEED_COMPLETE).json()["frame_count"]
            == 200
        )
    assert served.parquet_frames(episode_id) == list(range(200))


def _replica_actor():
    import ray

    for actor in ray.util.list_named_actors(all_namespaces=True):
        if actor["name"].startswith(f"SERVE_REPLICA::{APP}#{DEPLOYMENT_NAME}#"):
            return ray.get_actor(actor["name"], namespace=actor["namespace"])
    raise LookupError("no ingress replica found")


def test_killed_replica_loses_no_acknowledged_frame(served: Served) -> None:
    """Kill the replica while a client streams; after the restart every ack is there, once."""
    import ray

    with httpx.Client(base_url=served.url, timeout=30) as client:
        _, episode_id = _open_episode(client)
    episode_frames = 1000
    acked = 0
    killed = threading.Event()

    def stream(first: int, kill_at: int | None = None) -> None:
        """Send frames first..999 in batches of 20, reading acks as they come back.

        With kill_at, the replica is killed as soon as that many frames are acked
        and the client reads on until the connection drops; no frame past the
        episode's end is ever sent, so the count after the resend is exact.
        """
        nonlocal acked
        with connect(served.ws_url) as ws:

            def read_ack(timeout: float) -> None:
                nonlocal acked
                acked = first + json.loads(ws.recv(timeout=timeout))["frames"]
                if kill_at is not None and acked >= kill_at and not killed.is_set():
                    killed.set()
                    ray.kill(_replica_actor())
                    while True:
                        ws.recv(timeout=30)  # until ConnectionClosed: the replica is gone

            for start in range(first, episode_frames, 20):
                ws.send(json.dumps([seed_frame(episode_id, n) for n in range(start, start + 20)]))
                with contextlib.suppress(TimeoutError):
                    while True:
                        read_ack(timeout=0.001)
            while acked < episode_frames:  # a client waits for the last ack before closing
                read_ack(timeout=30)

    with pytest.raises((ConnectionClosed, OSError)):
        stream(0, kill_at=400)
    assert killed.is_set() and acked >= 400
    _wait_healthy(served.url)
    # the client resends everything it has no ack for (and a few it has: dedupe)
    resend_from = acked - 40
    deadline = time.monotonic() + 60
    while True:
        try:
            stream(resend_from)
            break
        except (ConnectionClosed, InvalidHandshake, OSError):  # no replica ready yet
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    with httpx.Client(base_url=served.url, timeout=60) as client:
        closed = client.patch(f"/api/episodes/{episode_id}", json=SEED_COMPLETE).json()
    assert closed["frame_count"] == episode_frames
    assert served.parquet_frames(episode_id) == list(range(episode_frames))
