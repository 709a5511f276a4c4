"""Training progress as live events: one look at the registry per process, for every reader.

Training jobs record their status, progress and metrics in the registry wherever they
run, so the registry is the event source and any process that reads it (any Serve
replica) publishes, with no broker to run. A :class:`TrainingFeed` looks every
``poll_s`` however many clients read it, and only at what may have changed since its
last look: sessions created since, sessions that had not ended, and metrics rows past
its cursor (every ``FULL_LOOK_EVERY`` looks it reads every session, since an operator's
``arenalab train --session`` may restart an ended one). Readers wait for the next look
and take what it published: a slow reader gets each session's latest state once
(changes coalesce), and metrics rows it has not read yet are kept for it (the newest
``kept_rows`` in memory, older ones read again).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from arenalab.registry import Registry, TrainingSession
from arenalab.registry.models import Metric
from arenalab.training.jobs import ENDED

POLL_S = 0.5
KEPT_ROWS = 10_000  # metrics rows held for readers that lag behind the feed
METRICS_PAGE = 500
FULL_LOOK_EVERY = 20  # looks: an ended session restarted from the CLI shows within ~10 s
log = logging.getLogger(__name__)
Event = dict[str, Any]
Row = tuple[int, int, Event]  # a metrics row: its id, its session, its event


def session_event(row: TrainingSession) -> Event:
    """What a ``session_updates`` reader is told about a session."""
    return {
        "id": row.id,
        "experiment_id": row.experiment_id,
        "status": row.status,
        "iterations": row.iterations,
        "env_steps": row.env_steps,
        "error": row.error,
    }


def metric_event(row: Metric) -> Event:
    """What a ``metrics`` reader is told about one training iteration."""
    return {
        "session_id": row.session_id,
        "iteration": row.iteration,
        "env_steps": row.env_steps,
        "values": row.values,
    }


@dataclass(frozen=True)
class _Look:
    """What one look at the registry found (read in a thread, published on the loop)."""

    sessions: list[Event]
    metrics: list[Row]


class TrainingFeed:
    """The training events of one registry, looked up once per tick for all readers."""

    def __init__(self, registry: Registry, poll_s: float = POLL_S, kept_rows: int = KEPT_ROWS):
        self.registry = registry
        self.poll_s = poll_s
        self.kept_rows = kept_rows
        self._readers = 0
        self._task: asyncio.Task | None = None
        self._published = asyncio.Condition()
        self._forget()

    def _forget(self) -> None:
        """Drop what was published (no reader is left to want it)."""
        self._looks = 0
        self._sessions: dict[int, tuple[int, Event]] = {}  # id -> (look it changed at, event)
        self._metrics: deque[Row] = deque()
        self._metric_cursor: int | None = None  # newest row looked at; None: no metrics reader
        self._metric_floor = 0  # every row after it, up to the cursor, is in _metrics

    async def session_updates(self) -> AsyncIterator[Event]:
        """Every session's status and progress, first as a snapshot, then each change."""
        async with self._reading():
            seen = -1
            while True:
                changed = [event for look, event in self._sessions.values() if look > seen]
                seen = self._looks
                for event in changed:
                    yield event
                await self._after(seen)

    async def metrics(self, session_id: int | None = None) -> AsyncIterator[Event]:
        """Metrics rows recorded from now on (of one session, or all), oldest first."""
        after = await asyncio.to_thread(self.registry.last_metric_id)
        async with self._reading():
            if self._metric_cursor is None:  # metrics are looked at from the first reader on
                self._metric_cursor = self._metric_floor = after
            seen = self._looks
            while True:
                if after < self._metric_floor:  # fell behind what is held: read its rows again
                    found = await asyncio.to_thread(
                        self.registry.metrics_after, after, session_id, METRICS_PAGE
                    )
                    rows = [(row.id, row.session_id, metric_event(row)) for row in found]
                    if not found:
                        after = self._metric_floor
                else:  # every row past ``after`` is held: take them (checked, then read)
                    rows = [row for row in self._metrics if row[0] > after]
                    if not rows:
                        await self._after(seen)
                        seen = self._looks
                        continue
                for row_id, row_session, event in rows:
                    after = row_id
                    if session_id is None or row_session == session_id:
                        yield event

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[None]:
        """Count a reader: the first starts the looking, the last stops it."""
        self._readers += 1
        if self._task is None:
            self._task = asyncio.create_task(self._run())
        try:
            yield
        finally:
            self._readers -= 1
            if not self._readers and self._task is not None:
                self._task.cancel()
                self._task = None
                self._forget()

    async def _after(self, seen: int) -> None:
        """Wait until a look newer than ``seen`` is published."""
        async with self._published:
            await self._published.wait_for(lambda: self._looks > seen)

    async def _run(self) -> None:
        while True:
            newest = max(self._sessions, default=0)
            open_ids = [
                id_ for id_, (_, event) in self._sessions.items() if event["status"] not in ENDED
            ]
            if self._looks % FULL_LOOK_EVERY == 0:
                newest, open_ids = 0, []  # every session, ended ones included
            try:
                found = await asyncio.to_thread(self._look, newest, open_ids, self._metric_cursor)
            except Exception:  # a registry hiccup: the next tick tries again
                log.warning("training feed: could not read the registry", exc_info=True)
            else:
                async with self._published:
                    self._publish(found)
                    self._published.notify_all()
            await asyncio.sleep(self.poll_s)

    def _look(self, newest: int, open_ids: list[int], cursor: int | None) -> _Look:
        """Sessions created after ``newest`` or among ``open_ids``; metrics rows past ``cursor``."""
        query = select(TrainingSession).order_by(TrainingSession.id)
        query = query.where(or_(TrainingSession.id > newest, TrainingSession.id.in_(open_ids)))
        with self.registry.reading() as session:
            sessions = [session_event(row) for row in session.scalars(query)]
        metrics: list[Row] = []
        while cursor is not None:
            rows = self.registry.metrics_after(cursor, limit=METRICS_PAGE)
            metrics += [(row.id, row.session_id, metric_event(row)) for row in rows]
            cursor = rows[-1].id if len(rows) == METRICS_PAGE else None
        return _Look(sessions, metrics)

    def _publish(self, found: _Look) -> None:
        """Stamp changed sessions with this look; hold the new metrics rows."""
        self._looks += 1
        for event in found.sessions:
            previous = self._sessions.get(event["id"])
            if previous is None or previous[1] != event:
                self._sessions[event["id"]] = (self._looks, event)
        if found.metrics:
            self._metrics.extend(found.metrics)
            self._metric_cursor = found.metrics[-1][0]
        while len(self._metrics) > self.kept_rows:
            self._metric_floor = self._metrics.popleft()[0]
