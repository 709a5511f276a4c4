"""The log's two durabilities on real files: what an acknowledgement survives in each."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from arenalab.datasets import compaction, reader
from arenalab.datasets.codec import encode_batch
from arenalab.datasets.ingest import FrameIngestor
from arenalab.datasets.wal import WriteAheadLog, list_segments, read_segment
from arenalab.registry import Registry
from arenalab.settings import SettingsError, load_settings
from arenalab.storage import Storage
from pyarrow.fs import LocalFileSystem

from .conftest import seed_frame

OS_WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from arenalab.datasets.codec import encode_batch
    from arenalab.datasets.wal import WriteAheadLog
    sys.path.insert(0, {tests!r})
    from conftest import seed_frame

    def no_fsync(point):  # acks must not depend on a background fsync having run
        raise AssertionError("fsync before the kill")

    async def main():
        log = WriteAheadLog(Path(sys.argv[1]), max_pending_frames=10, segment_max_bytes=1 << 30,
                            durability="os", sync_interval_s=3600, crash_hook=no_fsync)
        await log.open()
        for n in range(10**6):
            await log.append(encode_batch([seed_frame(1, n)], {{1: (7, "custom")}}, 1), 1)
            print(n + 1, flush=True)  # the ack a client would see
    asyncio.run(main())
    """
)


def _payload(number: int) -> bytes:
    return encode_batch([seed_frame(1, number)], {1: (7, "custom")}, 1_764_000_000_000_000)


def test_os_durability_keeps_every_ack_through_sigkill(tmp_path: Path) -> None:
    """Acked once written to the OS, never fsynced: a kill -9 of the writer loses none of them."""
    wal_dir = tmp_path / "wal"
    storage = Storage(LocalFileSystem(), str(tmp_path / "store"), str(tmp_path / "store"))
    script = OS_WRITER.format(tests=str(Path(__file__).parent))
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(wal_dir)], stdout=subprocess.PIPE, text=True
    )
    acked = 0
    for line in proc.stdout:
        acked = int(line)
        if acked >= 500:
            os.kill(proc.pid, signal.SIGKILL)
            break
    assert proc.wait(timeout=30) == -signal.SIGKILL
    compaction.compact(wal_dir, storage)  # what the next replica's start replays
    numbers = reader.episode_frames(storage, wal_dir, 1)["frame_number"].to_pylist()
    assert numbers[:acked] == list(range(acked))
    assert len(numbers) == len(set(numbers))


def test_os_durability_acks_without_waiting_for_the_disk(tmp_path: Path) -> None:
    """With the disk stuck in an fsync, "os" appends still complete; the log syncs behind them."""
    syncing, release = threading.Event(), threading.Event()

    def stuck_disk(point: str) -> None:
        if point == "before_fsync":
            syncing.set()
            release.wait(10)

    async def scenario() -> list[None]:
        log = WriteAheadLog(
            tmp_path,
            max_pending_frames=10,
            segment_max_bytes=1 << 20,
            durability="os",
            sync_interval_s=0.05,
            crash_hook=stuck_disk,
        )
        await log.open()
        await log.append(_payload(0), 1)
        assert await asyncio.to_thread(syncing.wait, 5)  # the background fsync started
        acks = await asyncio.wait_for(
            asyncio.gather(*(log.append(_payload(n), 1) for n in range(1, 100))), 1
        )  # more than max_pending_frames, none refused: nothing waits for the disk
        release.set()
        await log.close()
        return acks

    assert len(asyncio.run(scenario())) == 99
    [segment] = list_segments(tmp_path)
    assert len(list(read_segment(segment))) == 100


def test_fsync_durability_is_the_default_and_acks_after_the_disk(data_dir: Path) -> None:
    """By default a replica's append is not acknowledged while its fsync has not returned."""
    syncing, release = threading.Event(), threading.Event()

    def slow_disk(point: str) -> None:
        if point == "before_fsync":
            syncing.set()
            release.wait(10)

    settings = load_settings(data_dir=data_dir)
    assert settings.ingest_durability == "fsync"
    ingestor = FrameIngestor(settings, Registry.from_settings(settings), crash_hook=slow_disk)

    async def scenario() -> bool:
        await ingestor.wal.open()
        append = asyncio.ensure_future(ingestor.wal.append(_payload(0), 1))
        await asyncio.to_thread(syncing.wait, 5)
        await asyncio.sleep(0.1)
        waited = not append.done()
        release.set()
        await append
        await ingestor.wal.close()
        return waited

    assert asyncio.run(scenario())


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ARENALAB_INGEST_DURABILITY", "sometimes", "Input should be 'fsync' or 'os'"),
        ("ARENALAB_INGEST_DURABILITY", "FSYNC", "Input should be 'fsync' or 'os'"),
        ("ARENALAB_INGEST_OS_SYNC_INTERVAL_MS", "0", "Input should be greater than or equal to 1"),
    ],
)
def test_bad_durability_settings_name_the_variable(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    """A mistyped durability is refused at startup, naming the variable and what it accepts."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=f"{variable}: {message}"):
        load_settings(data_dir=data_dir)
