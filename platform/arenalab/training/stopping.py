"""Stop cleanly on Ctrl-C or SIGTERM: finish the iteration, checkpoint, exit.

This is how "pause" works: ``ray job stop`` sends SIGTERM to the job's driver (and
SIGKILLs it ``RAY_JOB_STOP_WAIT_TIME_S`` later, 3 s by default; ``arenalab submit``
raises it in the job's runtime_env). A second Ctrl-C aborts at once.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType


class StopRequest:
    """A flag raised by SIGINT/SIGTERM while the ``with`` block runs.

    Handlers are installed only in the main thread (Python allows no other); elsewhere
    (a Serve replica, a test thread) the flag can still be raised with :meth:`request`.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.signal: str | None = None
        self._previous: dict[int, object] = {}

    @property
    def requested(self) -> bool:
        """Whether a stop was asked for."""
        return self.signal is not None

    def request(self, name: str = "request") -> None:
        """Ask the loop to stop after the current iteration."""
        self.signal = self.signal or name

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGINT and self.signal == signal.SIGINT.name:
            raise KeyboardInterrupt  # a second Ctrl-C: the user wants out now
        self.request(signal.Signals(signum).name)

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
