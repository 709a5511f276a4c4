"""Log segments -> Parquet files, exactly once per (episode_id, frame_number).

Compactions on one node are serialised by a lock file in the log folder, take
only sealed or orphaned segments (their writer's flock is gone), drop frames
already in the dataset (a retry that landed on another replica, or a crash
between the Parquet rename and the segment delete), write one file per
``date=`` partition, and delete the segments only after the files are durable.
A damaged span of a segment, or a record that does not fit ``FRAME_SCHEMA``, is
quarantined (:mod:`arenalab.datasets.quarantine`) instead of blocking the rest.
"""

from __future__ import annotations

import fcntl
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from arenalab.datasets import quarantine
from arenalab.datasets.codec import Rejected, dedupe, records_to_table
from arenalab.datasets.files import open_dataset, write_parquet
from arenalab.datasets.quarantine import Quarantined
from arenalab.datasets.schema import PARTITION_FORMAT, dataset_root
from arenalab.datasets.wal import Damage, fsync_dir, list_segments, read_records, try_lock
from arenalab.storage import Storage

LOCK_FILE = ".compaction.lock"


@dataclass
class CompactionResult:
    """What one compaction moved into the dataset."""

    files: list[str] = field(default_factory=list)
    segments: int = 0
    frames: int = 0
    duplicates: int = 0
    quarantined: int = 0
    episodes: Counter[int] = field(default_factory=Counter)


@contextmanager
def _node_lock(wal_dir: Path) -> Iterator[None]:
    wal_dir.mkdir(parents=True, exist_ok=True)
    with open(wal_dir / LOCK_FILE, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def compact(wal_dir: Path, storage: Storage) -> CompactionResult:
    """Move every sealed or orphaned segment of ``wal_dir`` into the dataset at ``storage``."""
    result = CompactionResult()
    with _node_lock(wal_dir):
        claimed = [(path, fd) for path in list_segments(wal_dir) if (fd := try_lock(path))]
        try:
            logged, unfit = _read_claimed([path for path, _ in claimed])
            table = dedupe(logged)
            result.duplicates = logged.num_rows - table.num_rows
            fs, root = storage.filesystem, dataset_root(storage)
            fresh = _drop_stored(table, fs, root)
            result.duplicates += table.num_rows - fresh.num_rows
            result.files = _write_partitions(fresh, fs, root)
            result.frames = fresh.num_rows
            result.episodes.update(fresh["episode_id"].to_pylist())
            quarantine.keep(wal_dir, unfit)  # durable before the segments go
            result.quarantined = len(unfit)
            for path, _ in claimed:
                path.unlink(missing_ok=True)
            result.segments = len(claimed)
            if claimed:
                fsync_dir(wal_dir)
        finally:
            for _, fd in claimed:
                os.close(fd)
    return result


def _read_claimed(paths: list[Path]) -> tuple[pa.Table, list[Quarantined]]:
    """Rows of every readable record, and what must be quarantined instead."""
    payloads, origins, unfit = [], [], []
    for path in paths:
        damage: list[Damage] = []
        for offset, payload in read_records(path, damage):
            payloads.append(payload)
            origins.append((path.name, offset))
        unfit += [Quarantined(path.name, d.offset, d.data, d.reason) for d in damage]
    rejected: Rejected = []
    table = records_to_table(payloads, rejected=rejected)
    for index, reason in rejected:
        segment, offset = origins[index]
        unfit.append(Quarantined(segment, offset, payloads[index], reason))
    return table, unfit


def _drop_stored(table: pa.Table, fs, root: str) -> pa.Table:
    """Remove rows whose (episode_id, frame_number) pair is already in the dataset."""
    dataset = open_dataset(fs, root) if table.num_rows else None
    if dataset is None:
        return table
    episodes = pc.unique(table["episode_id"])
    stored = dataset.to_table(
        columns=["episode_id", "frame_number"], filter=pc.field("episode_id").isin(episodes)
    )
    if stored.num_rows == 0:
        return table
    keys = table.select(["episode_id", "frame_number"])
    keys = keys.append_column("__row", pa.array(range(table.num_rows), pa.int64()))
    fresh = keys.join(stored, keys=["episode_id", "frame_number"], join_type="left anti")
    return table.take(np.sort(fresh["__row"].to_numpy()))


def _write_partitions(table: pa.Table, fs, root: str) -> list[str]:
    """One file per received-at day, rows sorted so readers can skip row groups."""
    if table.num_rows == 0:
        return []
    table = table.sort_by([("episode_id", "ascending"), ("frame_number", "ascending")])
    days = pc.strftime(table["received_at"], format="%Y-%m-%d")
    files = []
    for day in pc.unique(days).to_pylist():
        part = table.filter(pc.equal(days, day))
        files.append(write_parquet(fs, f"{root}/{PARTITION_FORMAT.format(date=day)}", part))
    return files
