"""ARENALAB_INGEST_DURABILITY=os through real Ray Serve: an ack survives a kill -9 of the replica.

The replica acknowledges each frame once its write reached the OS and, here, never
fsyncs before it is killed (the background fsync interval is a minute), so what the
restarted replica replays is exactly what the kernel kept for the dead process.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import threading
from collections.abc import Iterator

import httpx
import pytest
from arenalab.serving.deployment import DEPLOYMENT_NAME, IngressArgs, build_app

from tests.conftest import free_port

from .conftest import SEED_COMPLETE, SEED_FIGHTER, seed_episode, seed_frame
from .test_serve import Served, _wait_healthy

APP = "arenalab-os-durability"


@pytest.fixture(scope="module")
def served_os(ray_head, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, str]]:
    """The ingress with "os" durability and no background fsync within the test."""
    from ray import serve
    from ray.serve.schema import LoggingConfig

    port = free_port()
    data_dir = tmp_path_factory.mktemp("serve-os") / "data"
    serve.start(
        http_options={"host": "127.0.0.1", "port": port},
        logging_config=LoggingConfig(enable_access_log=False),
    )
    settings = {
        "data_dir": str(data_dir),
        "ingest_durability": "os",
        "ingest_os_sync_interval_ms": 60_000,
    }
    serve.run(build_app(IngressArgs(settings=settings, num_cpus=0.25)), name=APP, route_prefix="/")
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url)
    yield Served(url=url, data_dir=data_dir), ray_head.dashboard_url
    serve.delete(APP)
    serve.shutdown()


def _replica_pid(dashboard_url: str) -> int:
    from ray.util.state import list_actors

    prefix = f"SERVE_REPLICA::{APP}#{DEPLOYMENT_NAME}#"
    alive = list_actors(address=dashboard_url, filters=[("state", "=", "ALIVE")], limit=1000)
    for actor in alive:
        if (actor.name or "").startswith(prefix):
            return actor.pid
    raise LookupError("no ingress replica found")


def test_sigkilled_replica_keeps_every_acknowledged_frame(served_os: tuple[Served, str]) -> None:
    """POST frames one by one, SIGKILL the replica mid-stream: after its restart all acks are in."""
    served, dashboard_url = served_os
    with httpx.Client(base_url=served.url, timeout=30) as client:
        fighter = client.post("/api/fighters", json=SEED_FIGHTER).json()["id"]
        episode_id = client.post("/api/episodes", json=seed_episode(fighter)).json()["id"]
    acked: list[int] = []
    enough, stop = threading.Event(), threading.Event()

    def post_frames() -> None:
        """The seed's game: one POST per frame, the next after the answer, until told to stop."""
        with httpx.Client(base_url=served.url, timeout=30) as client:
            for number in itertools.count():
                if stop.is_set():
                    return
                with contextlib.suppress(httpx.HTTPError):  # the kill fails the one in flight
                    answer = client.post("/api/fight-frames", json=seed_frame(episode_id, number))
                    if answer.status_code == 200:
                        acked.append(number)
                if len(acked) >= 300:
                    enough.set()

    game = threading.Thread(target=post_frames)
    game.start()
    try:
        assert enough.wait(120)
        killed = _replica_pid(dashboard_url)
        os.kill(killed, signal.SIGKILL)
        _wait_healthy(served.url)
    finally:
        stop.set()
        game.join(60)
    assert _replica_pid(dashboard_url) != killed
    with httpx.Client(base_url=served.url, timeout=60) as client:
        closed = client.patch(f"/api/episodes/{episode_id}", json=SEED_COMPLETE)
    assert closed.status_code == 200, closed.text
    stored = served.parquet_frames(episode_id)
    assert len(stored) == len(set(stored)) == closed.json()["frame_count"]
    assert set(acked) <= set(stored)  # frames in flight at the kill may be there, unacked
