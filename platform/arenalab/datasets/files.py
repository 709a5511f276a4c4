"""Parquet files of the dataset, written and opened through ``pyarrow.fs``.

Going through ``arenalab.storage`` means ``ARENALAB_STORAGE=s3://bucket/prefix``
works by setting alone. A local file is made durable temp -> fsync -> rename
(readers ignore dot-files); an object store's PUT is already atomic, so files
go straight to their final key there.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from arenalab.datasets.schema import FRAME_SCHEMA, check_version
from arenalab.datasets.wal import fsync_dir

ROW_GROUP_ROWS = 64 * 1024


def write_parquet(fs: pafs.FileSystem, directory: str, table: pa.Table) -> str:
    """Write one Parquet file into ``directory`` atomically; return its path."""
    fs.create_dir(directory, recursive=True)
    name = f"part-{time.time_ns()}-{secrets.token_hex(4)}.parquet"
    final = f"{directory}/{name}"
    options = {"compression": "zstd", "row_group_size": ROW_GROUP_ROWS}
    if not isinstance(fs, pafs.LocalFileSystem):
        pq.write_table(table, final, filesystem=fs, **options)
        return final
    temp = f"{directory}/.{name}.tmp"
    pq.write_table(table, temp, filesystem=fs, **options)
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, final)
    fsync_dir(Path(directory))
    return final


def open_dataset(fs: pafs.FileSystem, root: str) -> pads.Dataset | None:
    """The hive-partitioned frame dataset under ``root``, or None before the first file."""
    if fs.get_file_info(root).type == pafs.FileType.NotFound:
        return None
    dataset = pads.dataset(
        root, filesystem=fs, format="parquet", partitioning="hive", schema=_with_date()
    )
    for fragment in dataset.get_fragments():
        check_version(fragment.physical_schema)
        break
    return dataset


def _with_date() -> pa.Schema:
    return FRAME_SCHEMA.append(pa.field("date", pa.string()))
