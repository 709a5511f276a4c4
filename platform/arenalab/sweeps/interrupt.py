"""Ctrl-C (SIGINT) or SIGTERM during a sweep: checkpoint the running trials, then stop.

Tune's own SIGINT handler ends the loop at once: it saves the experiment state, but a
running trial loses every iteration since its last checkpoint (all of them with
``checkpoint.frequency: 0``). Here the first signal instead makes each running trial
save a checkpoint when its current iteration reports (a callback sets the result's
``should_checkpoint``, which Tune honours without changing the trial's state), and
once all have, asks Tune to stop through the SIGUSR1 handler Tune always installs:
Tune saves its state with those trials unfinished (``PENDING``), ready for
``--resume``. A second signal stops at once (trials then resume from their previous
checkpoint). Signal handlers are per process, so the state is one module-level object
that the callback reads, whether Tune built it fresh or unpickled it on ``--resume``.
This module imports Tune; the runner imports it only when a sweep runs.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ray.tune import Callback
from ray.tune.result import SHOULD_CHECKPOINT

SIGNALS = (signal.SIGINT, signal.SIGTERM)
TUNE_SIGINT_ENV = "TUNE_DISABLE_SIGINT_HANDLER"
"""Keeps Tune from replacing our SIGINT handler with its stop-at-once one."""


@dataclass
class Interrupt:
    """Which signal interrupted the sweep, and the trials still to checkpoint."""

    signum: int | None = None
    waiting: set[str] | None = None  # running trials at the first step after the signal
    checkpointed: set[str] = field(default_factory=set)
    stopping: bool = False
    watched: bool = False  # a CheckpointOnInterrupt runs (a sweep saved before it had none)

    @property
    def signal_name(self) -> str:
        """``SIGINT`` or ``SIGTERM`` (empty when not interrupted)."""
        return signal.Signals(self.signum).name if self.signum is not None else ""

    def done_with(self, trial_id: str) -> None:
        """``trial_id`` saved a checkpoint (or ended) since the signal."""
        self.checkpointed.add(trial_id)
        if self.waiting is not None:
            self.waiting.discard(trial_id)


STATE = Interrupt()


def _say(text: str) -> None:
    """Write from a signal handler (an unbuffered write: print() may be mid-line)."""
    os.write(sys.stderr.fileno(), f"{text}\n".encode())


def _stop_tune() -> None:
    """End Tune's loop now: its SIGUSR1 handler saves the state and stops the trials."""
    if STATE.stopping:
        return
    STATE.stopping = True
    if signal.getsignal(signal.SIGUSR1) in (signal.SIG_DFL, signal.SIG_IGN, None):
        raise KeyboardInterrupt  # Tune's loop has not started: nothing to save
    os.kill(os.getpid(), signal.SIGUSR1)


def _on_signal(signum: int, frame: Any) -> None:
    first = STATE.signum is None
    STATE.signum = STATE.signum or signum
    if first and STATE.watched:
        _say(
            f"{signal.Signals(signum).name}: each running trial checkpoints at the end of its "
            "current iteration, then the sweep stops (Ctrl-C again to stop now)"
        )
    else:
        _say("stopping now; trials resume from their last checkpoint")
        _stop_tune()


@contextmanager
def catch_interrupts() -> Iterator[Interrupt]:
    """Handle SIGINT/SIGTERM as above while the block runs; yields the interrupt state.

    Off the main thread (a sweep run from a server thread) Python allows no handlers:
    signals are then left to whoever owns the process, as Tune does too.
    """
    global STATE  # one state per process, as signal handlers are
    STATE = Interrupt()
    if threading.current_thread() is not threading.main_thread():
        yield STATE
        return
    previous = {sig: signal.getsignal(sig) for sig in (*SIGNALS, signal.SIGUSR1)}
    previous_env = os.environ.get(TUNE_SIGINT_ENV)
    os.environ[TUNE_SIGINT_ENV] = "1"
    for sig in SIGNALS:
        signal.signal(sig, _on_signal)
    # Tune leaves its SIGUSR1 handler behind after a run: until this sweep's loop installs
    # its own, a stale one must not pass for "Tune is running" (_stop_tune)
    signal.signal(signal.SIGUSR1, signal.SIG_DFL)
    try:
        yield STATE
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if previous_env is None:
            os.environ.pop(TUNE_SIGINT_ENV, None)
        else:
            os.environ[TUNE_SIGINT_ENV] = previous_env


class CheckpointOnInterrupt(Callback):
    """After a signal: checkpoint each running trial's next result, then stop Tune."""

    def setup(self, **info: Any) -> None:
        """Tune's loop is about to start (its SIGUSR1 handler is in place)."""
        STATE.watched = True

    def on_trial_result(
        self, iteration: int, trials: list, trial: Any, result: dict, **info: Any
    ) -> None:
        """Ask Tune to checkpoint this result (Tune lets callbacks edit it in place)."""
        if STATE.signum is not None and trial.trial_id not in STATE.checkpointed:
            result[SHOULD_CHECKPOINT] = True

    def on_checkpoint(
        self, iteration: int, trials: list, trial: Any, checkpoint: Any, **info: Any
    ) -> None:
        """A trial saved (a forced save or a periodic one): it can resume from here."""
        if STATE.signum is not None:
            STATE.done_with(trial.trial_id)

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        """A finished trial has its end checkpoint; nothing to wait for."""
        if STATE.signum is not None:
            STATE.done_with(trial.trial_id)

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        """An errored trial will not report again."""
        if STATE.signum is not None:
            STATE.done_with(trial.trial_id)

    def on_step_end(self, iteration: int, trials: list, **info: Any) -> None:
        """Stop Tune once every trial that was running has checkpointed."""
        if STATE.signum is None or STATE.stopping:
            return
        if STATE.waiting is None:
            running = {trial.trial_id for trial in trials if trial.status == "RUNNING"}
            STATE.waiting = running - STATE.checkpointed
        if not STATE.waiting:
            _stop_tune()
