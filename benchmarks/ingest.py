"""Acknowledged frames/s of arenalab's ingestion paths vs the seed-style peer, in one run.

Measures, with frames of the seed's shape (64-float observation):
  (a) the seed-style peer (``seed_peer.py``: FastAPI + SQLite, one INSERT and
      commit per frame) tuned (WAL, synchronous=NORMAL: survives a crash of the
      process, not a power loss) and with SQLite's defaults (synchronous=FULL);
  (b) arenalab on Ray Serve (direct ingress) in each ``ARENALAB_INGEST_DURABILITY``:
      ``fsync`` (ack after fdatasync) and ``os`` (ack once written to the OS, the
      peer's durability): one frame per POST at 1 and 16 closed-loop clients,
      100-frame batch POSTs and a WebSocket stream of 60-frame messages; the os run
      also measures a do-nothing route of the same shape (``ingest_ceiling.py``);
  (c) fighters held at 60 Hz as the seed's game sends frames: each fighter awaits
      its POST's answer, waits 16 ms, posts the next (``loadgen.paced_loop``); held
      means >= 80% of 60 frames/s per fighter (an answer within ~4 ms) and p99 < 100 ms;
  (d) this disk's fdatasync time (an append + fdatasync in the run's folder), before
      and after, the bound of fsync mode's latency;
  (e) one core's cost of validating a batch / stream message and encoding its log
      record, with no server: the most any transport could reach per core.
Writes ``benchmarks/results/ingest.json`` with the ratios, goals and load average.

    nice -n 5 python benchmarks/ingest.py [--seconds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
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
    paced_loop,
    stream_loop,
)

CONCURRENCY = [1, 16]
BATCH = 100
MESSAGE = 60
FIGHTER_STEPS = [2, 4, 8, 16, 24, 32, 48, 64]
THINK_S = 0.016  # the game's next frame, after the previous answer
HELD = 0.8  # share of 60 frames/s per fighter that counts as holding 60 Hz
DURABILITIES = ["fsync", "os"]
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


def fsync_time(folder: Path, rounds: int = 200) -> dict:
    """This disk's cost of what fsync mode waits for: append a frame's bytes, fdatasync."""
    path = folder / "fsync-probe.wal"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    times = []
    try:
        for _ in range(rounds):
            start = time.perf_counter()
            os.write(fd, b"x" * 1500)
            os.fdatasync(fd)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        os.close(fd)
        path.unlink()
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "p99_ms": round(times[int(rounds * 0.99) - 1], 2),
    }


def edge_work(frames: int, rounds: int = 200) -> dict:
    """One core's cost of what every ingest path does per message, with no server around it.

    Validating the JSON into frame models and encoding their log record (the stream's
    parse and ``codec.encode_batch``) bound frames/s per core whatever the transport:
    their frames/s over the tuned peer's is the most that path could reach here.
    """
    from arenalab.datasets.codec import encode_batch
    from arenalab.serving.arena.stream import _parse

    message = batch_bytes(1, 1, frames)
    parse_s = encode_s = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        parsed = _parse(message)
        parsed_at = time.perf_counter()
        encode_batch(parsed, {1: (1, "bench")}, 0)
        parse_s += parsed_at - start
        encode_s += time.perf_counter() - parsed_at
    return {
        "frames": frames,
        "validate_us": round(parse_s / rounds * 1e6),
        "encode_us": round(encode_s / rounds * 1e6),
        "frames_per_s_one_core": round(frames * rounds / (parse_s + encode_s)),
    }


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


def measure(
    host: str, port: int, prefix: str, path: str, clients: int, episodes: list[int], seconds: float
) -> dict:
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


def fighters_held(host: str, port: int, route: str, episodes_for, seconds: float) -> dict:
    """Fighters, each posting 16 ms after its previous answer: how many keep 60 Hz.

    Every step of ``FIGHTER_STEPS`` runs until the fighters get under half of 60 Hz, so
    two servers can be compared at equal counts even where neither holds 60 Hz.
    """
    best, trials = 0, []

    def frames_of(episodes: list[int]) -> Callable[[int, int], Request]:
        return lambda fighter, k: (route, frame_bytes(episodes[fighter], k), 1)

    warm_up = episodes_for(FIGHTER_STEPS[0])
    asyncio.run(paced_loop(host, port, frames_of(warm_up), len(warm_up), 2.0, THINK_S))
    for n in FIGHTER_STEPS:
        episodes = episodes_for(n)
        result = asyncio.run(paced_loop(host, port, frames_of(episodes), n, seconds, THINK_S))
        summary = result.summary()
        per_fighter = summary["requests_per_s"] / n
        ok = per_fighter >= HELD * 60 and summary["p99_ms"] < 100 and summary["errors"] == 0
        trials.append(
            {"fighters": n, "frames_per_s_per_fighter": round(per_fighter, 1), **summary, "ok": ok}
        )
        log(
            f"    {n:3d} fighters: {per_fighter:5.1f} frames/s each, p50 {summary['p50_ms']} "
            f"p99 {summary['p99_ms']} ms {'ok' if ok else 'FAIL'}"
        )
        if ok and all(trial["ok"] for trial in trials):
            best = n
        if per_fighter < 30:
            break
    return {"fighters": best, "trials": trials}


def pacing_alone(units: int, seconds: float) -> float:
    """Frames/s per fighter the load generator reaches with no server (0 ms answers)."""

    async def run() -> int:
        deadline = time.perf_counter() + seconds
        count = 0

        async def unit() -> None:
            nonlocal count
            while time.perf_counter() < deadline:
                count += 1
                await asyncio.sleep(THINK_S)

        await asyncio.gather(*(unit() for _ in range(units)))
        return count

    return round(asyncio.run(run()) / seconds / units, 1)


def closed_single(
    host: str, port: int, prefix: str, episodes_for, seconds: float, name: str
) -> dict:
    """One frame per POST, back to back, at each concurrency."""
    out = {}
    for clients in CONCURRENCY:
        out[clients] = measure(
            host, port, prefix, "single", clients, episodes_for(clients), seconds
        )
        log(f"  {name} single c={clients}: {out[clients]}")
    return out


def run_peer(mode: str, seconds: float, workdir: Path, fighters: bool) -> dict:
    """The seed-style peer in its own process, with one SQLite setting."""
    port = free_port()
    db = workdir / f"peer-{mode}.db"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "seed_peer.py"),
            "--port",
            str(port),
            "--db",
            str(db),
            "--sqlite",
            mode,
        ]
    )
    counter = iter(range(10**6, 10**9))
    episodes_for = lambda n: [next(counter) for _ in range(n)]  # noqa: E731 - no registry
    try:
        wait_ready(f"http://127.0.0.1:{port}/docs")
        out = {}
        if fighters:
            log(f"  peer[{mode}] fighters at 60 Hz")
            out["fighters_60hz"] = fighters_held(
                "127.0.0.1", port, "/api/fight-frames", episodes_for, seconds
            )
        out["closed_loop"] = closed_single(
            "127.0.0.1", port, "/api", episodes_for, seconds, f"peer[{mode}]"
        )
        return out
    finally:
        proc.terminate()
        proc.wait()


def run_arenalab(durability: str, seconds: float, workdir: Path, ceiling: bool) -> dict:
    """Arenalab on a fresh local Ray (direct ingress) with one ingest durability."""
    import ray
    from arenalab.serving.deployment import IngressArgs, build_app
    from arenalab.serving.launch import ingress_env
    from ray import serve
    from ray.serve.schema import LoggingConfig

    port = free_port()
    env = os.environ.copy()
    os.environ["PYTHONPATH"] = f"{HERE}:{os.environ.get('PYTHONPATH', '')}"  # replicas import
    os.environ.update(ingress_env("direct", port))  # read when Ray starts
    try:
        ray.init(address="local", logging_level="WARNING", log_to_driver=False)
        serve.start(
            http_options={"host": "127.0.0.1", "port": free_port()},
            logging_config=LoggingConfig(enable_access_log=False),
        )
        settings = {
            "data_dir": str(workdir / f"arenalab-{durability}"),
            "ingest_durability": durability,
        }
        args = IngressArgs(settings=settings, mounts=["ingest_ceiling:mount"])
        serve.run(build_app(args), name="arenalab", route_prefix="/")
        url = f"http://127.0.0.1:{port}"
        wait_ready(f"{url}/health")
        episodes = Episodes(url)
        name = f"arenalab[{durability}]"
        out: dict = {
            "ray_serve_env": {
                k: v for k, v in ingress_env("direct", port).items() if "PORT" not in k
            }
        }
        routes = [("fighters_60hz", "/api")] + ([("ceiling_fighters_60hz", "/noop")] * ceiling)
        for key, route in routes:  # first, on a quiet server: later runs leave compaction behind
            log(f"  {name} fighters at 60 Hz, {route}/fight-frames")
            out[key] = fighters_held(
                "127.0.0.1", port, f"{route}/fight-frames", episodes.take, seconds
            )
        out["closed_loop"] = closed_single("127.0.0.1", port, "/api", episodes.take, seconds, name)
        if ceiling:
            out["ceiling_closed_loop"] = closed_single(
                "127.0.0.1", port, "/noop", episodes.take, seconds, f"{name} do-nothing"
            )
        for path in ("batch", "stream"):
            out[path] = measure(
                "127.0.0.1",
                port,
                "/api",
                path,
                CONCURRENCY[-1],
                episodes.take(CONCURRENCY[-1]),
                seconds,
            )
            log(f"  {name} {path} c={CONCURRENCY[-1]}: {out[path]}")
        return out
    finally:
        serve.shutdown()
        ray.shutdown()
        os.environ.clear()
        os.environ.update(env)


def _pace_ratios(run: dict, peer: dict) -> dict[int, float]:
    """Frames/s per fighter over the peer's, at each fighter count both were measured at."""
    ours = {t["fighters"]: t["frames_per_s_per_fighter"] for t in run["fighters_60hz"]["trials"]}
    theirs = {t["fighters"]: t["frames_per_s_per_fighter"] for t in peer["fighters_60hz"]["trials"]}
    return {n: round(ours[n] / theirs[n], 2) for n in sorted(ours.keys() & theirs.keys())}


def _paces_faster(run: dict, peer: dict) -> bool:
    """Where neither holds 60 Hz: frames/s per fighter >= the peer's at every common count."""
    paces = _pace_ratios(run, peer)
    return bool(paces) and all(ratio >= 1 for ratio in paces.values())


def ratios(report: dict, fsync_ms: float) -> dict:
    """The goals as ratios measured in this run."""
    tuned = report["peer"]["tuned"]
    peer_best = max(v["frames_per_s"] for v in tuned["closed_loop"].values())
    peer_fighters = tuned["fighters_60hz"]["fighters"]
    out: dict = {
        "tuned_peer_fighters_60hz": peer_fighters,
        "tuned_peer_frames_per_s": peer_best,
        "fsync_p50_ms": fsync_ms,
    }
    for durability, run in report["arenalab"].items():
        out[durability] = {
            "fighters_60hz": run["fighters_60hz"]["fighters"],
            "fighters_vs_tuned_peer": round(
                run["fighters_60hz"]["fighters"] / max(peer_fighters, 1), 2
            ),
            "frames_per_s_per_fighter_vs_tuned_peer": _pace_ratios(run, tuned),
            "single_c1_p50_ms": run["closed_loop"][1]["p50_ms"],
            "single_vs_tuned_peer": {
                c: round(
                    run["closed_loop"][c]["requests_per_s"]
                    / tuned["closed_loop"][c]["requests_per_s"],
                    2,
                )
                for c in CONCURRENCY
            },
            "batch_vs_tuned_peer": round(run["batch"]["frames_per_s"] / peer_best, 1),
            "stream_vs_tuned_peer": round(run["stream"]["frames_per_s"] / peer_best, 1),
        }
    fsync, os_mode = out.get("fsync"), out.get("os")
    out["goals"] = {
        "os: fighters at 60 Hz >= tuned peer": os_mode is not None
        and os_mode["fighters_60hz"] >= peer_fighters
        and (peer_fighters > 0 or _paces_faster(report["arenalab"]["os"], tuned)),
        "fsync: p50 at 1 client <= fsync time + 1 ms": fsync is not None
        and fsync["single_c1_p50_ms"] <= fsync_ms + 1,
        "batch >= 15x tuned peer (both modes)": all(
            out[d]["batch_vs_tuned_peer"] >= 15 for d in report["arenalab"]
        ),
        "stream >= 25x tuned peer (both modes)": all(
            out[d]["stream_vs_tuned_peer"] >= 25 for d in report["arenalab"]
        ),
    }
    out["edge_work_vs_tuned_peer"] = {
        path: round(work["frames_per_s_one_core"] / peer_best, 1)
        for path, work in report["edge_work"].items()
    }
    return out


def main() -> None:
    """Run everything, one server at a time, and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument("--durabilities", default=",".join(DURABILITIES))
    parser.add_argument("--no-peer", action="store_true", help="skip the seed-style peer")
    options = parser.parse_args()
    durabilities = options.durabilities.split(",")
    report: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
            "note": "client and server share the machine's cores, which other work "
            "(trainings, test runs) also uses: figures are lower bounds",
        },
        "setup": {
            "seconds": options.seconds,
            "batch_frames": BATCH,
            "stream_message_frames": MESSAGE,
            "observation_floats": 64,
            "concurrency": CONCURRENCY,
            "fighter_think_ms": THINK_S * 1000,
            "fighter_held_share_of_60hz": HELD,
            "ingress": "direct",
        },
        "pacing_alone": {},
        "fsync": {},
        "peer": {},
        "arenalab": {},
        "edge_work": {},
    }
    with tempfile.TemporaryDirectory(prefix="arenalab-bench-") as tmp:
        workdir = Path(tmp)
        report["pacing_alone"] = {n: pacing_alone(n, 2.0) for n in (FIGHTER_STEPS[0], 32)}
        log(f"load generator alone, frames/s per fighter: {report['pacing_alone']}")
        report["fsync"]["before"] = fsync_time(workdir)
        log(f"fdatasync of a frame's append: {report['fsync']['before']}")
        if not options.no_peer:
            for mode in ("tuned", "default"):
                log(f"seed-style peer, SQLite {mode}")
                report["peer"][mode] = run_peer(mode, options.seconds, workdir, mode == "tuned")
        for durability in durabilities:
            log(f"arenalab, ARENALAB_INGEST_DURABILITY={durability}")
            report["arenalab"][durability] = run_arenalab(
                durability, options.seconds, workdir, ceiling=durability == "os"
            )
        report["edge_work"] = {"batch": edge_work(BATCH), "stream": edge_work(MESSAGE)}
        log(f"validate + encode alone, one core: {report['edge_work']}")
        report["fsync"]["after"] = fsync_time(workdir)
        log(f"fdatasync of a frame's append: {report['fsync']['after']}")
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    if options.no_peer or durabilities != DURABILITIES:
        log(json.dumps(report, indent=1))
        return  # a partial run: nothing to compare, nothing written
    fsync_ms = round(
        (report["fsync"]["before"]["p50_ms"] + report["fsync"]["after"]["p50_ms"]) / 2, 2
    )
    report["ratios"] = ratios(report, fsync_ms)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    log(json.dumps(report["ratios"], indent=2))
    log(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
