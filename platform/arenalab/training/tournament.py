"""``arenalab league``: a seeded round robin of registered fighters and the scripted anchors.

Every pairing plays ``fights`` 1v1 fights on the evaluation seeds (``EVAL_SEED``..):
a model against an anchor as the learner, two models once from each seat. All fights
feed one openskill rating (:mod:`arenalab.training.ratings`: draws are draws, anchors
fixed, so tables of different leagues share a scale). Each model's rating, its
wins/draws/losses and whether it clearly beats the random anchor are stored on the
model under the league's protocol, so the registry's "best" rule compares the models
of one league with each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from arenalab.registry import Model, Registry
from arenalab.settings import Settings
from arenalab.training.evaluation import (
    ARENA_BODY,
    Actor,
    Protocol,
    arena_protocol,
    evaluable,
    fight_config,
    greedy_actor,
    load_policy,
    play,
)
from arenalab.training.ratings import ANCHOR_RATINGS, ANCHORS, Match, Rating, Record, rate

ARENA_SIZE = 20.0
MAX_STEPS = 500


@dataclass(frozen=True)
class Standing:
    """One line of the table: a player, its rating and its record over all its fights."""

    name: str
    rating: Rating
    record: Record
    model_id: int | None = None
    versus: dict[str, Record] = field(default_factory=dict)

    @property
    def beats_random(self) -> bool:
        """Whether it clearly outscored the random anchor (anchors: never)."""
        return (
            self.model_id is not None
            and "random" in self.versus
            and self.versus["random"].beats_even
        )


@dataclass(frozen=True)
class LeagueTable:
    """The round robin's protocol and its standings, best ordinal first."""

    protocol: Protocol
    standings: list[Standing]
    skipped: list[str] = field(default_factory=list)


def round_robin(
    players: Mapping[str, Actor], config: Mapping[str, Any], fights: int
) -> tuple[list[Match], dict[str, list[float]]]:
    """Every pairing of ``players`` and the anchors, in a fixed order.

    Returns:
        The matches, and each model's returns against the heuristic (its ``eval_return``).
    """
    protocol = arena_protocol(config, fights)
    matches: list[Match] = []
    returns: dict[str, list[float]] = {}
    for name, actor in players.items():
        for anchor in ANCHORS:
            result, record = play(protocol, config, actor, anchor)
            matches += [(name, anchor, outcome) for outcome in record.outcomes]
            if anchor == "heuristic":
                returns[name] = list(result.returns)
    for first, second in combinations(players, 2):
        for learner, opponent in ((first, second), (second, first)):
            _, record = play(protocol, config, players[learner], players[opponent])
            matches += [(learner, opponent, outcome) for outcome in record.outcomes]
    return matches, returns


def standings(matches: list[Match], model_ids: Mapping[str, int]) -> list[Standing]:
    """The table of ``matches``: every player's rating and records, best ordinal first."""
    ratings = rate(matches)
    ratings.update({name: Rating(*ANCHOR_RATINGS[name]) for name in ANCHORS})
    versus: dict[str, dict[str, list[float]]] = {}
    for player, opponent, outcome in matches:
        versus.setdefault(player, {}).setdefault(opponent, []).append(outcome)
        versus.setdefault(opponent, {}).setdefault(player, []).append(1.0 - outcome)
    table = []
    for name, rating in ratings.items():
        records = {opponent: Record.of(o) for opponent, o in versus.get(name, {}).items()}
        total = sum(records.values(), Record(()))
        table.append(Standing(name, rating, total, model_ids.get(name), records))
    return sorted(table, key=lambda s: (-s.rating.ordinal, s.name))


def league_models(
    registry: Registry, *, fighter_id: int | None = None, experiment_id: int | None = None
) -> tuple[list[Model], list[str]]:
    """The arena models to rate (one observation layout: the newest model's) and the skipped."""
    rows = registry.list_models(fighter_id=fighter_id, experiment_id=experiment_id)
    rows = [r for r in rows if r.obs_spec.startswith("arena-obs") and evaluable(r.module_id)]
    if not rows:
        return [], []
    layout = rows[0].obs_spec  # newest first
    skipped = [f"model {r.id} ({r.obs_spec})" for r in rows if r.obs_spec != layout]
    return [row for row in reversed(rows) if row.obs_spec == layout], skipped


def run_league(
    registry: Registry,
    *,
    fighter_id: int | None = None,
    experiment_id: int | None = None,
    fights: int = 20,
    arena_size: float = ARENA_SIZE,
    max_steps: int = MAX_STEPS,
    store: bool = True,
    settings: Settings | None = None,
) -> LeagueTable:
    """Round-robin a fighter's (or an experiment's) arena models with the anchors.

    Raises:
        ValueError: if there is no arena model to rate.
    """
    models, skipped = league_models(registry, fighter_id=fighter_id, experiment_id=experiment_id)
    if not models:
        raise ValueError("no arena model to rate: train one (arenalab train) first")
    body: dict[str, float] = {}
    if fighter_id is not None:
        metadata = registry.get_fighter(fighter_id).metadata_json or {}
        body = {key: float(metadata[key]) for key in ARENA_BODY if key in metadata}
    config = fight_config(arena_size, max_steps, body, obs_spec=models[0].obs_spec)
    players = {
        f"model {row.id}": greedy_actor(load_policy(row.checkpoint_uri, row.module_id, settings))
        for row in models
    }
    model_ids = {f"model {row.id}": row.id for row in models}
    protocol = arena_protocol(
        config, fights, (*ANCHORS, "league"), {"players": sorted(model_ids.values())}
    )
    matches, returns = round_robin(players, config, fights)
    table = standings(matches, model_ids)
    if store:
        for standing in table:
            if standing.model_id is not None:
                _store(registry, standing, protocol, returns[standing.name])
    return LeagueTable(protocol, table, skipped)


def _store(
    registry: Registry, standing: Standing, protocol: Protocol, returns: list[float]
) -> None:
    rating = standing.rating
    registry.set_model_scores(
        standing.model_id,
        protocol=protocol.id,
        eval_episodes=protocol.episodes,
        eval_return=sum(returns) / len(returns),
        beats_random=standing.beats_random,
        rating=rating.ordinal,
        rating_mu=rating.mu,
        rating_sigma=rating.sigma,
        evaluation={
            "protocol": protocol.id,
            "league": {
                "rating": rating.to_dict(),
                "record": standing.record.to_dict(),
                "versus": {o: r.to_dict() for o, r in standing.versus.items()},
            },
        },
    )
