"""The one table from the 20 parameters to RLlib 2.60 ``AlgorithmConfig`` settings.

``RULES`` is both the code and the documentation: ``training_settings`` applies it,
``mapping_markdown`` renders it for docs/experiments.md. A parameter with no entry
for the chosen algorithm is returned as a warning when the user changed it (a value other
than the default or the preset's), never silently dropped.
``training.episodes`` and ``training.env_steps`` are stop criteria (see ``stop_criteria``:
whichever is reached first ends the run), and the ``game``
and ``visualization`` groups become the env's ``env_config`` for every algorithm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from arenalab.experiments.presets import preset_overrides
from arenalab.experiments.schema import GAME_KINDS, Algorithm, Experiment

ON_POLICY = (Algorithm.PPO, Algorithm.APPO, Algorithm.IMPALA, Algorithm.A2C)
OFF_POLICY = (Algorithm.DQN, Algorithm.SAC, Algorithm.TQC, Algorithm.TD3)
ACTOR_CRITIC = (Algorithm.SAC, Algorithm.TQC)
EPSILON_DECAY_STEPS = 10_000
EPSILON_DECAY_FRACTION = 0.2
EPISODES_METRIC = "env_runners/num_episodes_lifetime"
STEPS_METRIC = "num_env_steps_sampled_lifetime"

Apply = Callable[[Any, Experiment], dict[str, Any]]


@dataclass(frozen=True)
class Target:
    """What one parameter sets for one algorithm: the docs text and the code that sets it."""

    text: str
    apply: Apply


def _key(name: str) -> Target:
    return Target(f"`{name}`", lambda value, _: {name: value})


def _epsilon(value: float, experiment: Experiment) -> dict[str, Any]:
    budget = experiment.training.env_steps
    decay = int(EPSILON_DECAY_FRACTION * budget) if budget else EPSILON_DECAY_STEPS
    end = experiment.intelligence.learning_starts + decay
    return {"epsilon": [(0, 1.0), (end, value)]}


def _replay(value: int, experiment: Experiment) -> dict[str, Any]:
    capacity = min(value, experiment.training.env_steps or value)
    kind = "MultiAgentEpisodeReplayBuffer" if experiment.is_multi_agent else "EpisodeReplayBuffer"
    return {"replay_buffer_config": {"type": kind, "capacity": capacity}}


def _intensity(value: int, experiment: Experiment) -> dict[str, Any]:
    return {"training_intensity": experiment.training.batch_size / value}


def _circular(value: int, experiment: Experiment) -> dict[str, Any]:
    return {"circular_buffer_num_batches": max(1, value // experiment.training.batch_size)}


def _for(algorithms: tuple[Algorithm, ...], target: Target) -> dict[Algorithm, Target]:
    return dict.fromkeys(algorithms, target)


ALL = tuple(Algorithm)
RULES: dict[str, dict[Algorithm, Target]] = {
    "training.learning_rate": {
        **_for(ON_POLICY + (Algorithm.DQN,), _key("lr")),
        **_for(
            ACTOR_CRITIC,
            Target(
                "`actor_lr`, `critic_lr`, `alpha_lr` (and `lr=None`)",
                lambda v, _: {"actor_lr": v, "critic_lr": v, "alpha_lr": v, "lr": None},
            ),
        ),
        Algorithm.TD3: Target(
            "`actor_lr`, `critic_lr` (and `lr=None`)",
            lambda v, _: {"actor_lr": v, "critic_lr": v, "lr": None},
        ),
    },
    "training.gamma": _for(ALL, _key("gamma")),
    "training.batch_size": {
        Algorithm.PPO: _key("minibatch_size"),
        **_for(ALL[1:], _key("train_batch_size_per_learner")),
    },
    "training.buffer_size": {
        Algorithm.PPO: Target(
            "`train_batch_size_per_learner` (rollout per update)",
            lambda v, _: {"train_batch_size_per_learner": v},
        ),
        Algorithm.APPO: Target(
            "`circular_buffer_num_batches` = buffer_size // batch_size", _circular
        ),
        **_for(
            OFF_POLICY,
            Target(
                "`replay_buffer_config`: plain `EpisodeReplayBuffer` (`MultiAgent...` for "
                "multi-agent), capacity = "
                "min(buffer_size, env_steps)",
                _replay,
            ),
        ),
        Algorithm.TD3: Target(
            "`replay_buffer_config` capacity = min(buffer_size, env_steps), held in TD3's "
            "flat uniform transition buffer (per module)",
            _replay,
        ),
    },
    "intelligence.exploration_rate": {
        **_for(ON_POLICY, _key("entropy_coeff")),
        Algorithm.DQN: Target(
            f"`epsilon`: 1.0 -> value, linear over learning_starts + {EPSILON_DECAY_FRACTION:g}"
            f" x env_steps ({EPSILON_DECAY_STEPS} without env_steps)",
            _epsilon,
        ),
        **_for(ACTOR_CRITIC, _key("initial_alpha")),
        Algorithm.TD3: Target(
            "`exploration_noise` (Gaussian action noise std, normalized actions)",
            lambda v, _: {"exploration_noise": v},
        ),
    },
    "intelligence.target_update": {
        **_for((Algorithm.APPO, Algorithm.DQN), _key("target_network_update_freq")),
        **_for(
            (*ACTOR_CRITIC, Algorithm.TD3),
            Target("`tau` = 1 / target_update (soft update)", lambda v, _: {"tau": 1.0 / v}),
        ),
    },
    "intelligence.learning_starts": _for(
        OFF_POLICY, _key("num_steps_sampled_before_learning_starts")
    ),
    "intelligence.train_freq": _for(
        OFF_POLICY, Target("`training_intensity` = batch_size / train_freq", _intensity)
    ),
}
"""Parameter -> algorithm -> target. Missing algorithm = does not apply (a warning)."""

HOUSE_DEFAULTS: dict[Algorithm, dict[str, Any]] = {
    Algorithm.PPO: {
        "num_epochs": 10,
        "lambda_": 0.95,
        "vf_clip_param": 1e4,
        "clip_param": 0.2,
        "vf_loss_coeff": 0.5,
        "use_kl_loss": False,
        "grad_clip": 0.5,
    },
}
"""RLlib defaults we change, to SB3's: PPO's 30 epochs starve a CPU learner (guides 7);
``lambda_=1.0`` is high-variance; ``vf_clip_param=10`` clamps the value loss, which
zeroes its gradient once returns reach tens (Pac-Man's death costs 25); SB3's PPO clips
at 0.2, weighs the value loss 0.5, clips gradients at 0.5 and has no KL term."""

HOUSE_MODEL_CONFIG: dict[Algorithm, dict[str, Any]] = dict.fromkeys(
    ON_POLICY, {"vf_share_layers": False}
)
"""RLModule ``model_config`` defaults per algorithm: actor-critics keep separate value
layers (RLlib shares them by default, so the value loss pulls on the policy's features)."""


def training_settings(experiment: Experiment) -> tuple[dict[str, Any], list[str]]:
    """The ``AlgorithmConfig.training()`` keywords for ``experiment``, and what did not apply.

    Returns:
        The keywords (house defaults, then the mapped parameters, then ``experiment.rllib``)
        and one warning per parameter the user changed that has no meaning for the chosen
        algorithm (values left at the default or the preset's are not the user's doing).
    """
    algorithm = experiment.algorithm
    settings = dict(HOUSE_DEFAULTS.get(algorithm, {}))
    warnings = []
    for path, targets in RULES.items():
        group, name = path.split(".")
        value = getattr(getattr(experiment, group), name)
        target = targets.get(algorithm)
        if target is None:
            if value != _untouched_value(experiment, group, name):
                warnings.append(f"{path}={value} does not apply to {algorithm.value}; ignored")
        else:
            settings.update(target.apply(value, experiment))
    settings.update(experiment.rllib)
    return settings, warnings


def _untouched_value(experiment: Experiment, group: str, name: str) -> Any:
    """The value a parameter has when the user does not set it: the preset's, else the default.

    Compared by value, so an experiment read back from a file or the registry (where every
    value is written out) warns about the same parameters as the one first submitted.
    """
    if experiment.preset:
        kind = GAME_KINDS.get(experiment.environment, "pacman")
        overrides = preset_overrides(experiment.preset, kind, experiment.environment.value)
        if name in overrides.get(group, {}):
            return overrides[group][name]
    return type(getattr(experiment, group)).model_fields[name].default


def stop_criteria(experiment: Experiment, iterations: int | None = None) -> dict[str, int]:
    """When a run is done: each key's threshold; whichever is reached first ends the run.

    ``training.episodes`` finished episodes, ``training.env_steps`` sampled env steps (when
    set) and an optional iteration cap.
    """
    stop = {EPISODES_METRIC: experiment.training.episodes}
    if experiment.training.env_steps:
        stop[STEPS_METRIC] = experiment.training.env_steps
    cap = iterations or experiment.run.max_iterations
    if cap:
        stop["training_iteration"] = cap
    return stop


def mapping_markdown() -> str:
    """The mapping as a Markdown table (docs/experiments.md embeds this output)."""
    header = "| parameter | " + " | ".join(a.value for a in Algorithm) + " |"
    lines = [header, "|---" * (len(Algorithm) + 1) + "|"]
    lines.append(
        "| training.episodes | "
        + " | ".join(f"stop at `{EPISODES_METRIC}`" for _ in Algorithm)
        + " |"
    )
    lines.append(
        "| training.env_steps | "
        + " | ".join(f"stop at `{STEPS_METRIC}`" for _ in Algorithm)
        + " |"
    )
    for path, targets in RULES.items():
        cells = [targets[a].text if a in targets else "n/a (warned)" for a in Algorithm]
        lines.append(f"| {path} | " + " | ".join(cells) + " |")
    for group in ("game", "visualization"):
        lines.append(f"| {group}.* | " + " | ".join("`env_config`" for _ in Algorithm) + " |")
    return "\n".join(lines)
