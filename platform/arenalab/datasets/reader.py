"""Frames of one episode as soon as they are acknowledged: Parquet plus the log tail.

The tail is every segment in the node's log folder (all replicas on a node
share it), so a frame is readable right after its ack. Rows are deduplicated
on (episode_id, frame_number) at read time too, so a duplicate that was not
yet compacted away is never shown.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from arenalab.datasets.codec import dedupe, records_to_table
from arenalab.datasets.files import open_dataset
from arenalab.datasets.schema import FRAME_SCHEMA, dataset_root
from arenalab.datasets.wal import list_segments, read_segment
from arenalab.floats import shortest_table
from arenalab.storage import Storage

Format = Literal["json", "arrow", "parquet"]


def episode_frames(
    storage: Storage, wal_dir: Path, episode_id: int, *, offset: int = 0, limit: int | None = None
) -> pa.Table:
    """An episode's frames ordered by frame_number, each once, optionally one page."""
    parts = []
    dataset = open_dataset(storage.filesystem, dataset_root(storage))
    if dataset is not None:
        stored = dataset.to_table(filter=pc.field("episode_id") == episode_id)
        parts.append(stored.select(FRAME_SCHEMA.names).cast(FRAME_SCHEMA))
    records = (record for path in list_segments(wal_dir) for record in read_segment(path))
    parts.append(records_to_table(records, episode_id))
    table = dedupe(pa.concat_tables(parts)).sort_by("frame_number")
    return table.slice(offset, limit)


def stored_obs_length(storage: Storage, episode_id: int) -> int | None:
    """Observation length of an episode's compacted frames (Parquet only: cheap)."""
    dataset = open_dataset(storage.filesystem, dataset_root(storage))
    if dataset is None:
        return None
    scanner = dataset.scanner(
        columns=["observation_vector"], filter=pc.field("episode_id") == episode_id
    )
    first = scanner.head(1)
    return len(first["observation_vector"][0]) if first.num_rows else None


def episode_frame_count(storage: Storage, wal_dir: Path, episode_id: int) -> int:
    """How many distinct frames an episode has, stored or still in the log."""
    return episode_frames(storage, wal_dir, episode_id).num_rows


def to_bytes(table: pa.Table, fmt: Format) -> bytes:
    """Serialise a page of frames for HTTP: Arrow IPC stream or a Parquet file."""
    sink = io.BytesIO()
    if fmt == "arrow":
        with ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
    elif fmt == "parquet":
        pq.write_table(table, sink, compression="zstd")
    else:
        raise ValueError(f"format must be arrow or parquet for bytes, got {fmt!r}")
    return sink.getvalue()


def to_records(table: pa.Table) -> list[dict]:
    """JSON-ready rows with the seed's field names; timestamps as ISO strings, float32 short."""
    rows = shortest_table(table).to_pylist()
    for row in rows:
        row["received_at"] = row["received_at"].isoformat()
    return rows
