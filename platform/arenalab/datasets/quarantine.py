"""Log bytes that cannot be stored, kept aside with their reason so they never block the rest.

Compaction quarantines a span of a segment that fails its checksum with whole records
after it, and a record whose frames do not fit ``FRAME_SCHEMA`` (a number beyond its
column, logged before the edge checked it). Nothing is deleted unread: the bytes go to
``{wal_dir}/quarantine/{segment}.bad`` and one JSON line per item to
``{wal_dir}/quarantine/reasons.jsonl`` (``at, segment, offset, bytes, reason``), both
fsynced before the segment is removed. ``GET /health`` counts the lines.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from arenalab.datasets.wal import fsync_dir

logger = logging.getLogger(__name__)
QUARANTINE_DIR = "quarantine"
REASONS_FILE = "reasons.jsonl"


@dataclass(frozen=True)
class Quarantined:
    """Bytes of one log segment that compaction could not store, and why."""

    segment: str
    offset: int
    data: bytes
    reason: str


def quarantine_dir(wal_dir: Path) -> Path:
    """Where a log folder's quarantined bytes live (not a segment: compaction never reads it)."""
    return wal_dir / QUARANTINE_DIR


def keep(wal_dir: Path, items: list[Quarantined]) -> None:
    """Append items durably, each with a logged reason."""
    if not items:
        return
    folder = quarantine_dir(wal_dir)
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for item in items:
        _append(folder / f"{item.segment}.bad", item.data)
        entry = {
            "at": time.time(),
            "segment": item.segment,
            "offset": item.offset,
            "bytes": len(item.data),
            "reason": item.reason,
        }
        lines.append(json.dumps(entry) + "\n")
        logger.warning(
            "quarantined %d bytes of log segment %s at offset %d: %s",
            len(item.data),
            item.segment,
            item.offset,
            item.reason,
        )
    _append(folder / REASONS_FILE, "".join(lines).encode())
    fsync_dir(folder)


def count(wal_dir: Path) -> int:
    """How many items were quarantined in this log folder (0 before the first)."""
    try:
        with open(quarantine_dir(wal_dir) / REASONS_FILE, "rb") as reasons:
            return sum(1 for _ in reasons)
    except FileNotFoundError:
        return 0


def _append(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
