"""A write-ahead log with group commit: many frames per fsync, ack only after the fsync.

Each writer (one per Serve replica) appends to its own segment files
``{wal_dir}/{writer}-{seq}.wal`` and holds an exclusive ``flock`` on the open
segment, so any other process can tell a live segment from a sealed or
orphaned one (a crashed writer's lock dies with it). Records are
``[u32 length][u32 crc32][payload]``; a torn tail after a crash fails the
length or checksum test and is dropped: it was never acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import secrets
import socket
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

SUFFIX = ".wal"
_HEADER = struct.Struct("<II")
CrashHook = Callable[[str], None]


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


def read_segment(path: Path) -> Iterator[bytes]:
    """Payloads of a segment's complete records, stopping at a torn or corrupt tail."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:  # compacted and deleted meanwhile
        return
    offset = 0
    while offset + _HEADER.size <= len(data):
        length, crc = _HEADER.unpack_from(data, offset)
        start = offset + _HEADER.size
        payload = data[start : start + length]
        if len(payload) < length or zlib.crc32(payload) != crc:
            return
        yield payload
        offset = start + length


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
    """One writer's log: ``await append(payload, frames)`` returns once the bytes are fsynced.

    Appends that arrive while an fsync runs are written together by the next
    one (group commit), so the fsync rate, not the request rate, bounds disk
    work. ``max_pending_frames`` bounds memory: beyond it ``submit`` raises
    ``QueueFullError`` instead of queueing.
    """

    def __init__(
        self,
        directory: Path,
        *,
        max_pending_frames: int,
        segment_max_bytes: int,
        crash_hook: CrashHook | None = None,
    ) -> None:
        self.directory = directory
        self.max_pending_frames = max_pending_frames
        self.segment_max_bytes = segment_max_bytes
        self.name = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self._crash = crash_hook or (lambda point: None)
        self._queue: list[tuple[bytes, asyncio.Future[None], int]] = []
        self._pending_frames = 0
        self._wake = asyncio.Event()
        self._io = asyncio.Lock()
        self._seq = 0
        self._fd = -1
        self._size = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def segment_bytes(self) -> int:
        """Bytes in the open segment; compaction rolls it past ``segment_max_bytes``."""
        return self._size

    async def open(self) -> None:
        """Create the folder, open a first segment and start the writer task."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._open_segment()
        self._task = asyncio.create_task(self._run(), name=f"wal-writer-{self.name}")

    def submit(self, payload: bytes, frames: int) -> asyncio.Future[None]:
        """Queue one record; the future completes after its fsync."""
        if self._task is None or self._task.done():
            raise RuntimeError("the write-ahead log is not open")
        if self._pending_frames + frames > self.max_pending_frames:
            raise QueueFullError(
                f"{self._pending_frames} frames are waiting for disk; retry shortly"
            )
        future = asyncio.get_running_loop().create_future()
        self._queue.append((encode_record(payload), future, frames))
        self._pending_frames += frames
        self._wake.set()
        return future

    async def append(self, payload: bytes, frames: int) -> None:
        """Write one record durably."""
        await self.submit(payload, frames)

    async def roll(self) -> bool:
        """Seal the open segment (if it has data) so compaction can take it."""
        async with self._io:
            if self._size == 0:
                return False
            os.close(self._fd)  # releases the flock: the segment is now sealed
            self._open_segment()
            return True

    async def close(self) -> None:
        """Flush what is queued, stop the writer and release the segment."""
        if self._task is None:
            return
        while self._queue:
            await asyncio.sleep(0.001)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        os.close(self._fd)

    def _open_segment(self) -> None:
        self._seq += 1
        path = self.directory / f"{self.name}-{self._seq:08d}{SUFFIX}"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fsync_dir(self.directory)
        self._size = 0

    def _write_and_sync(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        self._crash("before_fsync")
        os.fdatasync(self._fd)
        self._crash("after_fsync")

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch, self._queue = self._queue, []
                data = b"".join(record for record, _, _ in batch)
                try:
                    async with self._io:
                        await asyncio.to_thread(self._write_and_sync, data)
                        self._size += len(data)
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
