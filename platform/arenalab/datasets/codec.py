"""Frames <-> log records <-> Arrow tables.

A log record is one accepted request: a one-line JSON header (receive time,
frame count, and each episode's fighter and observation spec), then the
frames as newline-delimited JSON. Tail readers skip records of other episodes
by the header alone; compaction parses the frames with Arrow's C++ JSON reader
(no Python object per value) and casts them to the typed ``FRAME_SCHEMA``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from arenalab.datasets.frames import FightFrame
from arenalab.datasets.schema import FRAME_SCHEMA, FRAME_SCHEMA_VERSION, GAME

_SEED_FIELDS = list(FightFrame.model_fields)
_TYPED = pa.schema([FRAME_SCHEMA.field(name) for name in _SEED_FIELDS])


def _as_parsed(kind: pa.DataType) -> pa.DataType:
    """The type Arrow's JSON reader produces for a typed column: float64, variable lists."""
    if pa.types.is_floating(kind):
        return pa.float64()
    if pa.types.is_list(kind) or pa.types.is_fixed_size_list(kind):
        return pa.list_(_as_parsed(kind.value_type))
    if pa.types.is_struct(kind):
        return pa.struct([pa.field(f.name, _as_parsed(f.type)) for f in kind])
    return kind


_PARSED = pa.schema([pa.field(f.name, _as_parsed(f.type)) for f in _TYPED])
_PARSE = pajson.ParseOptions(explicit_schema=_PARSED, unexpected_field_behavior="ignore")
_READ = pajson.ReadOptions(block_size=1 << 20)  # blocks parse in parallel; a line must fit


def encode_batch(
    frames: Sequence[FightFrame], episodes: dict[int, tuple[int, str]], received_at_us: int
) -> bytes:
    """One log record for frames accepted together; ``episodes`` maps id -> (fighter, spec)."""
    header = {
        "t": received_at_us,
        "n": len(frames),
        "episodes": {str(k): list(v) for k, v in episodes.items()},
    }
    lines = [json.dumps(header).encode()]
    lines += [frame.__pydantic_serializer__.to_json(frame) for frame in frames]
    return b"\n".join(lines)


Rejected = list[tuple[int, str]]
"""``(index, reason)`` of each log record that could not become typed rows."""
_UNFIT = (ValueError, KeyError, TypeError, pa.ArrowException)  # what a bad record raises


def records_to_table(
    payloads: Iterable[bytes], episode_id: int | None = None, *, rejected: Rejected | None = None
) -> pa.Table:
    """Typed rows of log records, optionally only those of one episode.

    A record that does not fit ``FRAME_SCHEMA`` (a number beyond its column, logged
    before the edge checked it) must not block the others: the batch is then converted
    record by record, and each failing record is left out, its index and the reason
    appended to ``rejected``.
    """
    payloads = list(payloads)
    with contextlib.suppress(*_UNFIT):
        return _to_table(payloads, episode_id)
    tables = []
    for index, payload in enumerate(payloads):
        try:
            tables.append(_to_table([payload], episode_id))
        except _UNFIT as exc:
            if rejected is not None:
                rejected.append((index, f"{type(exc).__name__}: {exc}"[:500]))
    return pa.concat_tables(tables) if tables else FRAME_SCHEMA.empty_table()


def _to_table(payloads: list[bytes], episode_id: int | None) -> pa.Table:
    bodies, times, counts = [], [], []
    owners: dict[int, list] = {}
    for payload in payloads:
        head, _, body = payload.partition(b"\n")
        header = json.loads(head)
        if episode_id is not None and str(episode_id) not in header["episodes"]:
            continue
        owners.update((int(key), value) for key, value in header["episodes"].items())
        bodies.append(body)
        times.append(header["t"])
        counts.append(header["n"])
    if not bodies:
        return FRAME_SCHEMA.empty_table()
    frames = pajson.read_json(
        pa.BufferReader(b"\n".join(bodies)), read_options=_READ, parse_options=_PARSE
    ).cast(_TYPED)
    _check_finite(frames)
    episode_ids, where = np.unique(frames["episode_id"].to_numpy(), return_inverse=True)
    fighters = np.array([owners[e][0] for e in episode_ids], dtype=np.int64)[where]
    specs = pa.array([owners[e][1] for e in episode_ids], pa.string()).take(where)
    extra = {
        "game": pa.array(np.full(frames.num_rows, GAME, dtype=object), pa.string()),
        "fighter_id": pa.array(fighters),
        "obs_spec": specs,
        "received_at": pa.array(np.repeat(np.array(times, dtype=np.int64), counts)).cast(
            FRAME_SCHEMA.field("received_at").type
        ),
        "schema_version": pa.array(np.full(frames.num_rows, FRAME_SCHEMA_VERSION, np.int16)),
    }
    columns = [extra[f.name] if f.name in extra else frames[f.name] for f in FRAME_SCHEMA]
    table = pa.Table.from_arrays(columns, schema=FRAME_SCHEMA)
    if episode_id is not None:
        table = table.filter(pc.equal(table["episode_id"], episode_id))
    return table


def _float_leaves(array: pa.Array) -> Iterable[pa.Array]:
    if pa.types.is_floating(array.type):
        yield array
    elif pa.types.is_list(array.type) or pa.types.is_fixed_size_list(array.type):
        yield from _float_leaves(array.flatten())
    elif pa.types.is_struct(array.type):
        for child in array.flatten():
            yield from _float_leaves(child)


def _check_finite(frames: pa.Table) -> None:
    """Raise if a float overflowed float32 in the cast (1e308 is finite JSON, inf float32)."""
    for name in frames.column_names:
        for chunk in frames[name].chunks:
            for leaf in _float_leaves(chunk):
                if pc.all(pc.is_finite(leaf)).as_py() is False:
                    raise ValueError(f"{name} holds a value that is not finite as float32")


def dedupe(table: pa.Table) -> pa.Table:
    """Keep the first row of each (episode_id, frame_number), in the original order."""
    if table.num_rows == 0:
        return table
    numbered = table.append_column("__row", pa.array(range(table.num_rows), pa.int64()))
    first = numbered.group_by(["episode_id", "frame_number"], use_threads=False).aggregate(
        [("__row", "min")]
    )["__row_min"]
    return table.take(pc.take(first, pc.sort_indices(first)))
