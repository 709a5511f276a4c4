"""How ``arenalab serve`` stops: signal handling, bounded steps, nothing left running.

A supervisor stops a service with SIGTERM to its process group (systemd: to its
whole cgroup), an operator with Ctrl-C; either may repeat it. The first signal asks
for a graceful stop, the second exits at once. Every step of the way out has a
deadline, so a dead or unreachable cluster never holds the process for Ray's 60 s
GCS timeout.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

log = logging.getLogger(__name__)

SIGNALS = (signal.SIGINT, signal.SIGTERM)
PR_SET_CHILD_SUBREAPER = 36


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived while the server was still starting."""


class ShutdownSignals:
    """SIGINT and SIGTERM: the first one stops gracefully, a second one exits at once."""

    def __init__(self, on_force_exit: Callable[[], None]) -> None:
        self.requested = threading.Event()
        self.starting = True
        self._on_force_exit = on_force_exit

    def install(self) -> None:
        """(Re)install the handlers: ``ray.init`` replaces the SIGTERM one with its own."""
        for sig in SIGNALS:
            signal.signal(sig, self._handle)

    def wait(self) -> None:
        """Block until the first signal (``Event.wait`` with a timeout stays interruptible)."""
        self.starting = False
        while not self.requested.wait(timeout=1):
            pass

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.requested.is_set():
            print(f"{signal.Signals(signum).name} again: exiting now", file=sys.stderr)
            self._on_force_exit()
            os._exit(128 + signum)
        self.requested.set()
        if self.starting:  # unwind ray.init / serve.run; the caller's finally tears down
            raise Interrupted(signal.Signals(signum).name)


def run_bounded(name: str, step: Callable[[], object], timeout_s: float) -> bool:
    """Run one shutdown step in a daemon thread; False (and a log line) if it overran."""
    done = threading.Event()
    failure: list[BaseException] = []

    def target() -> None:
        try:
            step()
        except BaseException as exc:  # reported below, never re-raised
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=target, name=f"shutdown-{name}", daemon=True).start()
    if not done.wait(timeout_s):
        log.warning("shutdown step %r did not finish within %.0f s; going on", name, timeout_s)
        return False
    if failure:
        log.warning("shutdown step %r failed: %s", name, failure[0])
    return not failure


def still_running(pids: list[int]) -> list[int]:
    """The pids (of this node) whose process has not exited yet."""
    return [pid for pid in pids if _alive(pid)]


def wait_for_exit(pids: list[int], deadline: float) -> list[int]:
    """Wait until every pid has exited or the monotonic deadline passed; the ones still alive."""
    alive = still_running(pids)
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = still_running(alive)
    return alive


def become_subreaper() -> None:
    """Adopt orphaned descendants, so the replicas of a dead raylet can still be reaped.

    Ray's workers run in their own process groups: a signal to ours never reaches
    them, and once the raylet is gone nothing else would stop them (Linux only).
    """
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def kill_descendants(sig: int = signal.SIGKILL) -> list[int]:
    """Signal every live process below this one (read from /proc); the pids signalled."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # exited while we read
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    for pid in found:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; its parent just has not reaped it yet
