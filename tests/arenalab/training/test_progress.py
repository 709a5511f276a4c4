"""The one progress display: the lines train, sweep and offline print, in a log and a terminal."""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass, field
from typing import Any

from arenalab.training.progress import Progress, ProgressDisplay, iteration_metrics
from rich.console import Console


def test_a_train_report_reads_steps_episodes_return_rate_elapsed_and_eta() -> None:
    """A sampling run's line carries its counters, return, throughput and times, column-aligned."""
    report = Progress(3, 75.0, 3700.0, env_steps=1200, episodes=12, steps_per_s=432.1)
    assert report.line() == (
        "iter     3  steps      1200  episodes      12  return -      432 steps/s  "
        "elapsed 0:01:15  ETA 1:01:40"
    )
    scored = Progress(3, 75.0, env_steps=1200, episodes=12, episode_return=-67.183)
    assert "return   -67.18" in scored.line() and "ETA" not in scored.line()


def test_offline_and_sweep_reports_name_their_figures_total_task_and_status() -> None:
    """Named figures, the planned total, the task, events and status all reach the line."""
    offline = Progress(2, 3.0, 12.0, total=10, figures={"samples": 512, "loss": 0.123456})
    assert offline.line() == "iter     2/10  samples=512  loss=0.1235  elapsed 0:00:03  ETA 0:00:12"
    trial = Progress(0, 61.0, task="6d837_00001", event="finished", status="running 0, of 2")
    assert trial.line() == "6d837_00001  finished  elapsed 0:01:01 | running 0, of 2"
    assert "loss=-" in Progress(1, 0.0, figures={"loss": None}).line()


def test_a_log_gets_exactly_the_lines_unwrapped_and_without_colour() -> None:
    """Piped (a file, ``ray job logs``) the display prints each line as is, however long."""
    out = io.StringIO()
    figures = {"a_very_long_metric_name" * 4: 1.5}
    reports = [Progress(i, 1.0, total=3, figures=figures) for i in (1, 2, 3)]
    with ProgressDisplay(Console(file=out, width=40)) as display:
        for report in reports:
            display(report)
    assert out.getvalue().splitlines() == [report.line() for report in reports]


def test_a_terminal_also_gets_a_bar_and_keeps_the_lines_once_done() -> None:
    """In a terminal the work with a total shows a bar (n/total); the lines are all printed."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with ProgressDisplay(console) as display:
        for iteration in (1, 2):
            display(Progress(iteration, 1.0, total=4, task="BC", figures={"loss": 0.5}))
        console.file.flush()
    text = out.getvalue()
    assert "2/4" in text  # the bar's count
    assert Progress(2, 1.0, total=4, task="BC", figures={"loss": 0.5}).line() in text


@dataclass
class _Trial:
    trial_id: str
    status: str = "RUNNING"
    config: dict[str, Any] = field(default_factory=lambda: {"training.learning_rate": 0.001})
    path: str = "/sweeps/s/trial"


def test_sweep_trials_report_start_results_and_end_with_the_sweep_counts(monkeypatch) -> None:
    """Tune's trial events become lines naming the trial, its values, metric and counts."""
    from arenalab.sweeps.progress import ProgressLines  # imports Tune

    lines: list[str] = []
    monkeypatch.setattr(ProgressLines, "report", lambda report: lines.append(report.line()))
    callback = ProgressLines("env_runners/episode_return_mean", planned=3)
    first, second = _Trial("t_00000"), _Trial("t_00001", status="PENDING")
    trials = [first, second]
    callback.on_trial_start(0, trials, first)
    result = {"training_iteration": 4, "env_runners": {"episode_return_mean": 12.25}}
    callback.on_trial_result(0, trials, first, result)
    first.status = "TERMINATED"
    callback.on_trial_complete(0, trials, first)
    second.status = "ERROR"
    callback.on_trial_error(0, trials, second)
    assert lines[0].startswith("t_00000  started (learning_rate=0.001)  elapsed ")
    assert lines[0].endswith("| running 1, done 0, errored 0, of 3")
    assert lines[1].startswith("t_00000  iter     4  episode_return_mean=12.25  elapsed ")
    assert lines[2].startswith("t_00000  finished") and "done 1, errored 0, of 3" in lines[2]
    assert lines[3].startswith("t_00001  ERROR (see /sweeps/s/trial)")
    assert lines[3].endswith("done 1, errored 1, of 3")
    restored = pickle.loads(pickle.dumps(callback))  # Tune saves callbacks with the sweep
    restored.on_trial_complete(0, trials, first)
    assert len(lines) == 5 and lines[4].startswith("t_00000  finished")


def test_a_league_iteration_keeps_its_win_rate_per_kind_of_opponent() -> None:
    """The metrics channel shows how often the learner beat the heuristic and its past selves."""
    result = {
        "env_runners": {
            "episode_return_mean": 3.5,
            "opponents": {"heuristic": {"win_rate": 0.75}, "league": {"win_rate": 0.5}},
        }
    }
    metrics = iteration_metrics(result)
    assert metrics["opponents/heuristic/win_rate"] == 0.75
    assert metrics["opponents/league/win_rate"] == 0.5
    assert metrics["episode_return_mean"] == 3.5
