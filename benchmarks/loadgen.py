"""A small load generator: keep-alive HTTP/1.1 and WebSocket clients on asyncio.

Requests are pre-encoded bytes and responses are parsed just enough (status
and Content-Length), so the client costs little of the 2 shared cores; it
still shares them with the server, so every figure is a lower bound.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from websockets.asyncio.client import connect

OBS_LEN = 64


def frame_bytes(episode_id: int, frame_number: int) -> bytes:
    """One frame of the seed's shape with a 64-float observation, as the game sends it."""
    return (
        b'{"episode_id":%d,"frame_number":%d,"fighter_position":[0.0,5.0],'
        b'"fighter_health":100.0,"fighter_velocity":[1.0,0.5],'
        b'"enemies_state":[{"id":2,"pos":[10.0,0.0],"health":90}],'
        b'"action_vector":[1.0,0.0,0.0,0],"reward_delta":1.0,"cumulative_reward":%d.0,'
        b'"observation_vector":[%s]}'
    ) % (episode_id, frame_number, frame_number, _OBS)


_OBS = b",".join(b"%.3f" % (i / OBS_LEN) for i in range(OBS_LEN))


def batch_bytes(episode_id: int, first: int, size: int) -> bytes:
    """A JSON list of ``size`` consecutive frames."""
    return b"[" + b",".join(frame_bytes(episode_id, first + i) for i in range(size)) + b"]"


@dataclass
class Result:
    """Acknowledged frames and per-request latencies of one measurement."""

    frames: int = 0
    requests: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def record(self, status: int, units: int, since: float) -> None:
        """Count one answer: acknowledged units and latency from ``since``, or an error."""
        if status == 200:
            self.frames += units
            self.requests += 1
            self.latencies.append(time.perf_counter() - since)
        else:
            self.errors += 1

    def summary(self) -> dict:
        """Frames/s and latency percentiles in ms."""
        lat = np.array(self.latencies) * 1000 if self.latencies else np.array([float("nan")])
        return {
            "frames_per_s": round(self.frames / self.seconds, 1),
            "requests_per_s": round(self.requests / self.seconds, 1),
            "p50_ms": round(float(np.percentile(lat, 50)), 2),
            "p99_ms": round(float(np.percentile(lat, 99)), 2),
            "errors": self.errors,
        }


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        """POST a JSON body; return the status once the whole response is read."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        length = 0
        for line in raw.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        """Drop the socket."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def timed(result: Result, clients: Iterable[Awaitable], start: float | None = None) -> Result:
    """Run every client to its end; ``result.seconds`` is the wall time from ``start`` (now)."""
    start = time.perf_counter() if start is None else start
    await asyncio.gather(*clients)
    result.seconds = time.perf_counter() - start
    return result


Request = tuple[str, bytes, int]  # path, body, and the frames or actions it carries


async def closed_loop(
    host: str, port: int, make: Callable[[int, int], Request], clients: int, seconds: float
) -> Result:
    """``clients`` keep-alive connections POSTing back to back; make(client, i) -> Request."""
    result = Result()
    deadline = time.perf_counter() + seconds

    async def client(index: int) -> None:
        connection = Connection(host, port)
        i = 0
        try:
            while time.perf_counter() < deadline:
                path, body, units = make(index, i)
                start = time.perf_counter()
                result.record(await connection.post(path, body), units, start)
                i += 1
        finally:
            connection.close()

    return await timed(result, (client(c) for c in range(clients)))


async def stream_loop(
    url: str,
    make_message: Callable[[int, int], bytes],
    frames_per_message: int,
    clients: int,
    seconds: float,
    window: int = 4,
) -> Result:
    """``clients`` WebSockets, each with ``window`` messages in flight, counting acked frames."""
    result = Result()
    deadline = time.perf_counter() + seconds

    async def client(index: int) -> None:
        async with connect(url, max_size=None) as ws:
            sent: list[float] = []
            acked = 0
            slots = asyncio.Semaphore(window)

            async def receive() -> None:
                nonlocal acked
                async for raw in ws:
                    ack = json.loads(raw)
                    if ack.get("type") != "ack":
                        result.errors += 1
                        continue
                    now = time.perf_counter()
                    while acked < ack["messages"]:
                        result.latencies.append(now - sent[acked])
                        acked += 1
                        result.frames += frames_per_message
                        result.requests += 1
                        slots.release()

            receiver = asyncio.create_task(receive())
            i = 0
            while time.perf_counter() < deadline:
                await slots.acquire()
                sent.append(time.perf_counter())
                await ws.send(make_message(index, i).decode())
                i += 1
            while acked < i and not receiver.done():  # wait for the tail of acks
                await asyncio.sleep(0.005)
            receiver.cancel()

    return await timed(result, (client(c) for c in range(clients)))


async def open_loop(
    host: str,
    port: int,
    make: Callable[[int, int], Request],
    units: int,
    seconds: float,
    hz: float = 60,
    pool: int = 6,
) -> Result:
    """Each unit (a fighter, a battle) POSTs every 1/hz s whatever the answers (<= 6 sockets).

    ``make(unit, k)`` gives the unit's k-th request. Latency runs from the scheduled send
    time, so queueing counts against the server.
    """
    result, start = Result(), time.perf_counter() + 0.2

    async def unit(index: int) -> None:
        free: asyncio.Queue[Connection] = asyncio.Queue()
        opened, pending = 0, set()

        async def send(k: int, due: float) -> None:
            nonlocal opened
            if free.empty() and opened < pool:
                opened += 1
                free.put_nowait(Connection(host, port))
            connection = await free.get()
            path, body, units_sent = make(index, k)
            try:
                status = await connection.post(path, body)
            except OSError:
                status = 0
            free.put_nowait(connection)
            result.record(status, units_sent, due)

        phase, k = random.random() / hz, 0
        while (due := start + phase + k / hz) - start <= seconds:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            task = asyncio.create_task(send(k, due))
            pending.add(task)
            task.add_done_callback(pending.discard)
            k += 1
        if pending:
            await asyncio.wait(pending, timeout=2.0)
        for task in pending:
            task.cancel()
        while not free.empty():
            free.get_nowait().close()

    await asyncio.gather(*(unit(u) for u in range(units)))
    result.seconds = seconds
    return result


async def paced_loop(
    host: str,
    port: int,
    make: Callable[[int, int], Request],
    units: int,
    seconds: float,
    think_s: float = 0.016,
) -> Result:
    """Each unit (a fighter) awaits its answer, waits ``think_s``, sends its next request.

    The seed's game: ``await fetch(...)`` per frame, then the next frame ~16 ms later, so
    a unit's rate is ``1 / (think_s + latency)`` and a slow answer slows the game itself.
    """
    result = Result()
    start = time.perf_counter()
    deadline = start + seconds

    async def unit(index: int) -> None:
        connection = Connection(host, port)
        await asyncio.sleep(random.random() * think_s)  # fighters do not start in lockstep
        k = 0
        try:
            while time.perf_counter() < deadline:
                path, body, units_sent = make(index, k)
                sent = time.perf_counter()
                try:
                    status = await connection.post(path, body)
                except OSError:
                    status = 0
                    connection.close()
                result.record(status, units_sent, sent)
                k += 1
                await asyncio.sleep(think_s)
        finally:
            connection.close()

    return await timed(result, (unit(u) for u in range(units)), start)
