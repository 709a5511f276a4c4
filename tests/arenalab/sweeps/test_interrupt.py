"""The sweep's signal handling on its own (no Tune loop): what each Ctrl-C does."""

import os
import signal
import threading

import pytest
from arenalab.sweeps.interrupt import TUNE_SIGINT_ENV, CheckpointOnInterrupt, catch_interrupts


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_first_signal_is_noted_and_the_driver_goes_on(signum: int) -> None:
    """Ctrl-C or SIGTERM does not end the driver: the running trials checkpoint first."""
    before = signal.getsignal(signum)
    with catch_interrupts() as interrupt:
        assert os.environ[TUNE_SIGINT_ENV] == "1"  # Tune's stop-at-once handler stays off
        CheckpointOnInterrupt().setup()  # what Tune does as its loop starts
        os.kill(os.getpid(), signum)
        assert interrupt.signum == signum and not interrupt.stopping
        with pytest.raises(KeyboardInterrupt):  # the second one stops at once
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signum) is before and TUNE_SIGINT_ENV not in os.environ


def test_a_signal_before_tune_runs_stops_at_once() -> None:
    """With no Tune loop to stop cleanly yet (or a sweep without the callback), stop now."""
    with pytest.raises(KeyboardInterrupt), catch_interrupts():
        os.kill(os.getpid(), signal.SIGINT)


def test_off_the_main_thread_no_handler_is_installed() -> None:
    """A sweep run from a worker thread leaves signal handling alone (Python forbids it)."""
    before = signal.getsignal(signal.SIGINT)
    seen: list[object] = []

    def run() -> None:
        with catch_interrupts() as interrupt:
            seen.append((signal.getsignal(signal.SIGINT), interrupt.signum))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen == [(before, None)]
