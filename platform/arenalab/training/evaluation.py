"""The one scoring protocol: a model acts as ``/act`` serves it, on fixed seeded episodes.

Every score in the platform (``arenalab train``, ``evaluate``, ``league``, offline
training, sweeps, the lab) comes from here. The model is loaded the way the policy
server loads it (:class:`arenalab.policies.Policy`, with its observation filter and
action unsquashing or clipping) and acts greedily, one ``Policy.act`` call per step,
on episodes seeded ``EVAL_SEED, EVAL_SEED + 1, ...`` whatever the experiment's seed,
so models from different runs play the same games. A :class:`Protocol` names what was
played (env, game, episodes, seeds, opponents); the registry's "best" compares only
scores with equal protocol ids.

* Pac-Man: the mean return; the model beats random when its mean return exceeds the
  random policy's on the same seeds by more than two standard errors of the per-seed
  differences (``ratings.MARGIN_SE``).
* Arena: 1v1 fights against each scripted anchor (random, heuristic), counted as
  wins, draws and losses and rated with openskill against the fixed anchors
  (:mod:`arenalab.training.ratings`); the model beats random when its score against
  it (win 1, draw 1/2, loss 0) exceeds 1/2 by more than two standard errors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym

from arenalab.envs.baselines import resolve_policy
from arenalab.envs.evaluation import EvalResult, play_episodes
from arenalab.experiments import Environment, Experiment, env_spec, experiment_from_record
from arenalab.experiments.environments import GHOST_POLICY
from arenalab.registry import Model, Registry
from arenalab.settings import Settings, get_settings
from arenalab.training.ratings import (
    ANCHORS,
    Rating,
    Record,
    clear_margin,
    mean_and_se,
    outcome_of,
    rate,
)

Actor = Callable[[Any], Any]
EVAL_SEED = 10_000
"""First episode seed of every evaluation (never the experiment's seed)."""
DEFAULT_EPISODES = 100
GAME = "game"
"""Pac-Man's opponent column: the ghosts are part of the game."""
VIEW_KEYS = frozenset({"observation", "learner", "opponent_policy"})
"""Game-config keys that change what the learner sees or who plays, not the game."""
ARENA_BODY = ("size", "speed")


@dataclass(frozen=True)
class Protocol:
    """How a score was measured; two scores compare only when their ``id`` is equal."""

    env_id: str
    game: Mapping[str, Any]
    episodes: int
    opponents: tuple[str, ...] = (GAME,)
    seed: int = EVAL_SEED

    @property
    def id(self) -> str:
        """A readable id with a digest of the game config (fits the registry's column)."""
        game = json.dumps(dict(self.game), sort_keys=True, default=str)
        digest = hashlib.sha256(game.encode()).hexdigest()[:12]
        return (
            f"{self.env_id} vs {'+'.join(self.opponents)}, greedy, {self.episodes} episodes "
            f"from seed {self.seed}, game {digest}"
        )

    def with_episodes(self, episodes: int) -> Protocol:
        """The same protocol over another number of episodes (a quick periodic check)."""
        return Protocol(self.env_id, self.game, episodes, self.opponents, self.seed)

    @property
    def arena(self) -> bool:
        """Fights against anchors (W/D/L and a rating) rather than a game's return."""
        return self.opponents != (GAME,)


@dataclass(frozen=True)
class Score:
    """A model's evaluation under one protocol, next to whichever baselines were played.

    ``results[policy][opponent]`` holds returns; ``records[policy][opponent]`` the arena's
    wins, draws and losses. ``policy`` is ``"model"``, ``"random"`` or ``"heuristic"``.
    """

    protocol: Protocol
    results: dict[str, dict[str, EvalResult]]
    records: dict[str, dict[str, Record]] = field(default_factory=dict)
    rating: Rating | None = None

    @property
    def main_opponent(self) -> str:
        """The column ``eval_return`` reports: the game, or the arena's heuristic."""
        return "heuristic" if self.protocol.arena else GAME

    @property
    def eval_return(self) -> float:
        """The model's mean return against the main opponent."""
        return self.results["model"][self.main_opponent].mean_return

    @property
    def margin(self) -> tuple[float, float]:
        """The model's margin over random and its standard error (see the module doc)."""
        if self.protocol.arena:
            record = self.records["model"]["random"]
            return record.score - 0.5, record.score_se
        model = self.results["model"][GAME].returns
        baseline = self.results["random"][GAME].returns
        return mean_and_se([m - r for m, r in zip(model, baseline, strict=True)])

    @property
    def beats_random(self) -> bool:
        """Whether the margin over random is clear (``ratings.clear_margin``)."""
        return clear_margin(*self.margin)

    def registry_scores(self) -> dict[str, Any]:
        """The fields ``Registry.set_model_scores`` stores."""
        rating = self.rating
        return {
            "protocol": self.protocol.id,
            "eval_episodes": self.protocol.episodes,
            "eval_return": self.eval_return,
            "beats_random": self.beats_random,
            "rating": rating.ordinal if rating else None,
            "rating_mu": rating.mu if rating else None,
            "rating_sigma": rating.sigma if rating else None,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON form: registry ``metrics["evaluation"]``, the CLI and the lab API."""
        margin, se = self.margin
        return {
            "protocol": self.protocol.id,
            "episodes": self.protocol.episodes,
            "seed": self.protocol.seed,
            "opponents": list(self.protocol.opponents),
            "beats_random": self.beats_random,
            "margin_over_random": margin,
            "margin_se": se,
            "results": {
                policy: {opponent: _summary(result) for opponent, result in row.items()}
                for policy, row in self.results.items()
            },
            "records": {
                policy: {opponent: record.to_dict() for opponent, record in row.items()}
                for policy, row in self.records.items()
            },
            "rating": self.rating.to_dict() if self.rating else None,
        }

    def summary(self) -> dict[str, float]:
        """A few flat figures for metrics rows and learning curves."""
        figures = {"evaluation/mean_return": self.eval_return}
        figures["evaluation/margin_over_random"] = self.margin[0]
        model = self.results["model"]
        for opponent, result in model.items():
            figures[f"evaluation/{opponent}/win_rate"] = result.win_rate
        return figures


def _summary(result: EvalResult) -> dict[str, Any]:
    return {key: value for key, value in result.to_dict().items() if key != "returns"}


def evaluable(module_id: str) -> bool:
    """Whether a module has a single-agent view to be scored in (the ghosts' module has none)."""
    return module_id != GHOST_POLICY


# Protocols ----------------------------------------------------------------------------------
def fight_config(
    arena_size: float, max_steps: int, body: Mapping[str, float] | None = None, **view: Any
) -> dict[str, Any]:
    """The 1v1 arena every fighter is scored in: its body against a standard opponent."""
    learner = {"id": "learner", **{key: float(v) for key, v in (body or {}).items()}}
    return {
        "fighters": [learner, {"id": "opponent"}],
        "learner": "learner",
        "arena_size": float(arena_size),
        "max_steps": int(max_steps),
        **view,
    }


def arena_protocol(
    config: Mapping[str, Any],
    episodes: int,
    opponents: Sequence[str] = ANCHORS,
    extra: Mapping[str, Any] | None = None,
) -> Protocol:
    """The protocol of fights in ``config`` (a :func:`fight_config`) against ``opponents``."""
    body = {key: config["fighters"][0].get(key, 1.0) for key in ARENA_BODY}
    game = {"arena_size": config["arena_size"], "max_steps": config["max_steps"], "body": body}
    return Protocol("arenalab/Arena-v0", {**game, **(extra or {})}, episodes, tuple(opponents))


def is_arena(experiment: Experiment) -> bool:
    """Whether the experiment's models are fighters (scored in fights, with a rating)."""
    return experiment.environment is Environment.ARENA


def evaluation_setup(experiment: Experiment, episodes: int) -> tuple[Protocol, dict[str, Any]]:
    """The protocol of an experiment's models and the env config they are scored in."""
    config = dict(env_spec(experiment).env_config)
    if is_arena(experiment):
        # Seats and the learner's action set are the fight's own; fights are served 4-vectors.
        seats = {"fighters", "num_fighters", "learner", "opponent_policy", "action_set"}
        view = {key: value for key, value in config.items() if key not in seats}
        arena = fight_config(view.pop("arena_size"), view.pop("max_steps"), **view)
        return arena_protocol(arena, episodes), arena
    game = experiment.game.model_dump(mode="json", exclude={"kind", *VIEW_KEYS})
    return Protocol("arenalab/PacMan-v0", game, episodes), config


def make_env(
    protocol: Protocol, config: Mapping[str, Any], opponent: str, render_mode: str | None = None
) -> gym.Env:
    """The single-agent env of one protocol column (an arena opponent, or the game)."""
    if protocol.arena:
        from arenalab.envs.arena import ArenaEnv

        return ArenaEnv({**config, "opponent_policy": opponent}, render_mode=render_mode)
    from arenalab.envs.pacman import PacManEnv

    return PacManEnv(dict(config), render_mode=render_mode)


# Acting -------------------------------------------------------------------------------------
def load_policy(checkpoint_uri: str, module_id: str, settings: Settings | None = None) -> Any:
    """The policy exactly as the server loads it (remote checkpoints via the local cache)."""
    from arenalab.policies import Policy  # imports torch and RLlib
    from arenalab.policies.loading import CACHE_DIR, local_checkpoint
    from arenalab.storage import open_storage

    if "://" not in checkpoint_uri or checkpoint_uri.startswith("file://"):
        local = Path(checkpoint_uri.removeprefix("file://"))
    else:
        settings = settings or get_settings()
        cache = settings.data_dir / CACHE_DIR
        local = local_checkpoint(checkpoint_uri, open_storage(settings), cache, module_id)
    return Policy.from_checkpoint(local, module_id)


def greedy_actor(policy: Any, *, deterministic: bool = True) -> Actor:
    """``obs -> action`` through ``Policy.check`` and ``Policy.act``: what ``/act`` answers."""
    discrete = isinstance(policy.action_space, gym.spaces.Discrete)

    def act(obs: Any) -> Any:
        action = policy.act(policy.check(obs), deterministic=deterministic)[0]
        return int(action) if discrete else action

    return act


# Scoring ------------------------------------------------------------------------------------
class _Outcomes(gym.Wrapper):
    """Notes each finished episode's outcome for the learner (win, draw or loss)."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.outcomes: list[float] = []

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            self.outcomes.append(outcome_of(info))
        return obs, reward, terminated, truncated, info


def play(
    protocol: Protocol, config: Mapping[str, Any], actor: Actor | str, opponent: str
) -> tuple[EvalResult, Record | None]:
    """One protocol column: ``actor`` (a callable or a baseline name) on the seeded episodes."""
    env = _Outcomes(make_env(protocol, config, opponent))
    try:
        act = resolve_policy(actor, env, protocol.seed)
        result = play_episodes(env, act, protocol.episodes, protocol.seed)
    finally:
        env.close()
    return result, Record.of(env.outcomes) if protocol.arena else None


_BASELINES: dict[tuple[str, str, str, str], tuple[EvalResult, Record | None]] = {}
"""Baselines are deterministic under a protocol: each column is played once per process."""


def _baseline(
    protocol: Protocol, config: Mapping[str, Any], name: str, opponent: str
) -> tuple[EvalResult, Record | None]:
    key = (protocol.id, json.dumps(dict(config), sort_keys=True, default=str), name, opponent)
    if key not in _BASELINES:
        _BASELINES[key] = play(protocol, config, name, opponent)
    return _BASELINES[key]


def score(
    protocol: Protocol,
    config: Mapping[str, Any],
    actor: Actor,
    baselines: Sequence[str] = (),
) -> Score:
    """Score ``actor`` and the named baselines under ``protocol`` (Pac-Man always has random).

    Arena fights against the random anchor already measure the margin over random, so
    the arena plays baselines only when asked (for a report).
    """
    names = [*(() if protocol.arena else ("random",)), *baselines]
    results: dict[str, dict[str, EvalResult]] = {}
    records: dict[str, dict[str, Record]] = {}
    for policy in ("model", *dict.fromkeys(names)):
        for opponent in protocol.opponents:
            if policy == "model":
                result, record = play(protocol, config, actor, opponent)
            else:
                result, record = _baseline(protocol, config, policy, opponent)
            results.setdefault(policy, {})[opponent] = result
            if record is not None:
                records.setdefault(policy, {})[opponent] = record
    rating = None
    if protocol.arena:
        matches = [
            ("model", opponent, outcome)
            for opponent in protocol.opponents
            for outcome in records["model"][opponent].outcomes
        ]
        rating = rate(matches)["model"]
    return Score(protocol, results, records, rating)


def score_checkpoint(
    experiment: Experiment,
    checkpoint_uri: str,
    module_id: str,
    episodes: int,
    *,
    baselines: Sequence[str] = (),
    settings: Settings | None = None,
) -> Score:
    """Score one trained module of ``experiment`` as the server would act with it."""
    protocol, config = evaluation_setup(experiment, episodes)
    policy = load_policy(checkpoint_uri, module_id, settings)
    return score(protocol, config, greedy_actor(policy), baselines)


def evaluate_model(
    model_id: int,
    *,
    episodes: int = DEFAULT_EPISODES,
    record: bool = False,
    registry: Registry | None = None,
    settings: Settings | None = None,
) -> Score:
    """``arenalab evaluate``: a registered model next to both baselines, same seeded episodes.

    With ``record`` the score replaces the model's stored one (and may make it best).

    Raises:
        ValueError: for a model without an experiment or without a single-agent view.
    """
    settings = settings or get_settings()
    registry = registry or Registry.from_settings(settings)
    model = registry.get_model(model_id)
    result = score_model_row(model, registry, episodes, ("random", "heuristic"), settings)
    if record:
        store_score(registry, model.id, result)
    return result


def score_model_row(
    model: Model,
    registry: Registry,
    episodes: int,
    baselines: Sequence[str],
    settings: Settings | None = None,
) -> Score:
    """Score a registry row: online rows rebuild their experiment, offline rows their fight."""
    policy, protocol, config = model_setup(model, registry, settings, episodes)
    return score(protocol, config, greedy_actor(policy), baselines)


def model_setup(
    model: Model,
    registry: Registry,
    settings: Settings | None = None,
    episodes: int = DEFAULT_EPISODES,
) -> tuple[Any, Protocol, dict[str, Any]]:
    """A registry row's served policy, its protocol and the env config it plays in.

    Raises:
        ValueError: for a model without an experiment or without a single-agent view.
    """
    if model.experiment_id is None:
        raise ValueError(f"model {model.id} has no experiment to rebuild its environment from")
    if not evaluable(model.module_id):
        raise ValueError(f"model {model.id} ({model.module_id}) has no single-agent view to play")
    experiment_row = registry.get_experiment(model.experiment_id)
    policy = load_policy(model.checkpoint_uri, model.module_id, settings)
    if experiment_row.environment in {e.value for e in Environment}:
        protocol, config = evaluation_setup(experiment_from_record(experiment_row), episodes)
    else:  # an offline model: its fighter's fight
        config = offline_fight_config(registry, model.fighter_id)
        protocol = arena_protocol(config, episodes)
    if protocol.arena:  # the layout the model was trained on (arena-obs-v1 or -v2)
        config = {**config, "obs_spec": model.obs_spec}
    return policy, protocol, config


def offline_fight_config(registry: Registry, fighter_id: int | None) -> dict[str, Any]:
    """The fight an offline arena model is scored in: its fighter's body, the default arena."""
    from arenalab.offline.evaluation import ARENA_SIZE, MAX_STEPS

    body: dict[str, float] = {}
    if fighter_id is not None:
        metadata = registry.get_fighter(fighter_id).metadata_json or {}
        body = {key: float(metadata[key]) for key in ARENA_BODY if key in metadata}
    return fight_config(ARENA_SIZE, MAX_STEPS, body)


def store_score(registry: Registry, model_id: int, result: Score) -> Model:
    """Keep the score on the model (columns plus ``metrics["evaluation"]``)."""
    return registry.set_model_scores(
        model_id, evaluation=result.to_dict(), **result.registry_scores()
    )


def score_lines(score: Score) -> list[str]:
    """The table of a score (policies by opponents) and its plain verdict."""
    opponents = score.protocol.opponents
    lines = [
        f"{'policy':10} {'vs':10} {'mean return':>12} {'std':>8} {'win rate':>9} {'W/D/L':>11}"
    ]
    for policy, row in score.results.items():
        for opponent in opponents:
            result = row[opponent]
            record = score.records.get(policy, {}).get(opponent)
            lines.append(
                f"{policy:10} {opponent:10} {result.mean_return:12.2f} {result.std_return:8.2f} "
                f"{result.win_rate:9.2f} {record.wdl() if record else '-':>11}"
            )
    lines.append(verdict(score))
    return lines


def verdict(score: Score) -> str:
    """How far the model is from the baselines, in the protocol's own terms."""
    margin, se = score.margin
    unit = "fight score (win 1, draw 1/2) above 1/2" if score.protocol.arena else "mean return"
    text = f"vs random: {margin:+.2f} {unit} (standard error {se:.2f}): "
    text += "clearly better" if score.beats_random else "not clearly better, so never best"
    if "heuristic" in score.results and not score.protocol.arena:
        gap = score.eval_return - score.results["heuristic"]["game"].mean_return
        text += f"; vs heuristic: {gap:+.2f} mean return"
    if score.rating is not None:
        rating = score.rating
        text += f"; rating mu {rating.mu:.2f} sigma {rating.sigma:.2f} ordinal {rating.ordinal:.2f}"
    return text
