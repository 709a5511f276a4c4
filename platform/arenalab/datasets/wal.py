"""A write-ahead log: group commit (many frames per fsync, ack after it) or ack once written.

Each writer (one per Serve replica) appends to its own segment files
``{wal_dir}/{writer}-{seq}.wal`` and holds an exclusive ``flock`` on the open
segment, so any other process can tell a live segment from a sealed or
orphaned one (a crashed writer's lock dies with it). Records are
``[u32 length][u32 crc32][payload]``; a torn tail after a crash (a record cut
short, or zeros) is dropped: it was never acknowledged. Damaged bytes with whole
records after them (a flipped bit, a bad sector) are skipped and reported as
:class:`Damage`, and reading resumes at the next record whose checksum holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import secrets
import socket
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

SUFFIX = ".wal"
_HEADER = struct.Struct("<II")
CrashHook = Callable[[str], None]
Durability = Literal["fsync", "os"]
DURABILITIES = get_args(Durability)
logger = logging.getLogger(__name__)


class QueueFullError(RuntimeError):
    """Too many frames are waiting for their fsync; the caller should retry later (503)."""


def fsync_dir(path: Path) -> None:
    """Make a created, renamed or deleted directory entry durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def encode_record(payload: bytes) -> bytes:
    """Frame a payload with its length and checksum."""
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


@dataclass(frozen=True)
class Damage:
    """Bytes of a segment that are not whole, checksummed records (kept aside, never lost)."""

    offset: int
    data: bytes
    reason: str


def _record_end(data: bytes, offset: int) -> int | None:
    """End of the whole record starting at ``offset``, or None if there is none."""
    if offset + _HEADER.size > len(data):
        return None
    length, crc = _HEADER.unpack_from(data, offset)
    start = offset + _HEADER.size
    end = start + length
    if length == 0 or end > len(data) or zlib.crc32(data[start:end]) != crc:
        return None
    return end


def _damage_reason(data: bytes, offset: int, resume: int | None) -> str | None:
    """Why the record at ``offset`` is unreadable; None for a torn tail (cut short or zeros)."""
    length, _ = _HEADER.unpack_from(data, offset)
    past_end = offset + _HEADER.size + length > len(data)
    if resume is None and (past_end or data.count(0, offset) == len(data) - offset):
        return None
    if length == 0:
        return "zero-length record"
    return "length runs past the segment end" if past_end else "checksum mismatch"


def _next_record(data: bytes, start: int) -> int | None:
    """The first offset at or after ``start`` where a whole record begins."""
    for offset in range(start, len(data) - _HEADER.size):
        if _record_end(data, offset) is not None:
            return offset
    return None


def read_records(path: Path, damage: list[Damage] | None = None) -> Iterator[tuple[int, bytes]]:
    """``(offset, payload)`` of each whole record; damaged spans are skipped into ``damage``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:  # compacted and deleted meanwhile
        return
    offset = 0
    while offset + _HEADER.size <= len(data):
        end = _record_end(data, offset)
        if end is not None:
            yield offset, data[offset + _HEADER.size : end]
            offset = end
            continue
        resume = _next_record(data, offset + 1)
        reason = _damage_reason(data, offset, resume)
        if reason is None:  # a torn tail: never acknowledged
            return
        resume = resume or len(data)
        if damage is not None:
            damage.append(Damage(offset, data[offset:resume], reason))
        offset = resume


def read_segment(path: Path) -> Iterator[bytes]:
    """Payloads of a segment's whole records, skipping damage and a torn tail."""
    return (payload for _, payload in read_records(path))


def list_segments(directory: Path) -> list[Path]:
    """All segments in a log folder, oldest name first within each writer."""
    return sorted(directory.glob(f"*{SUFFIX}")) if directory.exists() else []


def try_lock(path: Path) -> int | None:
    """Open and exclusively lock a segment no live writer holds; None if one does."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


class WriteAheadLog:
    """One writer's log: ``await append(payload, frames)`` returns once the record is durable.

    What durable means is the ``durability`` the user chose (``ARENALAB_INGEST_DURABILITY``):

    - ``"fsync"``: after an ``fdatasync`` (survives a power loss). Appends that arrive
      while an fsync runs are written together by the next one (group commit), so the
      fsync rate, not the request rate, bounds disk work. ``max_pending_frames`` bounds
      memory: beyond it ``submit`` raises ``QueueFullError`` instead of queueing.
    - ``"os"``: once ``write`` returned, done at once on the event loop's thread (a few
      microseconds, no thread hop): the bytes are in the kernel's page cache, so a crash
      or ``kill -9`` of this process loses nothing acknowledged, but a power loss or a
      kernel crash may. A background task fdatasyncs what was written at least every
      ``sync_interval_s`` and before a segment is sealed, which bounds that window.
    """

    def __init__(
        self,
        directory: Path,
        *,
        max_pending_frames: int,
        segment_max_bytes: int,
        durability: Durability = "fsync",
        sync_interval_s: float = 0.1,
        crash_hook: CrashHook | None = None,
    ) -> None:
        if durability not in DURABILITIES:
            raise ValueError(f"durability must be one of {DURABILITIES}, got {durability!r}")
        self.directory = directory
        self.max_pending_frames = max_pending_frames
        self.segment_max_bytes = segment_max_bytes
        self.durability = durability
        self.sync_interval_s = sync_interval_s
        self.name = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self._crash = crash_hook or (lambda point: None)
        self._queue: list[tuple[bytes, asyncio.Future[None], int]] = []
        self._pending_frames = 0
        self._wake = asyncio.Event()
        self._io = asyncio.Lock()
        self._seq = 0
        self._fd = -1
        self._size = 0
        self._unsynced = False  # "os": bytes of the open segment written since its last fsync
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def segment_bytes(self) -> int:
        """Bytes in the open segment; compaction rolls it past ``segment_max_bytes``."""
        return self._size

    async def open(self) -> None:
        """Create the folder, open a first segment and start the writer (or syncer) task."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._open_segment()
        run = self._run if self.durability == "fsync" else self._sync_in_background
        self._task = asyncio.create_task(run(), name=f"wal-writer-{self.name}")

    def submit(self, payload: bytes, frames: int) -> asyncio.Future[None]:
        """Queue (or, in "os" durability, write) one record; the future completes when durable."""
        if self._task is None or self._task.done() or self._closing:
            raise RuntimeError("the write-ahead log is not open")
        future = asyncio.get_running_loop().create_future()
        if self.durability == "os":
            try:
                self._write(encode_record(payload))
            except OSError as exc:  # disk full, I/O error: fail this append
                future.set_exception(exc)
            else:
                self._unsynced = True
                future.set_result(None)
            return future
        if self._pending_frames + frames > self.max_pending_frames:
            raise QueueFullError(
                f"{self._pending_frames} frames are waiting for disk; retry shortly"
            )
        self._queue.append((encode_record(payload), future, frames))
        self._pending_frames += frames
        self._wake.set()
        return future

    async def append(self, payload: bytes, frames: int) -> None:
        """Write one record durably."""
        await self.submit(payload, frames)

    async def roll(self) -> bool:
        """Seal the open segment (if it has data) so compaction can take it.

        New appends go to the next segment at once; the sealed one is fsynced first if
        it holds unsynced bytes, and only then unlocked (closed), so compaction never
        takes a segment a power loss could still shorten.
        """
        async with self._io:
            if self._size == 0:
                return False
            sealed, unsynced = self._fd, self._unsynced
            self._open_segment()
            try:
                if unsynced:
                    await asyncio.to_thread(self._sync, sealed)
            finally:
                os.close(sealed)  # releases the flock: the segment is now sealed
            return True

    async def close(self) -> None:
        """Write (or sync) everything, then stop the task and release the segment.

        The task is never cancelled: it finishes the batch in flight and the ones queued
        behind it (so every future resolves), or its last fsync, and returns; only then is
        the segment's descriptor closed, so no write or fsync can race it.
        """
        if self._task is None:
            return
        self._closing = True
        self._wake.set()
        await asyncio.shield(self._task)  # a cancelled close leaves the writer to finish
        self._task = None
        async with self._io:
            os.close(self._fd)
            self._fd = -1

    def _open_segment(self) -> None:
        self._seq += 1
        path = self.directory / f"{self.name}-{self._seq:08d}{SUFFIX}"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fsync_dir(self.directory)
        self._size = 0
        self._unsynced = False

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            self._size += written
            view = view[written:]

    def _sync(self, fd: int) -> None:
        self._crash("before_fsync")
        os.fdatasync(fd)
        self._crash("after_fsync")

    async def _run(self) -> None:
        """The "fsync" writer: each queued group is written and fsynced in a worker thread."""
        while not self._closing or self._queue:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch, self._queue = self._queue, []
                data = b"".join(record for record, _, _ in batch)
                try:
                    async with self._io:
                        await asyncio.to_thread(self._write_and_sync, data)
                except Exception as exc:  # disk full, I/O error: fail these appends
                    for _, future, _ in batch:
                        if not future.done():
                            future.set_exception(exc)
                else:
                    for _, future, _ in batch:
                        if not future.done():
                            future.set_result(None)
                finally:
                    self._pending_frames -= sum(frames for _, _, frames in batch)

    def _write_and_sync(self, data: bytes) -> None:
        self._write(data)
        self._sync(self._fd)

    async def _sync_in_background(self) -> None:
        """The "os" syncer: fsync what was written every ``sync_interval_s``, and on close."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.sync_interval_s)
            self._wake.clear()
            async with self._io:
                if self._unsynced:
                    self._unsynced = False  # appends during the fsync set it again
                    try:
                        await asyncio.to_thread(self._sync, self._fd)
                    except OSError:  # the bytes stay readable; the next round retries
                        self._unsynced = True
                        logger.exception("background fsync of %s failed", self.name)
            if self._closing:
                return
