"""Durable frames/s of arenalab's ingestion paths vs the seed-style peer, in one run.

Measures, with 1, 16 and 64 concurrent clients and frames of the seed's shape
(64-float observation):
  (a) the seed-style peer (``seed_peer.py``: FastAPI + SQLite, one INSERT and
      commit per frame) with SQLite's defaults and tuned (WAL);
  (b) arenalab on Ray Serve: one frame per POST, 100-frame batch POSTs, and a
      WebSocket stream of 60-frame messages, each next to a do-nothing route of
      the same shape on the same ingress (``ingest_ceiling.py``: the ceiling);
and, open loop, how many fighters posting one frame per POST at 60 Hz each
server sustains (achieved >= 80% of offered, p99 < 100 ms). Ray is started
per ingress mode (the mode is read when Ray starts). Writes
``benchmarks/results/ingest.json``.

    python benchmarks/ingest.py [--seconds 4] [--modes direct,proxy]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from loadgen import (  # noqa: E402
    Request,
    batch_bytes,
    closed_loop,
    frame_bytes,
    open_loop,
    stream_loop,
)

CONCURRENCY = [1, 16, 64]
BATCH = 100
MESSAGE = 60
FIGHTER_STEPS = [4, 8, 12, 16, 24, 32, 48, 64, 96]
RESULTS = HERE / "results" / "ingest.json"


def free_port() -> int:
    """A TCP port free right now on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, timeout_s: float = 120) -> None:
    """Poll until the server answers."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise TimeoutError(url)


def log(message: str) -> None:
    """One progress line."""
    print(message, flush=True)


class Episodes:
    """Fresh episodes on the arenalab server, one per client (frame numbers never collide)."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=60)
        body = {"glb_filename": "bench.glb", "metadata_json": {}}
        self.fighter = self.client.post("/api/fighters", json=body).json()["id"]

    def take(self, n: int) -> list[int]:
        """Open ``n`` episodes."""
        body = {"fighter_id": self.fighter}
        return [self.client.post("/api/episodes", json=body).json()["id"] for _ in range(n)]


def shapes(episodes: list[int]) -> dict:
    """Request makers per path: (client, i) -> (body, frames)."""
    return {
        "single": lambda c, i: (frame_bytes(episodes[c], i), 1),
        "batch": lambda c, i: (batch_bytes(episodes[c], i * BATCH, BATCH), BATCH),
        "stream": lambda c, i: batch_bytes(episodes[c], i * MESSAGE, MESSAGE),
    }


def measure(host: str, port: int, prefix: str, path: str, clients: int, episodes: list[int],
            seconds: float) -> dict:  # fmt: skip
    """One closed-loop measurement of a path."""
    make = shapes(episodes)[path]
    if path == "stream":
        url = f"ws://{host}:{port}{prefix}/fight-frames/stream"
        result = asyncio.run(stream_loop(url, make, MESSAGE, clients, seconds))
    else:
        route = f"{prefix}/fight-frames" + ("/batch" if path == "batch" else "")
        request = lambda client, i: (route, *make(client, i))  # noqa: E731
        result = asyncio.run(closed_loop(host, port, request, clients, seconds))
    return result.summary()


def fighters_sustained(host: str, port: int, route: str, episodes_for, seconds: float) -> dict:
    """Largest number of 60 Hz one-frame-per-POST fighters the server keeps up with."""
    best, trials = 0, []

    def frames_of(episodes: list[int]) -> Callable[[int, int], Request]:
        return lambda fighter, k: (route, frame_bytes(episodes[fighter], k), 1)

    warm_up = episodes_for(FIGHTER_STEPS[0])
    asyncio.run(open_loop(host, port, frames_of(warm_up), len(warm_up), 2.0))
    for n in FIGHTER_STEPS:
        episodes = episodes_for(n)
        result = asyncio.run(open_loop(host, port, frames_of(episodes), len(episodes), seconds))
        summary = result.summary()
        achieved = summary["requests_per_s"] / (n * 60)
        ok = achieved >= 0.8 and summary["p99_ms"] < 100
        trials.append({"fighters": n, "achieved_ratio": round(achieved, 3), **summary, "ok": ok})
        log(f"    {n:3d} fighters: {summary['requests_per_s']:7.0f}/{n * 60} req/s, "
            f"p99 {summary['p99_ms']:.1f} ms {'ok' if ok else 'FAIL'}")  # fmt: skip
        if not ok:
            break
        best = n
    return {"fighters": best, "trials": trials}


def run_peer(mode: str, seconds: float, workdir: Path) -> dict:
    """The seed-style peer in its own process, with one SQLite setting."""
    port = free_port()
    db = workdir / f"peer-{mode}.db"
    proc = subprocess.Popen([sys.executable, str(HERE / "seed_peer.py"), "--port", str(port),
                             "--db", str(db), "--sqlite", mode])  # fmt: skip
    try:
        wait_ready(f"http://127.0.0.1:{port}/docs")
        out = {"closed_loop": {}}
        counter = iter(range(10**6, 10**9, 1000))
        out["fighters_60hz"] = fighters_sustained(
            "127.0.0.1",
            port,
            "/api/fight-frames",
            lambda n: [next(counter) for _ in range(n)],
            seconds,
        )
        for clients in CONCURRENCY:
            eps = list(range(1, clients + 1))
            out["closed_loop"][clients] = measure("127.0.0.1", port, "/api", "single", clients,
                                                  eps, seconds)  # fmt: skip
            log(f"  peer[{mode}] single c={clients}: {out['closed_loop'][clients]}")
        return out
    finally:
        proc.terminate()
        proc.wait()


def run_arenalab(mode: str, paths: list[str], seconds: float, workdir: Path,
                 fighters: bool) -> dict:  # fmt: skip
    """Arenalab on a fresh local Ray started with one ingress mode."""
    import ray
    from arenalab.serving.deployment import IngressArgs, build_app
    from arenalab.serving.launch import ingress_env
    from ray import serve
    from ray.serve.schema import LoggingConfig

    port = free_port()
    env = os.environ.copy()
    os.environ["PYTHONPATH"] = f"{HERE}:{os.environ.get('PYTHONPATH', '')}"  # replicas import
    os.environ.update(ingress_env(mode, port))  # read when Ray starts
    try:
        ray.init(address="local", logging_level="WARNING", log_to_driver=False)
        serve.start(
            http_options={"host": "127.0.0.1", "port": port if mode == "proxy" else free_port()},
            logging_config=LoggingConfig(enable_access_log=False),
        )
        settings = {"data_dir": str(workdir / f"arenalab-{mode}")}
        args = IngressArgs(settings=settings, mounts=["ingest_ceiling:mount"])
        serve.run(build_app(args), name="arenalab", route_prefix="/")
        url = f"http://127.0.0.1:{port}"
        wait_ready(f"{url}/health")
        episodes = Episodes(url)
        out: dict = {"closed_loop": {}, "ceiling": {}}
        if fighters:  # first, on a quiet server: later runs leave compaction work behind
            for key, route in (("fighters_60hz", "/api"), ("fighters_60hz_ceiling", "/noop")):
                log(f"  arenalab[{mode}] fighters at 60 Hz, {route}/fight-frames")
                out[key] = fighters_sustained(
                    "127.0.0.1", port, f"{route}/fight-frames", episodes.take, seconds
                )
        for path in paths:
            for clients in CONCURRENCY:
                eps = episodes.take(clients)
                real = measure("127.0.0.1", port, "/api", path, clients, eps, seconds)
                noop = measure("127.0.0.1", port, "/noop", path, clients, eps, seconds)
                out["closed_loop"].setdefault(path, {})[clients] = real
                out["ceiling"].setdefault(path, {})[clients] = noop
                log(f"  arenalab[{mode}] {path} c={clients}: {real['frames_per_s']:9.0f} frames/s "
                    f"(ceiling {noop['frames_per_s']:9.0f}) p99 {real['p99_ms']} ms")  # fmt: skip
        return out
    finally:
        serve.shutdown()
        ray.shutdown()
        os.environ.clear()
        os.environ.update(env)


def ratios(report: dict) -> dict:
    """The issue's goals as ratios measured in this run."""
    tuned = max(v["frames_per_s"] for v in report["peer"]["tuned"]["closed_loop"].values())
    direct = report["arenalab"]["direct"]
    best = {path: max(v["frames_per_s"] for v in table.values())
            for path, table in direct["closed_loop"].items()}  # fmt: skip
    ceiling_share = {
        path: {c: round(direct["closed_loop"][path][c]["frames_per_s"]
                        / max(direct["ceiling"][path][c]["frames_per_s"], 1e-9), 3)
               for c in direct["closed_loop"][path]}
        for path in direct["closed_loop"]
    }  # fmt: skip
    fighters = direct.get("fighters_60hz", {}).get("fighters")
    return {
        "tuned_peer_frames_per_s": tuned,
        "stream_vs_tuned_peer": round(best["stream"] / tuned, 2),
        "batch_vs_tuned_peer": round(best["batch"] / tuned, 2),
        "single_vs_tuned_peer": round(best["single"] / tuned, 2),
        "share_of_ceiling": ceiling_share,
        "fighters_at_60hz": {
            "arenalab_direct": fighters,
            "arenalab_direct_do_nothing_ceiling": direct.get("fighters_60hz_ceiling", {}).get(
                "fighters"
            ),
            "peer_tuned": report["peer"]["tuned"]["fighters_60hz"]["fighters"],
            "peer_default": report["peer"]["default"]["fighters_60hz"]["fighters"],
        },
        "goals": {
            "stream >= 10x tuned peer": best["stream"] >= 10 * tuned,
            "batch >= 5x tuned peer": best["batch"] >= 5 * tuned,
            "every path >= 70% of its ceiling": all(
                share >= 0.7 for table in ceiling_share.values() for share in table.values()
            ),
            "single POST sustains >= tuned peer's fighters": fighters is not None
            and fighters >= report["peer"]["tuned"]["fighters_60hz"]["fighters"],
        },
    }


def main() -> None:
    """Run everything and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument("--modes", default="direct,proxy", help="Serve ingress modes to run")
    parser.add_argument("--paths", default="single,batch,stream", help="arenalab paths (direct)")
    parser.add_argument("--no-peer", action="store_true", help="skip the seed-style peer")
    parser.add_argument("--no-fighters", action="store_true", help="skip the 60 Hz search")
    options = parser.parse_args()
    report: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "note": "client and server share the machine's cores",
        },  # fmt: skip
        "setup": {
            "seconds": options.seconds,
            "batch_frames": BATCH,
            "stream_message_frames": MESSAGE,
            "observation_floats": 64,
            "concurrency": CONCURRENCY,
        },  # fmt: skip
        "peer": {},
        "arenalab": {},
    }
    with tempfile.TemporaryDirectory(prefix="arenalab-bench-") as tmp:
        workdir = Path(tmp)
        for mode in () if options.no_peer else ("default", "tuned"):
            log(f"seed-style peer, SQLite {mode}")
            report["peer"][mode] = run_peer(mode, options.seconds, workdir)
        for mode in options.modes.split(","):
            log(f"arenalab, {mode} ingress")
            paths = options.paths.split(",") if mode == "direct" else ["single"]
            fighters = mode == "direct" and not options.no_fighters
            report["arenalab"][mode] = run_arenalab(mode, paths, options.seconds, workdir, fighters)
    if options.no_peer or options.paths != "single,batch,stream":
        log(json.dumps(report["arenalab"], indent=1))
        return  # a partial run: nothing to compare, nothing written
    report["ratios"] = ratios(report)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    log(json.dumps(report["ratios"], indent=2))
    log(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
