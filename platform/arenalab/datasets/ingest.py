"""Accept frames: check them against their episode, log them durably, compact in the background.

One ``FrameIngestor`` lives in each ingress replica. It owns that replica's
write-ahead log, a small cache of episode facts (fighter, observation spec,
open or closed) and the compaction loop. Nothing is acknowledged before the log
holds it as durably as ``ARENALAB_INGEST_DURABILITY`` asks (fsynced, or written
to the OS), and nothing is logged unless every frame of the request passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import update

from arenalab.datasets import compaction, reader
from arenalab.datasets.codec import encode_batch
from arenalab.datasets.frames import FightFrame
from arenalab.datasets.schema import CUSTOM_OBS_SPEC, obs_spec_length
from arenalab.datasets.wal import CrashHook, WriteAheadLog
from arenalab.registry import ConflictError, Episode, Registry
from arenalab.settings import Settings
from arenalab.storage import open_storage

logger = logging.getLogger(__name__)
OPEN_EPISODE_TTL_S = 2.0  # how stale an "open" status may be when another replica closes it


class FrameError(ValueError):
    """A frame is invalid for its episode; ``loc`` is the field path (HTTP 422)."""

    def __init__(self, loc: Sequence[str | int], message: str) -> None:
        super().__init__(message)
        self.loc = tuple(loc)


@dataclass
class EpisodeFacts:
    """What ingestion must know about an episode, cached per replica."""

    fighter_id: int
    obs_spec: str
    obs_length: int | None
    closed: bool
    checked_at: float
    length_stored: bool = True  # False while the first frames' length is not acknowledged yet
    length_holders: int = 0  # appends in flight that rely on that not-yet-stored length

    def release_length(self, *, stored: bool) -> None:
        """An append that relied on the length ended; unfix it if no frame of it was stored."""
        self.length_holders -= 1
        self.length_stored = self.length_stored or stored
        if not self.length_stored and self.length_holders == 0:
            self.obs_length = None


def declared_obs_spec(metadata: dict) -> str | None:
    """The observation spec a fighter declares, validated; None if it declares none."""
    name = metadata.get("obs_spec")
    if name is None:
        return None
    try:
        obs_spec_length(name)
    except (KeyError, TypeError):
        raise FrameError(
            ("metadata_json", "obs_spec"), f"unknown observation spec {name!r}"
        ) from None
    return name


class FrameIngestor:
    """Validates, logs and compacts the frames one replica receives."""

    def __init__(
        self, settings: Settings, registry: Registry, *, crash_hook: CrashHook | None = None
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.wal_dir: Path = settings.wal_dir
        self.storage = open_storage(settings)
        self.wal = WriteAheadLog(
            self.wal_dir,
            max_pending_frames=settings.ingest_max_pending_frames,
            segment_max_bytes=settings.ingest_segment_max_bytes,
            durability=settings.ingest_durability,
            sync_interval_s=settings.ingest_os_sync_interval_ms / 1000,
            crash_hook=crash_hook,
        )
        self._episodes: dict[int, EpisodeFacts] = {}
        self._loading: dict[int, asyncio.Future[EpisodeFacts]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._compacting = asyncio.Lock()
        self.compaction_error: str | None = None  # the last compaction's failure, for /health

    async def start(self) -> None:
        """Open this replica's log, then replay what crashed writers left behind."""
        await self.wal.open()
        await self.compact(roll=False)
        self._loop_task = asyncio.create_task(self._compaction_loop(), name="compaction")

    async def stop(self) -> None:
        """Flush, stop the loop and compact everything this replica logged."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        await self.wal.close()
        await self.compact(roll=False)

    async def ingest(self, frames: Sequence[FightFrame]) -> int:
        """Log frames durably; returns how many were acknowledged (all or none).

        Without a declared spec the first accepted frame fixes the episode's observation
        length. From the checks to the log's submit nothing awaits, so concurrent requests
        (or pipelined stream messages) see that length as soon as one of them fixes it.
        """
        if not frames:
            return 0
        facts = {eid: await self._facts(eid) for eid in dict.fromkeys(f.episode_id for f in frames)}
        lengths: dict[int, int] = {}  # episodes without a length yet: the first frame fixes it
        for index, frame in enumerate(frames):
            episode = facts[frame.episode_id]
            expected = episode.obs_length or lengths.setdefault(
                frame.episode_id, len(frame.observation_vector)
            )
            self._check(episode, frame, index, expected)
        for episode_id, length in lengths.items():
            facts[episode_id].obs_length, facts[episode_id].length_stored = length, False
        unstored = [episode for episode in facts.values() if not episode.length_stored]
        for episode in unstored:
            episode.length_holders += 1
        owners = {eid: (episode.fighter_id, episode.obs_spec) for eid, episode in facts.items()}
        payload = encode_batch(list(frames), owners, time.time_ns() // 1000)
        stored = False
        try:
            await self.wal.append(payload, len(frames))
            stored = True
        finally:
            for episode in unstored:
                episode.release_length(stored=stored)
        return len(frames)

    async def close_episode(self, episode_id: int, **outcome: object) -> Episode:
        """Close an episode and compact this replica's log, so its frames are in Parquet."""
        await asyncio.to_thread(self.registry.close_episode, episode_id, **outcome)
        self._episodes.pop(episode_id, None)
        await self._compact_logging_failure()  # closed either way; a failure retries later
        return await asyncio.to_thread(self.registry.get_episode, episode_id)

    async def compact(self, *, roll: bool = True) -> compaction.CompactionResult:
        """Seal this replica's segment and move sealed or orphaned segments into Parquet."""
        async with self._compacting:
            if roll:
                await self.wal.roll()
            result = await asyncio.to_thread(compaction.compact, self.wal_dir, self.storage)
            if result.episodes:
                await asyncio.to_thread(self._count_frames, result.episodes)
        if result.segments:
            logger.info(
                "compacted %d segments: %d frames into %d files, %d duplicates dropped, "
                "%d damaged or unfit records quarantined",
                result.segments,
                result.frames,
                len(result.files),
                result.duplicates,
                result.quarantined,
            )
        return result

    async def _compaction_loop(self) -> None:
        interval = self.settings.ingest_compaction_interval_s
        last = time.monotonic()
        while True:
            await asyncio.sleep(min(1.0, interval))
            due = time.monotonic() - last >= interval
            if due or self.wal.segment_bytes >= self.wal.segment_max_bytes:
                await self._compact_logging_failure()
                last = time.monotonic()

    async def _compact_logging_failure(self) -> None:
        """Compact, or log why not and keep serving: the segments stay for the next try."""
        try:
            await self.compact()
        except Exception as exc:  # disk or storage trouble; /health reports it
            logger.exception("compaction failed")
            self.compaction_error = f"{type(exc).__name__}: {exc}"[:500]
        else:
            self.compaction_error = None

    async def _facts(self, episode_id: int) -> EpisodeFacts:
        """Cached facts; one load per episode at a time, its waiters resumed in arrival order."""
        facts = self._episodes.get(episode_id)
        now = time.monotonic()
        if facts is not None and (facts.closed or now - facts.checked_at <= OPEN_EPISODE_TTL_S):
            return facts
        loading = self._loading.get(episode_id)
        if loading is None:
            loading = asyncio.ensure_future(asyncio.to_thread(self._load_facts, episode_id, facts))
            self._loading[episode_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(episode_id, None))
        loaded = await asyncio.shield(loading)  # a cancelled waiter leaves the load running
        return self._episodes.setdefault(episode_id, loaded)

    def _load_facts(self, episode_id: int, cached: EpisodeFacts | None) -> EpisodeFacts:
        episode = self.registry.get_episode(episode_id)
        if cached is not None:
            cached.closed = episode.status == "closed"
            cached.checked_at = time.monotonic()
            return cached
        fighter = self.registry.get_fighter(episode.fighter_id)
        spec = declared_obs_spec(fighter.metadata_json) or CUSTOM_OBS_SPEC
        if spec != CUSTOM_OBS_SPEC:
            length = obs_spec_length(spec)
        elif episode.frame_count:  # frames were compacted (before a restart, say): ask Parquet
            length = reader.stored_obs_length(self.storage, episode_id)
        else:
            length = None  # the first frame this replica accepts fixes it
        return EpisodeFacts(
            fighter_id=episode.fighter_id,
            obs_spec=spec,
            obs_length=length,
            closed=episode.status == "closed",
            checked_at=time.monotonic(),
            length_stored=length is not None,
        )

    @staticmethod
    def _check(facts: EpisodeFacts, frame: FightFrame, index: int, expected: int) -> None:
        if facts.closed:
            raise ConflictError(f"episode {frame.episode_id} is closed (frames[{index}])")
        length = len(frame.observation_vector)
        if length != expected:
            raise FrameError(
                (index, "observation_vector"),
                f"expected {expected} values for obs_spec {facts.obs_spec!r} "
                f"of episode {frame.episode_id}, got {length}",
            )

    def _count_frames(self, compacted: Counter[int]) -> None:
        """Add newly compacted frames to each episode's ``frame_count`` (exact: deduplicated)."""
        with self.registry.writing() as session:
            for episode_id, frames in compacted.items():
                session.execute(
                    update(Episode)
                    .where(Episode.id == episode_id)
                    .values(frame_count=Episode.frame_count + frames)
                )
