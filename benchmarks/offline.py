"""Offline RL input rate: BC reading 1M game frames through the RLlib view vs the seed's SQLite.

Both sides hold the same synthetic frames (``--episodes`` x ``--length``, arena-obs-v1
sized vectors): arenalab's hive-partitioned Parquet frame dataset, and the seed-style
SQLite table ``fight_frames`` (one row per frame, vectors as JSON text, as
``benchmarks/seed_peer.py`` stores them). Two measurements per side, in the same run:

* **read**: transitions (obs, actions, rewards, new_obs, terminateds) produced per
  second from the stored frames: ``read_view`` (Ray Data: read, filter, group per
  episode) vs ``SELECT ... ORDER BY episode_id, frame_number`` + ``json.loads`` + the
  same pairing in NumPy.
* **trained**: BC samples trained per second, wall clock from the first read to the
  last update (``--iterations`` x ``--updates`` x ``--batch``), with the same RLlib
  config; the SQLite side hands its table to RLlib as ``ray.data.from_arrow``.

Generating the frames is not timed. Run: ``python benchmarks/offline.py [--episodes N]``;
writes ``benchmarks/results/offline.json``. Data goes under ``--dir`` (outside git).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from arenalab.datasets.episodes import RLLIB_COLUMNS
from arenalab.datasets.schema import FRAME_SCHEMA, FRAME_SCHEMA_VERSION, dataset_root
from arenalab.datasets.selection import parse_selector
from arenalab.datasets.view import observation_space, read_view
from arenalab.envs.arena.actions import controls_space
from arenalab.offline.algorithms import OfflineAlgorithm, OfflineBudget, build_offline_config
from arenalab.offline.data import view_offline_data
from arenalab.registry import Registry
from arenalab.registry.models import Episode
from arenalab.settings import load_settings
from arenalab.storage import open_storage

RESULTS = Path(__file__).parent / "results" / "offline.json"
OBS, ACT = 49, 4
FILES = 8


def synthetic_frames(episodes: int, length: int, seed: int = 0) -> pa.Table:
    """``episodes * length`` frames of the frame schema, vectors drawn at random."""
    rng = np.random.default_rng(seed)
    n = episodes * length
    obs = rng.uniform(-1, 1, (n, OBS)).astype(np.float32)
    act = rng.uniform(-1, 1, (n, ACT)).astype(np.float32)
    vec2 = pa.FixedSizeListArray.from_arrays(pa.array(np.zeros(2 * n, np.float32)), 2)
    columns = {
        "game": pa.array(["arena"] * n),
        "fighter_id": pa.array(np.ones(n, np.int64)),
        "episode_id": pa.array(np.repeat(np.arange(1, episodes + 1), length)),
        "frame_number": pa.array(np.tile(np.arange(length), episodes)),
        "fighter_position": vec2,
        "fighter_health": pa.array(np.full(n, 100.0, np.float32)),
        "fighter_velocity": vec2,
        "enemies_state": pa.array([[]] * n, FRAME_SCHEMA.field("enemies_state").type),
        "action_vector": pa.FixedSizeListArray.from_arrays(pa.array(act.ravel()), ACT),
        "reward_delta": pa.array(rng.normal(0, 1, n).astype(np.float32)),
        "cumulative_reward": pa.array(np.zeros(n, np.float32)),
        "observation_vector": pa.ListArray.from_arrays(
            pa.array(np.arange(0, n * OBS + 1, OBS, dtype=np.int32)), pa.array(obs.ravel())
        ),
        "obs_spec": pa.array(["arena-obs-v1"] * n),
        "received_at": pa.array(np.full(n, 1_764_000_000_000_000), pa.timestamp("us", tz="UTC")),
        "schema_version": pa.array(np.full(n, FRAME_SCHEMA_VERSION, np.int16)),
    }
    return pa.table(columns).cast(FRAME_SCHEMA)


def write_parquet_dataset(table: pa.Table, root: str) -> None:
    """``FILES`` files over two ``date=`` partitions, sorted as compaction writes them."""
    for index, part in enumerate(np.array_split(np.arange(table.num_rows), FILES)):
        day = "2026-11-24" if index < FILES // 2 else "2026-11-25"
        os.makedirs(f"{root}/date={day}", exist_ok=True)
        pq.write_table(
            table.take(part),
            f"{root}/date={day}/part-{index}.parquet",
            compression="zstd",
            row_group_size=64 * 1024,
        )


def write_sqlite(table: pa.Table, path: Path) -> None:
    """The seed's table: one row per frame, vectors as JSON text."""
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE fight_frames (id INTEGER PRIMARY KEY, episode_id INTEGER, "
        "frame_number INTEGER, fighter_position TEXT, fighter_health REAL, "
        "fighter_velocity TEXT, enemies_state TEXT, action_vector TEXT, reward_delta REAL, "
        "cumulative_reward REAL, observation_vector TEXT)"
    )
    cols = [
        table[c].to_pylist()
        for c in (
            "episode_id",
            "frame_number",
            "action_vector",
            "reward_delta",
            "observation_vector",
        )
    ]
    rows = (
        (e, f, "[0.0, 0.0]", 100.0, "[0.0, 0.0]", "[]", json.dumps(a), r, 0.0, json.dumps(o))
        for e, f, a, r, o in zip(*cols, strict=True)
    )
    db.executemany(
        "INSERT INTO fight_frames (episode_id, frame_number, fighter_position, fighter_health, "
        "fighter_velocity, enemies_state, action_vector, reward_delta, cumulative_reward, "
        "observation_vector) VALUES (?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    db.commit()
    db.close()


def sqlite_transitions(path: Path) -> pa.Table:
    """The peer's read: every frame in order, JSON parsed, paired with its successor."""
    db = sqlite3.connect(path)
    rows = db.execute(
        "SELECT episode_id, frame_number, observation_vector, action_vector, reward_delta "
        "FROM fight_frames ORDER BY episode_id, frame_number"
    ).fetchall()
    db.close()
    episode = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    obs = np.array([json.loads(r[2]) for r in rows], np.float32)
    actions = np.array([json.loads(r[3]) for r in rows], np.float32)
    rewards = np.fromiter((r[4] for r in rows), np.float32, len(rows))
    last = np.append(episode[1:] != episode[:-1], True)
    new_obs = np.concatenate([obs[1:], obs[-1:]])
    new_obs[last] = obs[last]

    def vectors(values: np.ndarray) -> pa.Array:
        flat = pa.array(values.ravel())
        return pa.FixedSizeListArray.from_arrays(flat, values.shape[1]).cast(pa.list_(pa.float32()))

    return pa.table(
        {
            "eps_id": pa.array(episode.astype(str)),
            "t": pa.array(np.fromiter((r[1] for r in rows), np.int64, len(rows))),
            "obs": vectors(obs),
            "actions": vectors(actions),
            "rewards": pa.array(rewards),
            "new_obs": vectors(new_obs),
            "terminateds": pa.array(last),
            "truncateds": pa.array(np.zeros(len(rows), bool)),
        }
    )


def train_bc(build_view: Any, budget: OfflineBudget, iterations: int) -> tuple[int, float]:
    """Samples trained and wall seconds for BC fed by ``build_view`` (build included)."""
    config = build_offline_config(
        OfflineAlgorithm.BC,
        observation_space=observation_space("arena-obs-v1", OBS),
        action_space=controls_space(),
        offline_data_class=view_offline_data(build_view),
        budget=budget,
    )
    started = time.perf_counter()
    algo = config.build_algo()
    try:
        for _ in range(iterations):
            result = algo.train()
    finally:
        algo.stop()
    seconds = time.perf_counter() - started
    samples = result["learners"]["__all_modules__"]["num_env_steps_trained_lifetime"]
    return int(samples), seconds


def main() -> None:
    """Generate, store both ways, time reads and BC training, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=2000)
    parser.add_argument("--length", type=int, default=500)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/arenalab-offline-bench"))
    args = parser.parse_args()
    import ray

    shutil.rmtree(args.dir, ignore_errors=True)
    settings = load_settings(data_dir=args.dir / "data")
    storage, registry = open_storage(settings), Registry.from_settings(settings)
    started = time.perf_counter()
    frames = synthetic_frames(args.episodes, args.length)
    write_parquet_dataset(frames, dataset_root(storage))
    fighter = registry.create_fighter("bench.glb", {"obs_spec": "arena-obs-v1"})
    with registry.writing() as session:
        session.add_all(
            Episode(id=i, fighter_id=fighter.id, status="closed")
            for i in range(1, args.episodes + 1)
        )
    write_sqlite(frames, args.dir / "seed.sqlite")
    generate_s = time.perf_counter() - started
    del frames

    ray.init(address=settings.ray_address, logging_level=logging.ERROR, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    selection = parse_selector("source=game")
    closed = list(range(1, args.episodes + 1))
    results: dict[str, Any] = {}

    started = time.perf_counter()
    view = read_view(storage, selection, closed)
    rows = sum(
        len(b["rewards"]) for b in view.iter_batches(batch_size=None, batch_format="pyarrow")
    )
    view_read_s = time.perf_counter() - started
    started = time.perf_counter()
    rows_sqlite = sqlite_transitions(args.dir / "seed.sqlite").num_rows
    sqlite_read_s = time.perf_counter() - started
    results["read"] = {
        "view_samples_per_s": rows / view_read_s,
        "sqlite_samples_per_s": rows_sqlite / sqlite_read_s,
        "ratio": (rows / view_read_s) / (rows_sqlite / sqlite_read_s),
        "view_rows": rows,
        "sqlite_rows": rows_sqlite,
        "view_s": view_read_s,
        "sqlite_s": sqlite_read_s,
    }
    print(json.dumps(results["read"], indent=2), flush=True)

    budget = OfflineBudget(batch_size=args.batch, updates_per_iteration=args.updates)
    view_samples, view_s = train_bc(
        lambda: read_view(storage, selection, closed).select_columns(RLLIB_COLUMNS),
        budget,
        args.iterations,
    )
    sqlite_samples, sqlite_s = train_bc(
        lambda: ray.data.from_arrow(sqlite_transitions(args.dir / "seed.sqlite")),
        budget,
        args.iterations,
    )
    results["trained"] = {
        "view_samples_per_s": view_samples / view_s,
        "sqlite_samples_per_s": sqlite_samples / sqlite_s,
        "ratio": (view_samples / view_s) / (sqlite_samples / sqlite_s),
        "samples": view_samples,
        "view_s": view_s,
        "sqlite_s": sqlite_s,
    }
    results["setup"] = {
        "frames": args.episodes * args.length,
        "episodes": args.episodes,
        "iterations": args.iterations,
        "updates_per_iteration": args.updates,
        "batch": args.batch,
        "generate_and_store_s": generate_s,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "ray": ray.__version__,
        "notes": "shared 2-core machine; trained = first read to last update, build included",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
