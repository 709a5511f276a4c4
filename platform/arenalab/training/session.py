"""Seed 000's own training loop, as written in its README, as a thin facade over RLlib.

```python
from arenalab.training import TrainingConfig, create_training_session

trainer = create_training_session(fighter_id=1, config=TrainingConfig(learning_rate=3e-4))
env = trainer.make_env()
for epoch in range(10):
    for episode in range(100):
        stats = trainer.collect_trajectory(env, max_steps=5000)
    metrics = trainer.train_step()
    trainer.save_checkpoint(f"models/fighter_1_v{epoch}.pth")
```

Why a facade and not a second trainer: the session is an ordinary run. It builds the
same AlgorithmConfig as ``arenalab train`` (:func:`arenalab.experiments.build_config`,
PPO for the fighter in the 1v1 arena), plays each trajectory with
an RLlib env runner (its connectors, its exploration) in the env the caller passes,
updates through RLlib's learner group, records every step's metrics in the registry
and registers each saved checkpoint as the fighter's model, scored by the one scoring
protocol, so the "best model" rule and ``/act`` treat it like any other run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from arenalab.cluster import connect_ray
from arenalab.experiments import Experiment, build_config
from arenalab.registry import Registry
from arenalab.registry.models import utcnow
from arenalab.settings import Settings, get_settings
from arenalab.storage import open_storage
from arenalab.training.progress import finite
from arenalab.training.runner import RegisteredModel, register_models, register_run
from arenalab.training.runs import new_run

log = logging.getLogger(__name__)

LEARNER_FIGURES = ("total_loss", "policy_loss", "vf_loss", "entropy", "mean_kl_loss")
"""What ``train_step`` reports from the learner (PPO's names in RLlib)."""
OPPONENTS = ("heuristic", "random")
"""Scripted opponents of a session (the self-play league needs ``arenalab train``)."""


@dataclass(frozen=True)
class TrainingConfig:
    """The seed's knobs; everything else takes the arena's PPO house defaults."""

    learning_rate: float = 3e-4
    episodes_per_training: int = 100
    """Episodes the loop collects per ``train_step``; a step with fewer logs a warning."""
    batch_size: int = 32
    """PPO minibatch (transitions per gradient step)."""
    gamma: float = 0.99
    opponents: str = "heuristic"
    """Who the fighter meets in ``make_env()``: "heuristic" or "random"."""
    evaluation_episodes: int = 100
    """Seeded fights scoring each saved checkpoint (>= 100 to compete for best)."""

    def __post_init__(self) -> None:
        if self.opponents not in OPPONENTS:
            raise ValueError(f"opponents must be one of {OPPONENTS}, got {self.opponents!r}")


@dataclass(frozen=True)
class TrajectoryStats:
    """One collected episode, with the names the seed's ``completeEpisode`` posts."""

    total_reward: float
    duration: int
    is_victory: bool


class _StepCap(gym.Wrapper):
    """Truncates an episode after ``limit`` steps (``collect_trajectory``'s ``max_steps``)."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.limit, self.steps = 0, 0

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        self.steps = 0
        return self.env.reset(**kwargs)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.steps += 1
        return obs, reward, terminated, truncated or self.steps >= self.limit, info


class TrainingSession:
    """A registered training session the caller drives: collect, train, save.

    Not thread-safe; one process drives one session. ``close()`` (or ``with``) marks the
    session finished in the registry.
    """

    def __init__(self, fighter_id: int, config: TrainingConfig, settings: Settings) -> None:
        self.config, self.settings = config, settings
        self._registry = Registry.from_settings(settings)
        self._registry.get_fighter(fighter_id)  # NotFoundError before anything is made
        self.experiment = session_experiment(fighter_id, config)
        self._built = build_config(self.experiment, env_runners=0)
        self._run = new_run(open_storage(settings), self.experiment)
        self._info = register_run(self._registry, self.experiment, self._run, None)
        self.session_id: int = self._info["session_id"]
        connect_ray(settings)
        self._algo = self._built.config.build_algo()
        self._registry.update_session(
            self.session_id, status="running", started_at=utcnow(), run_uri=self._run.uri
        )
        self._runners: dict[int, tuple[Any, _StepCap]] = {}
        self._episodes: list[Any] = []
        self.iteration = 0
        """``train_step`` calls so far (names the checkpoints: ``iter_NNNNNN``)."""
        self.env_steps = 0
        self.episodes = 0

    def make_env(self) -> gym.Env:
        """The arena this session trains for: the fighter's body, opponents, action set."""
        return self._built.spec.load_class()(dict(self._built.spec.env_config))

    def collect_trajectory(self, env: gym.Env, max_steps: int = 5000) -> TrajectoryStats:
        """Play one episode of ``env`` with the current policy (exploring) and keep it.

        Raises:
            ValueError: if ``env``'s spaces are not the ones this session's policy uses,
                or ``max_steps`` < 1.
        """
        if max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        runner, cap = self._runner_for(env)
        cap.limit = max_steps
        (episode,) = runner.sample(num_episodes=1, explore=True)
        self._episodes.append(episode)
        self.env_steps += len(episode)
        self.episodes += 1
        info = episode.get_infos(-1)
        return TrajectoryStats(
            total_reward=float(episode.get_return()),
            duration=len(episode),
            is_victory=bool(info.get("is_victory", False)),
        )

    def train_step(self) -> dict[str, float]:
        """One PPO update on the episodes collected since the last step; their figures.

        Raises:
            RuntimeError: if no trajectory was collected since the last step.
        """
        episodes, self._episodes = self._episodes, []
        if not episodes:
            raise RuntimeError("train_step needs trajectories: call collect_trajectory(env) first")
        if len(episodes) < self.config.episodes_per_training:
            log.warning(
                "train_step on %d episodes; TrainingConfig.episodes_per_training is %d",
                len(episodes),
                self.config.episodes_per_training,
            )
        steps = sum(len(e) for e in episodes)  # before the update: the learner extends them
        returns = [float(e.get_return()) for e in episodes]
        wins = [bool(e.get_infos(-1).get("is_victory", False)) for e in episodes]
        config = self._algo.config
        results = self._algo.learner_group.update(
            episodes=episodes,
            timesteps={"num_env_steps_sampled_lifetime": self.env_steps},
            num_epochs=config.num_epochs,
            minibatch_size=config.minibatch_size,
            shuffle_batch_per_epoch=config.shuffle_batch_per_epoch,
        )
        self.iteration += 1
        self._algo.env_runner_group.sync_weights(
            from_worker_or_learner_group=self._algo.learner_group
        )
        metrics = {
            "episodes": float(len(episodes)),
            "env_steps": float(steps),
            "episode_return_mean": float(np.mean(returns)),
            "win_rate": float(np.mean(wins)),
            **_learner_figures(results),
        }
        self._registry.record_metrics(self.session_id, self.iteration, self.env_steps, metrics)
        return metrics

    def save_checkpoint(self, path: str | Path | None = None) -> RegisteredModel:
        """Checkpoint the run, register it as the fighter's model (scored) and return it.

        The full RLlib checkpoint goes to the run folder in ``ARENALAB_STORAGE`` (the only
        place the server loads models from); ``path``, if given, also gets the PyTorch
        ``state_dict`` of the acting policy (no value head), the ``.pth`` file the seed's
        loop names.
        """
        checkpoint = self._run.save(self._algo, self.iteration)
        experiment = self.experiment.model_copy(deep=True)
        experiment.run.evaluation_episodes = self.config.evaluation_episodes
        (model,) = register_models(
            self._registry, experiment, self._built.spec, self._info, checkpoint, self.settings
        )
        if path is not None:
            import torch  # only this method writes a torch file

            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            torch.save(self._algo.get_module().state_dict(), target)
        return model

    def close(self) -> None:
        """Stop RLlib and mark the session finished."""
        for runner, _ in self._runners.values():
            runner.stop()
        self._algo.stop()
        self._registry.update_session(self.session_id, status="finished", finished_at=utcnow())

    def __enter__(self) -> TrainingSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _runner_for(self, env: gym.Env) -> tuple[Any, _StepCap]:
        """An env runner stepping ``env`` itself, with the current weights."""
        if id(env) not in self._runners:
            module = self._algo.get_module()
            if (env.observation_space, env.action_space) != (
                module.observation_space,
                module.action_space,
            ):
                raise ValueError(
                    f"env observes {env.observation_space} and acts in {env.action_space}; "
                    f"this session's policy needs {module.observation_space} and "
                    f"{module.action_space}: use session.make_env()"
                )
            from ray.rllib.env.single_agent_env_runner import (
                SingleAgentEnvRunner,
            )

            cap = _StepCap(env)
            config = self._built.config.copy(copy_frozen=False)
            config.environment(env=lambda _context: cap).env_runners(num_envs_per_env_runner=1)
            self._runners[id(env)] = (SingleAgentEnvRunner(config=config), cap)
        runner, cap = self._runners[id(env)]
        runner.set_state(self._algo.env_runner.get_state(components="rl_module"))
        return runner, cap


def session_experiment(fighter_id: int, config: TrainingConfig) -> Experiment:
    """The experiment a session trains: PPO in the 1v1 arena for the registered fighter."""
    return Experiment.model_validate(
        {
            "name": f"fighter-{fighter_id}-python",
            "description": "seed 000's Python training loop (arenalab.training.session)",
            "algorithm": "PPO",
            "environment": "arena",
            "training": {
                "learning_rate": config.learning_rate,
                "gamma": config.gamma,
                "batch_size": config.batch_size,
            },
            "game": {"fighters": [fighter_id], "opponents": config.opponents},
            "resources": {"num_env_runners": 0},
            "run": {"evaluation_episodes": config.evaluation_episodes, "evaluation_every": None},
        }
    )


def _learner_figures(results: list[dict[str, Any]]) -> dict[str, float]:
    """Plain floats of the learner's loss figures (RLlib returns Stats objects)."""
    from ray.rllib.core import DEFAULT_MODULE_ID
    from ray.rllib.utils.metrics.metrics_logger import MetricsLogger

    logger = MetricsLogger(root=True)
    logger.aggregate(results)
    figures = {name: finite(logger.peek((DEFAULT_MODULE_ID, name))) for name in LEARNER_FIGURES}
    return {name: value for name, value in figures.items() if value is not None}


def create_training_session(
    fighter_id: int, config: TrainingConfig | None = None, *, settings: Settings | None = None
) -> TrainingSession:
    """Seed 000's entry point: a session training ``fighter_id`` (it must be registered).

    Raises:
        NotFoundError: if the fighter is not in the registry.
    """
    return TrainingSession(fighter_id, config or TrainingConfig(), settings or get_settings())


__all__ = ["TrainingConfig", "TrainingSession", "TrajectoryStats", "create_training_session"]
