"""Score a trained module on a fixed set of seeded episodes, next to the baselines.

The evaluation runs the RLModule alone (no Algorithm, no env runners), exactly as the
policy server will, on the single-agent view of the experiment's game with episode
seeds ``seed, seed + 1, ...``; so two models evaluated with the same seed played the
same mazes and battles. Arena models also get a rating (see :func:`elo_rating`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from arenalab.envs.baselines import resolve_policy
from arenalab.envs.evaluation import EvalResult, play_episodes
from arenalab.experiments import Environment, Experiment, env_spec, experiment_from_record
from arenalab.experiments.environments import GHOST_POLICY, LEAGUE_POLICY
from arenalab.registry import Registry

Policy = Callable[[Any], Any]
ANCHOR_RATING = 1000.0
ELO_SCALE = 400.0


def evaluable(module_id: str) -> bool:
    """Whether a module has a single-agent view to be scored in (ghosts and the league don't)."""
    return module_id != GHOST_POLICY and not module_id.startswith(LEAGUE_POLICY)


def evaluation_env(experiment: Experiment, module_id: str, opponent: str = "heuristic") -> gym.Env:
    """The single-agent env a module is scored in: Pac-Man, or the arena seat it learned."""
    spec = env_spec(experiment)
    config = dict(spec.env_config)
    if experiment.environment is Environment.ARENA:
        from arenalab.envs.arena import ArenaEnv  # noqa: PLC0415

        seat = config["fighters"][0]["id"]
        if module_id.startswith("fighter_"):
            seat = module_id.removeprefix("fighter_")
        config.update(learner=seat, opponent_policy=opponent)
        return ArenaEnv(config)
    from arenalab.envs.pacman import PacManEnv  # noqa: PLC0415

    return PacManEnv(config)


def load_module(checkpoint_uri: str, module_id: str) -> Any:
    """The trained RLModule from an Algorithm checkpoint, in eval mode."""
    from ray.rllib.core.rl_module.rl_module import RLModule  # noqa: PLC0415

    path = f"{checkpoint_uri.rstrip('/')}/learner_group/learner/rl_module/{module_id}"
    return RLModule.from_checkpoint(path).eval()


def module_policy(module: Any, action_space: gym.Space, *, greedy: bool = False) -> Policy:
    """Actions from an RLModule, clipped to a Box action space.

    By default actions are sampled from the policy's distribution (seed torch first for
    a repeatable evaluation): a greedy Pac-Man policy can walk back and forth between
    two cells forever, while the sampled policy is the one training optimised.
    """
    import torch  # noqa: PLC0415

    dist_class = module.get_inference_action_dist_cls()

    def act(obs: Any) -> Any:
        with torch.no_grad():
            batch = {"obs": torch.as_tensor(np.asarray(obs, np.float32))[None]}
            outputs = module.forward_inference(batch)
            if "action_dist_inputs" in outputs:
                dist = dist_class.from_logits(outputs["action_dist_inputs"])
                action = (dist.to_deterministic() if greedy else dist).sample()[0].numpy()
            else:  # a Q-learning module (DQN) acts greedily itself
                action = outputs["actions"][0].numpy()
        if isinstance(action_space, gym.spaces.Box):
            return np.clip(action, action_space.low, action_space.high).astype(np.float32)
        return int(action)

    return act


def elo_rating(win_rate: float, episodes: int, anchor: float = ANCHOR_RATING) -> float:
    """Elo performance rating from a score against an anchored opponent.

    ``anchor + 400 * log10(s / (1 - s))`` with the score ``s`` kept within half a game
    of 0 and 1, so a perfect record gives a finite rating that grows with evidence.
    """
    half = 0.5 / episodes
    score = min(max(win_rate, half), 1.0 - half)
    return anchor + ELO_SCALE * math.log10(score / (1.0 - score))


def evaluate_module(
    experiment: Experiment, checkpoint_uri: str, module_id: str, episodes: int, seed: int
) -> EvalResult:
    """Score one trained module in its single-agent view against the heuristic."""
    import torch  # noqa: PLC0415

    torch.manual_seed(seed)
    env = evaluation_env(experiment, module_id)
    policy = module_policy(load_module(checkpoint_uri, module_id), env.action_space)
    return play_episodes(env, policy, episodes, seed)


def evaluate_baseline(
    experiment: Experiment, name: str, module_id: str, episodes: int, seed: int
) -> EvalResult:
    """Score the ``random`` or ``heuristic`` baseline on the same seeded episodes."""
    env = evaluation_env(experiment, module_id)
    return play_episodes(env, resolve_policy(name, env, seed), episodes, seed)


def evaluate_model(
    model_id: int, *, episodes: int = 20, seed: int = 0, registry: Registry | None = None
) -> dict[str, Any]:
    """``arenalab evaluate``: a registered model and both baselines on the same seeded episodes.

    Returns:
        ``{"model": {...}, "random": {...}, "heuristic": {...}}`` evaluations (plus
        ``rating`` for arena models), so the margin over each baseline is visible.
    """
    registry = registry or Registry.from_settings()
    model = registry.get_model(model_id)
    if model.experiment_id is None:
        raise ValueError(f"model {model_id} has no experiment to rebuild its environment from")
    experiment = experiment_from_record(registry.get_experiment(model.experiment_id))
    if not evaluable(model.module_id):
        raise ValueError(f"model {model_id} ({model.module_id}) has no single-agent view to score")
    report: dict[str, Any] = {
        "model": evaluate_module(
            experiment, model.checkpoint_uri, model.module_id, episodes, seed
        ).to_dict()
    }
    for baseline in ("random", "heuristic"):
        report[baseline] = evaluate_baseline(
            experiment, baseline, model.module_id, episodes, seed
        ).to_dict()
    if model.obs_spec == "arena-obs-v1":
        report["rating"] = elo_rating(report["model"]["win_rate"], episodes)
    return report
