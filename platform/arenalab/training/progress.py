"""One line of progress per iteration: iteration, env steps, return, steps/s and ETA."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ProgressCallback = Callable[["Progress"], None]


@dataclass(frozen=True)
class Progress:
    """Where a run stands after one iteration."""

    iteration: int
    env_steps: int
    episodes: int
    episode_return: float | None
    steps_per_s: float
    elapsed_s: float
    eta_s: float | None

    def line(self) -> str:
        """The progress line the CLI prints (and the lab's metrics channel mirrors)."""
        ret = "-" if self.episode_return is None else f"{self.episode_return:8.2f}"
        eta = "?" if self.eta_s is None else _clock(self.eta_s)
        return (
            f"iter {self.iteration:5d}  steps {self.env_steps:9d}  episodes {self.episodes:7d}  "
            f"return {ret}  {self.steps_per_s:7.0f} steps/s  elapsed {_clock(self.elapsed_s)}  "
            f"ETA {eta}"
        )


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}"


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
    done_episodes: int,
    start_episodes: int,
    target_episodes: int,
    done_iterations: int,
    target_iterations: int | None,
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
    """The figures worth keeping from an RLlib result: returns, lengths, losses, timings."""
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
    for module, stats in result.get("learners", {}).items():
        if isinstance(stats, Mapping):
            for name in ("total_loss", "policy_loss", "vf_loss", "entropy", "qf_loss"):
                if name in stats:
                    values[f"{module}/{name}"] = stats[name]
    return {key: number for key, value in values.items() if (number := finite(value)) is not None}
