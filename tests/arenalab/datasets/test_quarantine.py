"""Compaction never blocks on, or silently drops, a bad log record: it quarantines it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from arenalab.datasets import compaction, quarantine, reader
from arenalab.datasets.wal import encode_record, list_segments
from arenalab.storage import Storage
from pyarrow.fs import LocalFileSystem

from .conftest import seed_frame


def _storage(path: Path) -> Storage:
    return Storage(LocalFileSystem(), str(path), str(path))


def _raw(episode_id: int, frames: list[dict]) -> bytes:
    """A log payload written as an older, unchecked edge would have: any JSON numbers."""
    header = {
        "t": 1_764_000_000_000_000,
        "n": len(frames),
        "episodes": {str(episode_id): [7, "custom"]},
    }
    return b"\n".join([json.dumps(header).encode(), *(json.dumps(f).encode() for f in frames)])


def _frames(episode_id: int, numbers: range) -> list[dict]:
    return [seed_frame(episode_id, n).model_dump() for n in numbers]


def _segment(wal_dir: Path, *payloads: bytes) -> tuple[Path, list[bytes]]:
    """An orphaned segment (no writer holds it) with one record per payload."""
    wal_dir.mkdir(parents=True, exist_ok=True)
    records = [encode_record(payload) for payload in payloads]
    path = wal_dir / "crashed-host-1-abc-00000001.wal"
    path.write_bytes(b"".join(records))
    return path, records


def _reasons(wal_dir: Path) -> list[dict]:
    lines = (quarantine.quarantine_dir(wal_dir) / quarantine.REASONS_FILE).read_text().splitlines()
    return [json.loads(line) for line in lines]


POISON = [
    ("frame_number 2**70", lambda f: f.update(frame_number=2**70), "ArrowInvalid"),
    ("enemy id below int64", lambda f: f["enemies_state"][0].update(id=-(2**63) - 1), "Arrow"),
    ("reward 1e308", lambda f: f.update(reward_delta=1e308), "not finite as float32"),
    ("observation -3.5e38", lambda f: f["observation_vector"].__setitem__(0, -3.5e38), "finite"),
]


@pytest.mark.parametrize(("case", "change", "reason"), POISON, ids=[c[0] for c in POISON])
def test_unfit_record_is_quarantined_and_the_rest_stored(tmp_path, case, change, reason) -> None:
    """A logged frame its column cannot hold goes to quarantine; the records around it land."""
    wal_dir, storage = tmp_path / "wal", _storage(tmp_path / "store")
    poison = _frames(1, range(10, 11))
    change(poison[0])
    _segment(
        wal_dir, _raw(1, _frames(1, range(10))), _raw(1, poison), _raw(1, _frames(1, range(11, 20)))
    )
    assert reader.episode_frame_count(storage, wal_dir, 1) == 19  # the tail read skips it too
    result = compaction.compact(wal_dir, storage)
    assert (result.frames, result.quarantined) == (19, 1)
    assert list_segments(wal_dir) == []
    [entry] = _reasons(wal_dir)
    assert reason in entry["reason"] and entry["segment"].endswith(".wal")
    kept = (quarantine.quarantine_dir(wal_dir) / f"{entry['segment']}.bad").read_bytes()
    assert kept == _raw(1, poison) and entry["bytes"] == len(kept)
    numbers = reader.episode_frames(storage, wal_dir, 1)["frame_number"].to_pylist()
    assert numbers == [*range(10), *range(11, 20)]
    assert quarantine.count(wal_dir) == 1


@pytest.mark.parametrize("damage", ["payload bit flip", "length field"])
def test_damage_mid_segment_is_quarantined_and_reading_goes_on(tmp_path, damage) -> None:
    """A record failing its checksum mid-segment: the records after it are still stored."""
    wal_dir, storage = tmp_path / "wal", _storage(tmp_path / "store")
    path, records = _segment(
        wal_dir, *(_raw(1, _frames(1, range(n, n + 5))) for n in range(0, 15, 5))
    )
    data = bytearray(path.read_bytes())
    middle = len(records[0])
    if damage == "payload bit flip":
        data[middle + 20] ^= 0x01
    else:
        data[middle : middle + 4] = (10**9).to_bytes(4, "little")
    path.write_bytes(bytes(data) + b"\x40\x00\x00\x00torn")  # and a torn tail, as after a crash
    result = compaction.compact(wal_dir, storage)
    assert (result.frames, result.quarantined) == (10, 1)
    numbers = reader.episode_frames(storage, wal_dir, 1)["frame_number"].to_pylist()
    assert numbers == [*range(5), *range(10, 15)]
    [entry] = _reasons(wal_dir)
    assert (entry["offset"], entry["bytes"]) == (middle, len(records[1]))
    assert entry["reason"] in {"checksum mismatch", "length runs past the segment end"}
    kept = (quarantine.quarantine_dir(wal_dir) / f"{path.name}.bad").read_bytes()
    assert kept == bytes(data[middle : middle + len(records[1])])


@pytest.mark.parametrize("tail", ["cut short", "zeros"])
def test_torn_tail_alone_is_not_quarantined(tmp_path, tail) -> None:
    """A tail cut short or zero-filled (a crash mid-write) was never acknowledged: dropped."""
    wal_dir, storage = tmp_path / "wal", _storage(tmp_path / "store")
    path, records = _segment(
        wal_dir, _raw(1, _frames(1, range(5))), _raw(1, _frames(1, range(5, 9)))
    )
    data = path.read_bytes()
    path.write_bytes(data[:-7] if tail == "cut short" else data + b"\x00" * 4096)
    result = compaction.compact(wal_dir, storage)
    assert (result.frames, result.quarantined) == ((5, 0) if tail == "cut short" else (9, 0))
    assert quarantine.count(wal_dir) == 0


def test_dedupe_keys_on_the_pair_not_a_shifted_sum(tmp_path) -> None:
    """Frame 2**32 of episode D and frame 0 of episode D+1 are different frames: both stay."""
    wal_dir, storage = tmp_path / "wal", _storage(tmp_path / "store")
    _segment(wal_dir, _raw(2, _frames(2, range(1))))
    assert compaction.compact(wal_dir, storage).frames == 1
    _segment(wal_dir, _raw(1, _frames(1, range(2**32, 2**32 + 1))))
    result = compaction.compact(wal_dir, storage)
    assert (result.frames, result.duplicates) == (1, 0)
    assert reader.episode_frames(storage, wal_dir, 1)["frame_number"].to_pylist() == [2**32]
    _segment(wal_dir, _raw(1, _frames(1, range(2**32, 2**32 + 1))))  # a real duplicate
    assert compaction.compact(wal_dir, storage).duplicates == 1
