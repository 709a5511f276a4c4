"""The live training feed: one look at the registry per tick, whatever the number of readers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from arenalab.registry import Registry
from arenalab.training.events import TrainingFeed
from sqlalchemy import event


def _registry(tmp_path: Path) -> Registry:
    registry = Registry.from_url(f"sqlite:///{tmp_path / 'registry.db'}")
    registry.create_experiment(name="e", algorithm="PPO", environment="pacman", parameters={})
    return registry


def _session_queries(registry: Registry) -> list[str]:
    """Every SELECT on training_sessions this registry runs from now on."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # SQLAlchemy's hook
        if statement.lstrip().upper().startswith("SELECT") and "training_sessions" in statement:
            seen.append(statement)

    event.listen(registry.engine, "before_cursor_execute", record)
    return seen


async def _take(events: AsyncIterator[dict], count: int) -> list[dict]:
    return [await anext(events) for _ in range(count)]


def test_readers_share_one_look_and_see_a_snapshot_then_changes(tmp_path: Path) -> None:
    """Three subscribers cost one query per tick; each sees every session, then each change."""
    registry = _registry(tmp_path)
    first = registry.create_session(experiment_id=1, status="created").id
    queries = _session_queries(registry)
    feed = TrainingFeed(registry, poll_s=0.05)

    async def scenario() -> list[list[dict]]:
        readers = [feed.session_updates() for _ in range(3)]
        snapshots = await asyncio.gather(*(_take(reader, 1) for reader in readers))
        await asyncio.to_thread(registry.update_session, first, iterations=3, env_steps=300)
        changes = await asyncio.gather(*(_take(reader, 1) for reader in readers))
        looks = feed._looks
        for reader in readers:
            await reader.aclose()
        return [*snapshots, *changes, [{"looks": looks}]]

    *seen, (looks,) = asyncio.run(scenario())
    assert [[e["id"] for e in s] for s in seen[:3]] == [[first]] * 3
    assert all(s[0]["iterations"] == 3 and s[0]["env_steps"] == 300 for s in seen[3:])
    assert len(queries) <= looks["looks"] + 1  # one per tick, not one per reader and tick


def test_an_ended_session_is_no_longer_looked_at(tmp_path: Path) -> None:
    """Once a session ended, later looks ask only for new sessions and those still open."""
    registry = _registry(tmp_path)
    ended = registry.create_session(experiment_id=1, status="finished").id
    still_open = registry.create_session(experiment_id=1, status="running").id
    feed = TrainingFeed(registry, poll_s=0.05)
    found = feed._look(newest=still_open, open_ids=[still_open], cursor=None)
    assert [e["id"] for e in found.sessions] == [still_open]
    assert ended < still_open


def test_a_reader_that_lags_behind_the_held_rows_still_gets_every_metric(tmp_path: Path) -> None:
    """Rows pushed out of memory by a busy feed are read again: none is skipped or repeated."""
    registry = _registry(tmp_path)
    session_id = registry.create_session(experiment_id=1, status="running").id
    feed = TrainingFeed(registry, poll_s=0.02, kept_rows=2)

    async def scenario() -> list[int]:
        reader = feed.metrics(session_id)
        waiting = asyncio.ensure_future(anext(reader))
        while feed._metric_cursor is None:  # subscribed (its start noted) before rows exist
            await asyncio.sleep(0.01)
        for iteration in range(1, 8):
            await asyncio.to_thread(registry.record_metrics, session_id, iteration, iteration, {})
        await asyncio.sleep(0.3)  # several looks: the held rows are the last two only
        got = [(await waiting)["iteration"], *[e["iteration"] for e in await _take(reader, 6)]]
        await reader.aclose()
        return got

    assert asyncio.run(scenario()) == [1, 2, 3, 4, 5, 6, 7]
