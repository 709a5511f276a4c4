"""Sampling ahead: env runners collect the next batch while the learner updates on this one.

Synchronous PPO alternates: the runners sample, then the learner updates, each idle
while the other works. Sampling ahead starts batch t+1 on the runners before the
learner takes batch t, so an iteration costs the longer of the two instead of their
sum. The weights the learner sends after update t reach a runner once its batch in
flight is done, so every batch is sampled by the policy one update behind the learner;
PPO's ratio against the stored log-probabilities and its clip already account for a
behaviour policy that differs from the one being updated.
"""

from __future__ import annotations

from typing import Any

from ray.rllib.execution.rollout_ops import synchronous_parallel_sample
from ray.rllib.utils.metrics import NUM_ENV_STEPS_SAMPLED

TAG = "arenalab-sample-ahead"


class SampleAhead:
    """One sample request per remote env runner in flight between training steps."""

    def __init__(self, env_runner_group: Any, batch_size: int, timeout_s: float | None) -> None:
        self.group = env_runner_group
        self.batch_size = batch_size
        self.timeout_s = timeout_s

    def start(self) -> None:
        """Ask every healthy runner for its next fragment; returns at once."""
        self.group.foreach_env_runner_async(
            lambda runner: (runner.sample(), runner.get_metrics()), tag=TAG
        )

    def take(self) -> tuple[list, list[dict]]:
        """The batch started last step (waiting for it), topped up now if runners fell short.

        The first step has nothing in flight, and a runner that died (or was restarted)
        returns nothing: the missing env steps are then sampled synchronously, as RLlib does.
        """
        episodes: list = []
        metrics: list[dict] = []
        if self.group.num_in_flight_async_reqs(tag=TAG):
            for _, (sampled, runner_metrics) in self.group.fetch_ready_async_reqs(
                tags=TAG, timeout_seconds=None
            ):
                episodes.extend(sampled)
                metrics.append(runner_metrics)
        missing = self.batch_size - sum(int(m.get(NUM_ENV_STEPS_SAMPLED, 0)) for m in metrics)
        if missing > 0:
            more, more_metrics = synchronous_parallel_sample(
                worker_set=self.group,
                max_env_steps=missing,
                sample_timeout_s=self.timeout_s,
                _uses_new_env_runners=True,
                _return_metrics=True,
            )
            episodes.extend(more)
            metrics.extend(more_metrics)
        return episodes, metrics
