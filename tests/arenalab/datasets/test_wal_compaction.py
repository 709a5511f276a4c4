"""The log, compaction and reader on real files: durable, deduplicated, readable at once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from arenalab.datasets import FRAME_SCHEMA, FRAME_SCHEMA_VERSION, compaction, reader
from arenalab.datasets.codec import encode_batch
from arenalab.datasets.schema import VERSION_KEY
from arenalab.datasets.wal import QueueFullError, WriteAheadLog, list_segments, read_segment
from arenalab.storage import Storage
from pyarrow.fs import LocalFileSystem

from .conftest import seed_frame


def _payload(episode_id: int, numbers: range) -> bytes:
    frames = [seed_frame(episode_id, n) for n in numbers]
    return encode_batch(frames, {episode_id: (7, "custom")}, 1_764_000_000_000_000)


def _storage(path: Path) -> Storage:
    return Storage(LocalFileSystem(), str(path), str(path))


def _log(wal_dir: Path, **limits: int) -> WriteAheadLog:
    options = {"max_pending_frames": 10_000, "segment_max_bytes": 1 << 20} | limits
    return WriteAheadLog(wal_dir, **options)


def test_group_commit_then_compaction_dedupes(tmp_path: Path) -> None:
    """Concurrent appends share fsyncs; a frame sent twice lands in Parquet once."""
    wal_dir, storage = tmp_path / "wal", _storage(tmp_path / "store")

    async def write() -> None:
        log = _log(wal_dir)
        await log.open()
        # 50 concurrent appends, with every frame sent twice (a client retry)
        await asyncio.gather(
            *(log.append(_payload(1, range(n, n + 10)), 10) for n in range(0, 250, 10))
        )
        await asyncio.gather(
            *(log.append(_payload(1, range(n, n + 10)), 10) for n in range(0, 250, 10))
        )
        await log.close()

    asyncio.run(write())
    assert reader.episode_frame_count(storage, wal_dir, 1) == 250  # tail read, before compaction
    result = compaction.compact(wal_dir, storage)
    assert (result.frames, result.duplicates) == (250, 250)
    assert list_segments(wal_dir) == []
    [path] = result.files
    assert "/datasets/arena/date=2025-11-24/part-" in path
    table = pq.read_table(path)
    assert table.schema.metadata[VERSION_KEY] == str(FRAME_SCHEMA_VERSION).encode()
    assert (
        table.schema.field("observation_vector").type
        == FRAME_SCHEMA.field("observation_vector").type
    )
    assert table.column("obs_spec").unique().to_pylist() == ["custom"]
    frames = reader.episode_frames(storage, wal_dir, 1, offset=240)
    assert frames["frame_number"].to_pylist() == list(range(240, 250))
    # the same frames logged again (a retry on another replica) never reach Parquet twice
    asyncio.run(_write_once(wal_dir, _payload(1, range(245, 255))))
    again = compaction.compact(wal_dir, storage)
    assert (again.frames, again.duplicates) == (5, 5)
    assert reader.episode_frame_count(storage, wal_dir, 1) == 255


async def _write_once(wal_dir: Path, payload: bytes) -> None:
    log = _log(wal_dir)
    await log.open()
    await log.append(payload, 10)
    await log.close()


def test_full_queue_refuses_instead_of_growing(tmp_path: Path) -> None:
    """Past max_pending_frames the log raises instead of buffering without bound."""

    async def flood() -> None:
        log = _log(tmp_path, max_pending_frames=15)
        await log.open()
        first = log.submit(_payload(1, range(10)), 10)
        with pytest.raises(QueueFullError):
            log.submit(_payload(1, range(10, 20)), 10)
        await first
        await log.close()

    asyncio.run(flood())


def test_live_segment_is_not_compacted(tmp_path: Path) -> None:
    """A segment a live writer holds stays in the log (and readable) until it is sealed."""
    wal_dir, storage = tmp_path / "wal", _storage(tmp_path / "store")

    async def scenario() -> None:
        log = _log(wal_dir)
        await log.open()
        await log.append(_payload(3, range(5)), 5)
        assert compaction.compact(wal_dir, storage).segments == 0  # a writer holds it
        assert reader.episode_frame_count(storage, wal_dir, 3) == 5
        await log.roll()
        assert compaction.compact(wal_dir, storage).frames == 5
        await log.close()

    asyncio.run(scenario())


WRITER = textwrap.dedent(
    """
    import asyncio, os, sys
    from pathlib import Path
    from arenalab.datasets.codec import encode_batch
    from arenalab.datasets.wal import WriteAheadLog
    sys.path.insert(0, {tests!r})
    from conftest import seed_frame

    commits = 0
    def crash(point):
        global commits
        if point == "after_fsync":
            commits += 1
        if point == {point!r} and commits >= {after}:
            os._exit(9)

    async def main():
        log = WriteAheadLog(Path(sys.argv[1]), max_pending_frames=10**6,
                            segment_max_bytes=1 << 30, crash_hook=crash)
        await log.open()
        n = 0
        while True:
            frames = [seed_frame(1, n + i) for i in range(7)]
            await log.append(encode_batch(frames, {{1: (7, "custom")}}, 1), 7)
            n += 7
            print(n, flush=True)  # the ack a client would see
    asyncio.run(main())
    """
)


@pytest.mark.parametrize(
    ("point", "after"), [("before_fsync", 5), ("after_fsync", 8), ("sigkill", 0)]
)
def test_crash_keeps_every_acknowledged_frame(tmp_path: Path, point: str, after: int) -> None:
    """Kill the writer mid-stream (injected crash or SIGKILL): every ack survives, once."""
    wal_dir, storage = tmp_path / "wal", _storage(tmp_path / "store")
    script = WRITER.format(tests=str(Path(__file__).parent), point=point, after=after)
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(wal_dir)], stdout=subprocess.PIPE, text=True
    )
    acked = 0
    for line in proc.stdout:
        acked = int(line)
        if point == "sigkill" and acked >= 200:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=30)
    assert acked > 0
    # a torn record at the tail is dropped, never half-read
    with open(list_segments(wal_dir)[0], "ab") as segment:
        segment.write(b"\x10\x00\x00\x00garbage")
    compaction.compact(wal_dir, storage)  # what the next start replays
    numbers = reader.episode_frames(storage, wal_dir, 1)["frame_number"].to_pylist()
    assert numbers[:acked] == list(range(acked))
    assert len(numbers) == len(set(numbers))


def test_close_waits_for_the_batch_in_flight(tmp_path: Path) -> None:
    """close() during a write: that batch and the one queued behind it both resolve, durably."""
    entered, release = threading.Event(), threading.Event()

    def slow_disk(point: str) -> None:  # every fsync takes 0.1 s, the first until released
        if point == "before_fsync":
            entered.set()
            release.wait(10)
            time.sleep(0.1)

    async def scenario() -> tuple[bool, list]:
        log = WriteAheadLog(
            tmp_path, max_pending_frames=100, segment_max_bytes=1 << 20, crash_hook=slow_disk
        )
        await log.open()
        first = log.submit(_payload(1, range(5)), 5)
        await asyncio.to_thread(entered.wait, 10)  # the writer thread is mid-write
        second = log.submit(_payload(1, range(5, 10)), 5)
        closing = asyncio.create_task(log.close())
        await asyncio.sleep(0.05)
        waited = not closing.done()
        release.set()
        await asyncio.wait_for(closing, 10)
        with pytest.raises(RuntimeError, match="not open"):
            log.submit(_payload(1, range(10, 11)), 1)
        return waited, await asyncio.wait_for(asyncio.gather(first, second), 1)

    waited, results = asyncio.run(scenario())
    assert waited and results == [None, None]
    [segment] = list_segments(tmp_path)
    assert len(list(read_segment(segment))) == 2
