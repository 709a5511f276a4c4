"""Actions/s and AI fighters at 60 Hz: arenalab's inference paths vs a plain peer, one run.

Measures, on one tiny trained arena policy (arena-obs-v1, 49 floats; 8 fighters, each
with its own registered model id so multiplexing is exercised):
  (a) the peer (``inference_peer.py``: FastAPI + uvicorn + torch, one forward pass per
      request) and plain in-process torch (``Policy.act``, no HTTP): the baselines;
  (b) arenalab on Ray Serve (direct ingress): one observation per
      ``POST /api/fighters/{id}/act``, the whole battle (8 fighters) per ``POST /api/act``,
      and a ``WS /api/act/stream`` message per battle frame, each next to a do-nothing
      route of the same shape on the same ingress (``inference_ceiling.py``);
closed loop with 1 and 32 clients (actions/s, p50/p99), and open loop: the most AI
fighters each wanting an action every 1/60 s that a path serves with p99 < 20 ms
(and >= 95% of the offered rate). Writes ``benchmarks/results/inference.json``.

    python benchmarks/inference.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
from websockets.asyncio.client import connect

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ingest import free_port, log, wait_ready  # noqa: E402
from loadgen import Result, closed_loop, open_loop  # noqa: E402

RESULTS = HERE / "results" / "inference.json"
OBS_LEN = 49
BATTLE = 8  # fighters per battle: one /api/act request or one stream message
CLIENTS = [1, 32]
P99_MS = 20.0
RELAXED_P99_MS = 100.0
FIGHTER_STEPS = [1, 2, 4, 8, 16, 32, 48, 64, 96, 128, 192, 256, 384, 512]


def _obs(seed: int) -> list[float]:
    return np.random.default_rng(seed).uniform(-1, 1, OBS_LEN).round(3).tolist()


OBS = [_obs(seed) for seed in range(BATTLE)]


def one_body(index: int) -> bytes:
    """One fighter's observation."""
    return json.dumps({"observation": OBS[index % BATTLE]}).encode()


def battle_body(fighters: list[int], frame: int | None = None) -> bytes:
    """A battle frame: every fighter's observation."""
    body = {"fighters": [{"fighter_id": f, "observation": OBS[i]} for i, f in enumerate(fighters)]}
    return json.dumps(body | ({"frame": frame} if frame is not None else {})).encode()


async def stream(url: str, message: Callable[[int, int], bytes], sockets: int, seconds: float,
                 hz: float | None = None, window: int = 4) -> Result:  # fmt: skip
    """One socket per battle: closed loop (``window`` in flight) or one message every 1/hz s."""
    result, start = Result(), time.perf_counter() + 0.2

    async def battle(index: int) -> None:
        async with connect(url, max_size=None) as ws:
            sent: list[float] = []
            slots = asyncio.Semaphore(window if hz is None else 10**6)

            async def receive() -> None:
                answered = 0
                async for raw in ws:
                    if json.loads(raw).get("type") == "actions":
                        result.frames += BATTLE
                        result.requests += 1
                        result.latencies.append(time.perf_counter() - sent[answered])
                    else:
                        result.errors += 1
                    answered += 1
                    slots.release()

            receiver = asyncio.create_task(receive())
            k, phase = 0, random.random() / (hz or 1)
            while (now := time.perf_counter()) - start <= seconds:
                await slots.acquire()
                due = now if hz is None else start + phase + k / hz
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                sent.append(due)
                await ws.send(message(index, k).decode())
                k += 1
            await asyncio.sleep(0.5 if hz else 0.05)
            receiver.cancel()

    await asyncio.gather(*(battle(b) for b in range(sockets)))
    result.seconds = seconds
    return result


def fighters_at_60hz(run: Callable[[int], Result], per_unit: int) -> dict:
    """Most fighters served at 60 Hz each (>= 95% of offered) with p99 < 20 ms, and < 100 ms.

    The search goes on past the 20 ms goal until the 100 ms bound fails, so a loaded
    machine (where even one fighter misses 20 ms) still yields a comparison.
    """
    strict, relaxed, trials, within_goal = 0, 0, [], True
    for fighters in (f for f in FIGHTER_STEPS if f >= per_unit):
        summary = run(fighters // per_unit).summary()
        achieved = summary["frames_per_s"] / (fighters * 60)
        served = achieved >= 0.95 and summary["errors"] == 0
        trials.append({"fighters": fighters, "achieved_ratio": round(achieved, 3), **summary})
        log(f"    {fighters:4d} fighters: {summary['frames_per_s']:7.0f}/{fighters * 60} "
            f"actions/s, p99 {summary['p99_ms']:.1f} ms")  # fmt: skip
        if not (served and summary["p99_ms"] < RELAXED_P99_MS):
            break
        relaxed = fighters
        within_goal = within_goal and summary["p99_ms"] < P99_MS
        strict = fighters if within_goal else strict
    return {"fighters": strict, "fighters_p99_under_100ms": relaxed, "trials": trials}


def summary_of(result: Result) -> dict:
    """Result summary with actions/s named as such."""
    s = result.summary()
    return {"actions_per_s": s.pop("frames_per_s"), **s}


def in_process(checkpoint: Path, seconds: float) -> dict:
    """Plain torch in this process: Policy.act on one observation, and on a battle of 8."""
    import torch
    from arenalab.policies import Policy

    torch.set_num_threads(1)
    policy = Policy.from_checkpoint(checkpoint)
    out = {}
    for name, rows in (("single", 1), ("battle_of_8", BATTLE)):
        obs = np.asarray(OBS[:rows], dtype=np.float32)
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            policy.act(obs)
            calls += 1
        elapsed = time.perf_counter() - start
        out[name] = {"actions_per_s": round(calls * rows / elapsed, 1),
                     "us_per_call": round(elapsed / calls * 1e6, 1)}  # fmt: skip
        log(f"  torch in-process {name}: {out[name]}")
    return out


def run_peer(checkpoint: Path, seconds: float) -> dict:
    """The plain FastAPI + torch peer in its own process."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(HERE / "inference_peer.py"), "--port", str(port),
                             "--checkpoint", str(checkpoint)])  # fmt: skip
    try:
        wait_ready(f"http://127.0.0.1:{port}/docs")
        make = lambda c, i: ("/act", one_body(c), 1)  # noqa: E731
        out: dict = {"closed_loop": {}}
        for clients in CLIENTS:
            result = asyncio.run(closed_loop("127.0.0.1", port, make, clients, seconds))
            out["closed_loop"][clients] = summary_of(result)
            log(f"  peer c={clients}: {out['closed_loop'][clients]}")
        log("  peer fighters at 60 Hz")
        out["fighters_60hz"] = fighters_at_60hz(
            lambda n: asyncio.run(open_loop("127.0.0.1", port, make, n, seconds)), 1
        )
        return out
    finally:
        proc.terminate()
        proc.wait()


def setup_models(url: str, settings: object) -> tuple[list[int], Path]:
    """Train one tiny arena policy; register 8 fighters, each with its own model row."""
    from arenalab.experiments import Experiment
    from arenalab.registry import Registry
    from arenalab.training import train

    registry = Registry.from_settings(settings)
    meta = {"obs_spec": "arena-obs-v1"}
    fighters = [registry.create_fighter(f"bench-{i}.glb", meta).id for i in range(BATTLE)]
    experiment = Experiment.model_validate({
        "name": "inference-bench", "environment": "arena",
        "game": {"fighters": [fighters[0]], "max_steps": 40},
        "training": {"batch_size": 64, "buffer_size": 256, "episodes": 1},
        "resources": {"num_env_runners": 0},
        "run": {"max_iterations": 1, "evaluation_episodes": 1},
    })  # fmt: skip
    base = registry.get_model(train(experiment, iterations=1, settings=settings).models[0].model_id)
    for fighter in fighters[1:]:
        registry.register_model(fighter_id=fighter, algorithm=base.algorithm, env_id=base.env_id,
                                obs_spec=base.obs_spec, module_id=base.module_id,
                                checkpoint_uri=base.checkpoint_uri, rating=1000.0)  # fmt: skip
    for fighter in fighters:  # load every model once before measuring
        httpx.post(f"{url}/api/fighters/{fighter}/act", json={"observation": OBS[0]}, timeout=120)
    return fighters, Path(base.checkpoint_uri)


def run_arenalab(seconds: float, workdir: Path) -> tuple[dict, Path]:
    """Arenalab on a fresh local Ray (direct ingress), real routes next to do-nothing ones."""
    import ray
    from arenalab.serving.launch import deploy
    from arenalab.settings import load_settings
    from ray import serve

    port, env = free_port(), os.environ.copy()
    os.environ["PYTHONPATH"] = f"{HERE}:{os.environ.get('PYTHONPATH', '')}"  # replicas import
    settings = load_settings(data_dir=workdir / "arenalab", port=port, serve_ingress="direct")
    try:
        url = deploy(settings, mounts=["inference_ceiling:mount"])
        wait_ready(f"{url}/health")
        fighters, checkpoint = setup_models(url, settings)
        ws = f"ws://127.0.0.1:{port}"
        paths = {
            "single": lambda prefix: lambda c, i: (
                f"{prefix}/fighters/{fighters[c % BATTLE]}/act", one_body(c), 1),
            "battle": lambda prefix: lambda c, i: (f"{prefix}/act", battle_body(fighters), BATTLE),
        }  # fmt: skip
        message = lambda c, i: battle_body(fighters, i)  # noqa: E731
        out: dict = {"closed_loop": {}, "ceiling": {}}
        for path in ("single", "battle", "stream"):
            for clients in CLIENTS:
                for key, prefix in (("closed_loop", "/api"), ("ceiling", "/noop")):
                    if path == "stream":
                        result = asyncio.run(stream(f"{ws}{prefix}/act/stream", message, clients,
                                                    seconds))  # fmt: skip
                    else:
                        result = asyncio.run(closed_loop("127.0.0.1", port, paths[path](prefix),
                                                         clients, seconds))  # fmt: skip
                    out[key].setdefault(path, {})[clients] = summary_of(result)
                real, noop = out["closed_loop"][path][clients], out["ceiling"][path][clients]
                log(f"  arenalab {path} c={clients}: {real['actions_per_s']:7.0f} actions/s "
                    f"(ceiling {noop['actions_per_s']:7.0f}) p50 {real['p50_ms']} "
                    f"p99 {real['p99_ms']} ms")  # fmt: skip
        out["fighters_60hz"] = {}
        for path in ("single", "battle", "stream"):
            log(f"  arenalab {path}: fighters at 60 Hz")
            if path == "stream":
                run = lambda n: asyncio.run(stream(f"{ws}/api/act/stream", message, n, seconds,  # noqa: E731
                                                   hz=60))  # fmt: skip
            else:
                run = lambda n, p=path: asyncio.run(  # noqa: E731
                    open_loop("127.0.0.1", port, paths[p]("/api"), n, seconds)
                )
            out["fighters_60hz"][path] = fighters_at_60hz(run, 1 if path == "single" else BATTLE)
        return out, checkpoint
    finally:
        serve.shutdown()
        ray.shutdown()
        os.environ.clear()
        os.environ.update(env)


def ratios(report: dict) -> dict:
    """The issue's goals as ratios measured in this run."""
    ours, peer = report["arenalab"], report["peer"]
    peer_fighters = peer["fighters_60hz"]["fighters"]
    fighters = {path: v["fighters"] for path, v in ours["fighters_60hz"].items()}
    relaxed = {path: v["fighters_p99_under_100ms"] for path, v in ours["fighters_60hz"].items()}
    peer_relaxed = peer["fighters_60hz"]["fighters_p99_under_100ms"]
    share = {
        path: {c: round(ours["closed_loop"][path][c]["actions_per_s"]
                        / max(ours["ceiling"][path][c]["actions_per_s"], 1e-9), 3)
               for c in ours["closed_loop"][path]}
        for path in ours["closed_loop"]
    }  # fmt: skip
    best = {path: max(v["actions_per_s"] for v in table.values())
            for path, table in ours["closed_loop"].items()}  # fmt: skip
    peer_best = max(v["actions_per_s"] for v in peer["closed_loop"].values())
    return {
        "fighters_at_60hz": {"peer": peer_fighters, **fighters},
        "fighters_at_60hz_p99_under_100ms": {"peer": peer_relaxed, **relaxed},
        "actions_per_s_vs_peer": {path: round(v / peer_best, 2) for path, v in best.items()},
        "share_of_ceiling": share,
        "goals": {
            "stream drives >= 3x the peer's fighters": fighters["stream"]
            >= max(3 * peer_fighters, 1),
            "battle drives >= 3x the peer's fighters": fighters["battle"]
            >= max(3 * peer_fighters, 1),
            "stream >= 3x the peer's fighters at p99 < 100 ms": relaxed["stream"]
            >= max(3 * peer_relaxed, 1),
            "battle >= 3x the peer's fighters at p99 < 100 ms": relaxed["battle"]
            >= max(3 * peer_relaxed, 1),
            "per-request path >= 70% of its ceiling": all(
                v >= 0.7 for v in share["single"].values()
            ),
        },
    }


def main() -> None:
    """Run everything and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    options = parser.parse_args()
    report: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "note": "client, server and other users share the machine's cores"},
        "setup": {"seconds": options.seconds, "observation_floats": OBS_LEN,
                  "fighters_per_battle": BATTLE, "clients": CLIENTS, "p99_ms_goal": P99_MS,
                  "ingress": "direct"},
        "load_average_at_start": os.getloadavg(),
    }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="arenalab-inference-") as tmp:
        log("arenalab (direct ingress)")
        report["arenalab"], checkpoint = run_arenalab(options.seconds, Path(tmp))
        log("baselines")
        report["torch_in_process"] = in_process(checkpoint, options.seconds)
        report["peer"] = run_peer(checkpoint, options.seconds)
    report["load_average_at_end"] = os.getloadavg()
    report["ratios"] = ratios(report)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    log(json.dumps(report["ratios"], indent=2))
    log(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
