"""The arena's self-play league: frozen past versions of the learner join its opponent pool.

An ``opponents: league`` experiment trains one fighter in the single-agent arena with
``opponent_policy="league"``: each episode's opponent is one of the last
``LEAGUE_SIZE`` frozen copies of the learner (``LEAGUE_SHARE``, a quarter), else the
scripted heuristic or the random fighter, evenly: the two anchors every fighter is
scored against.
Every ``REFRESH_EVERY`` iterations :class:`LeagueRefresh` freezes the learner's actor
(read from the learner group, the trained weights) into a
:class:`~arenalab.envs.arena.frozen.FrozenFighter` and hands it to every env of every
env runner. The league thus trains at the single-agent arena's speed, with the learner
as the one RLModule that checkpoints, serves and exports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from ray.rllib.callbacks.callbacks import RLlibCallback
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

from arenalab.envs.arena.frozen import FrozenFighter
from arenalab.experiments.loading import ExperimentError
from arenalab.experiments.mapping import ON_POLICY
from arenalab.experiments.schema import Algorithm

WIN_RATE_WINDOW = 100
"""Episodes per opponent each training win rate is averaged over."""
REFRESH_EVERY = 10
"""Iterations between two snapshots (arena-league: 10 updates of 1000 env steps)."""
ENCODERS = ("encoder.actor_encoder.net.mlp.", "encoder.encoder.net.mlp.")
"""Where RLlib's default actor-critic module keeps its actor's encoder layers (separate
value layers, or shared ones)."""
HEAD = "pi.net.mlp."
FREEZABLE = ON_POLICY
"""Algorithms whose learner is RLlib's default actor-critic module (A2C reuses PPO's)."""


def frozen_fighter(
    state: Mapping[str, Any], model_config: Mapping[str, Any], *, discrete: bool
) -> FrozenFighter:
    """The actor of an RLlib default module's ``state`` (its weights) as a numpy fighter.

    The encoder's layers use ``fcnet_activation`` after each of them; the policy head's
    use ``head_fcnet_activation`` between them and none after its last.

    Raises:
        ValueError: if ``state`` has no dense layers where RLlib's default modules keep them.
    """
    defaults = DefaultModelConfig()
    encoder = str(model_config.get("fcnet_activation", defaults.fcnet_activation)).lower()
    head = str(model_config.get("head_fcnet_activation", defaults.head_fcnet_activation)).lower()
    prefix = next((p for p in ENCODERS if any(key.startswith(p) for key in state)), ENCODERS[0])
    layers = [(w, b, encoder) for w, b in _dense(state, prefix)]
    *hidden, (weight, bias) = _dense(state, HEAD)  # the last feeds the distribution as is
    layers += [(w, b, head) for w, b in hidden] + [(weight, bias, "linear")]
    return FrozenFighter(layers, discrete=discrete)


def _dense(state: Mapping[str, Any], prefix: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) of the dense layers under ``prefix``, in order (a torch Sequential's)."""
    indices = sorted(
        int(key[len(prefix) :].split(".")[0])
        for key in state
        if key.startswith(prefix) and key.endswith(".weight")
    )
    if not indices:
        raise ValueError(f"no dense layers under {prefix!r} in {sorted(state)}")
    return [
        (np.asarray(state[f"{prefix}{i}.weight"]), np.asarray(state[f"{prefix}{i}.bias"]))
        for i in indices
    ]


def check_freezable(algorithm: Algorithm) -> None:
    """Refuse a league whose learner the refresh cannot freeze.

    Raises:
        ExperimentError: unless ``algorithm`` is one of ``FREEZABLE``.
    """
    if algorithm not in FREEZABLE:
        names = ", ".join(a.value for a in FREEZABLE)
        raise ExperimentError(
            f"opponents: league freezes actor-critic learners ({names}), not {algorithm.value}"
        )


def snapshot(algorithm: Any) -> FrozenFighter:
    """The learner as it stands, frozen (its inference-only weights from the learner group)."""
    state = algorithm.learner_group.get_state(
        components=f"learner/rl_module/{DEFAULT_MODULE_ID}", inference_only=True
    )["learner"]["rl_module"][DEFAULT_MODULE_ID]
    config = algorithm.config
    discrete = config.env_config.get("action_set") == "discrete"
    return frozen_fighter(state, config.model_config, discrete=discrete)


def join_league(runner: Any, fighter: FrozenFighter) -> None:
    """Hand ``fighter`` to every arena of one env runner (its vector env's sub-envs).

    The driver's env runner has no env when remote env runners sample.
    """
    if getattr(runner, "env", None) is not None:
        runner.env.unwrapped.call("join_league", fighter)


class LeagueRefresh(RLlibCallback):
    """Freeze the learner into every env's league every ``REFRESH_EVERY`` iterations.

    It also logs the learner's training win rate per kind of opponent
    (``env_runners/opponents/<heuristic|random|league>/win_rate``), which shows whether
    it beats its past selves as well as the anchors.
    """

    def on_episode_end(self, *, episode: Any, metrics_logger: Any, **kwargs: Any) -> None:
        """Count the finished episode's win against its opponent."""
        info = episode.get_infos(-1)
        metrics_logger.log_value(
            ("opponents", info["opponent"], "win_rate"),
            float(info.get("is_victory", False)),
            reduce="mean",
            window=WIN_RATE_WINDOW,
        )

    def on_train_result(self, *, algorithm: Any, result: dict, **kwargs: Any) -> None:
        """Snapshot the learner and push it to the env runners; count it in the result."""
        if algorithm.iteration % REFRESH_EVERY:
            return
        fighter = snapshot(algorithm)
        algorithm.env_runner_group.foreach_env_runner(lambda runner: join_league(runner, fighter))
        result["league_snapshots"] = algorithm.iteration // REFRESH_EVERY
