"""Progress of long work (a train run, a sweep's trials, offline training), shown one way.

Every loop reports a :class:`Progress` to a :data:`ProgressCallback` after each
iteration; :class:`ProgressDisplay` (built on ``rich``) prints each report as one
plain line, the same text in a terminal, a pipe and ``ray job logs``, and in a terminal
keeps a live bar below the lines for work whose total is known. ``train``, ``sweep``
and ``offline`` all use it. The helpers below it turn RLlib results into the figures
a report carries.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeRemainingColumn
from rich.progress import Progress as Bars

ProgressCallback = Callable[["Progress"], None]


@dataclass(frozen=True)
class Progress:
    """Where one piece of work stands after an iteration (or at a trial's start or end).

    ``env_steps`` marks work that samples an environment: its line shows steps,
    episodes, return and steps/s. ``figures`` are further named values (a loss, a
    sweep's metric); ``task`` names the work when several report (a trial id);
    ``event`` replaces the iteration figures for a start or an end; ``status`` follows
    the line after a ``|`` (a sweep's trial counts).
    """

    iteration: int
    elapsed_s: float
    eta_s: float | None = None
    total: int | None = None
    env_steps: int | None = None
    episodes: int = 0
    episode_return: float | None = None
    steps_per_s: float = 0.0
    figures: Mapping[str, float | int | None] = field(default_factory=dict)
    task: str = ""
    event: str = ""
    status: str = ""

    def line(self) -> str:
        """The progress line the CLI prints (and the lab's metrics channel mirrors)."""
        parts = [self.task] if self.task else []
        if self.event:
            parts.append(self.event)
        else:
            total = f"/{self.total}" if self.total else ""
            parts.append(f"iter {self.iteration:5d}{total}")
            if self.env_steps is not None:
                ret = "-" if self.episode_return is None else f"{self.episode_return:8.2f}"
                parts += [
                    f"steps {self.env_steps:9d}",
                    f"episodes {self.episodes:7d}",
                    f"return {ret}",
                    f"{self.steps_per_s:7.0f} steps/s",
                ]
            parts += [f"{name}={_figure(value)}" for name, value in self.figures.items()]
        parts.append(f"elapsed {_clock(self.elapsed_s)}")
        if self.eta_s is not None:
            parts.append(f"ETA {_clock(self.eta_s)}")
        line = "  ".join(parts)
        return f"{line} | {self.status}" if self.status else line


def _figure(value: float | int | None) -> str:
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else f"{value:.4g}"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}"


class ProgressDisplay:
    """A :data:`ProgressCallback` that prints each report's line; a bar per task in a terminal.

    Lines are printed without markup, highlighting or wrapping, so what a log keeps is
    exactly :meth:`Progress.line`. The bars (reports with a ``total``, terminals only)
    are transient: once the work ends only the lines remain. Use it as a context
    manager, or call :meth:`close`, to take the bars down.
    """

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self._bars: Bars | None = None
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, progress: Progress) -> None:
        """Print the report's line; move its task's bar when a terminal shows one."""
        self.console.print(progress.line(), markup=False, highlight=False, soft_wrap=True)
        if progress.total and self.console.is_terminal:
            bars = self._bars or self._start()
            if progress.task not in self._tasks:
                label = progress.task or "iterations"
                self._tasks[progress.task] = bars.add_task(label, total=progress.total)
            bars.update(self._tasks[progress.task], completed=progress.iteration)

    def _start(self) -> Bars:
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        self._bars = Bars(*columns, console=self.console, transient=True)
        self._bars.start()
        return self._bars

    def close(self) -> None:
        """Take the bars down (the lines stay)."""
        if self._bars is not None:
            self._bars.stop()
            self._bars, self._tasks = None, {}

    def __enter__(self) -> ProgressDisplay:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def finite(value: Any) -> float | None:
    """A plain float, or None for missing/NaN values (JSON and SQL want neither NaN nor numpy)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def estimate_eta(
    *,
    elapsed_s: float,
    done_iterations: int,
    target_iterations: int | None,
    done_episodes: int = 0,
    start_episodes: int = 0,
    target_episodes: int | None = None,
    done_steps: int = 0,
    start_steps: int = 0,
    target_steps: int | None = None,
) -> float | None:
    """Seconds left, by whichever stop criterion (episodes, env steps, iterations) comes first."""
    estimates = []
    for done, start, target in (
        (done_episodes, start_episodes, target_episodes),
        (done_steps, start_steps, target_steps),
    ):
        if target is not None and done > start:
            estimates.append(max(0, target - done) * elapsed_s / (done - start))
    if target_iterations and done_iterations > 0:
        estimates.append(max(0, target_iterations - done_iterations) * elapsed_s / done_iterations)
    return min(estimates) if estimates else None


def iteration_metrics(result: Mapping[str, Any]) -> dict[str, float]:
    """The figures worth keeping from an RLlib result: returns, lengths, losses, timings.

    A league run also keeps its training win rate per kind of opponent
    (``opponents/<kind>/win_rate``: heuristic, random, league), so the lab's metrics
    channel shows whether the learner beats its past selves.
    """
    runners = result.get("env_runners", {})
    values: dict[str, Any] = {
        "episode_return_mean": runners.get("episode_return_mean"),
        "episode_len_mean": runners.get("episode_len_mean"),
        "num_episodes_lifetime": runners.get("num_episodes_lifetime"),
        "num_env_steps_sampled_lifetime": result.get("num_env_steps_sampled_lifetime"),
        "time_this_iter_s": result.get("time_this_iter_s"),
    }
    for module, ret in runners.get("module_episode_returns_mean", {}).items():
        values[f"{module}/episode_return_mean"] = ret
    for kind, stats in runners.get("opponents", {}).items():
        if isinstance(stats, Mapping):
            values[f"opponents/{kind}/win_rate"] = stats.get("win_rate")
    for module, stats in result.get("learners", {}).items():
        if isinstance(stats, Mapping):
            for name in ("total_loss", "policy_loss", "vf_loss", "entropy", "qf_loss"):
                if name in stats:
                    values[f"{module}/{name}"] = stats[name]
    return {key: number for key, value in values.items() if (number := finite(value)) is not None}
