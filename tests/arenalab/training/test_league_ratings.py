"""League ratings: draws are draws, anchors stay fixed; winners rank above drawers above losers."""

from __future__ import annotations

import numpy as np
from arenalab.envs.arena import ArenaHeuristic
from arenalab.training.ratings import ANCHOR_RATINGS, DRAW, LOSS, PRIOR, WIN, Record, rate
from arenalab.training.tournament import round_robin, standings

FIGHTS = 30


def _against_anchors(player: str, outcome: float) -> list[tuple[str, str, float]]:
    return [(player, anchor, outcome) for anchor in ANCHOR_RATINGS for _ in range(FIGHTS)]


def test_a_winner_ranks_above_a_drawer_above_a_loser() -> None:
    """Same opponents, same number of fights: only the outcomes differ."""
    matches = [
        *_against_anchors("wins", WIN),
        *_against_anchors("draws", DRAW),
        *_against_anchors("loses", LOSS),
    ]
    table = standings(matches, {"wins": 1, "draws": 2, "loses": 3})
    models = [s.name for s in table if s.model_id is not None]
    assert models == ["wins", "draws", "loses"]
    by_name = {s.name: s for s in table}
    assert by_name["draws"].record.wdl() == f"0/{2 * FIGHTS}/0"
    assert by_name["wins"].beats_random and not by_name["draws"].beats_random
    assert not by_name["random"].beats_random  # anchors are never "best" material
    assert (by_name["random"].rating.mu, by_name["heuristic"].rating.mu) == (15.0, 25.0)


def test_a_draw_is_not_a_loss_and_evidence_shrinks_sigma() -> None:
    """Drawing the heuristic rates higher than losing to it; more fights, less uncertainty."""
    drawn = rate([("m", "heuristic", DRAW)] * FIGHTS)["m"]
    lost = rate([("m", "heuristic", LOSS)] * FIGHTS)["m"]
    assert drawn.mu > lost.mu + 5
    assert abs(drawn.mu - ANCHOR_RATINGS["heuristic"][0]) < 2  # a draw ties it with the anchor
    few = rate([("m", "heuristic", DRAW)] * 3)["m"]
    assert drawn.sigma < few.sigma < PRIOR[1]


def test_record_counts_and_clear_margin() -> None:
    """Score 1/2 per draw; a margin must clear two standard errors to count."""
    record = Record.of([WIN] * 6 + [DRAW] * 2 + [LOSS] * 2)
    assert (record.wins, record.draws, record.losses, record.score) == (6, 2, 2, 0.7)
    assert not record.beats_even  # 0.2 over even with 10 fights is within noise
    assert Record.of([WIN] * 60 + [DRAW] * 20 + [LOSS] * 20).beats_even
    assert not Record.of([DRAW] * 100).beats_even


def _idle(obs: np.ndarray) -> np.ndarray:
    """Stands still and never attacks: it can at best draw."""
    return np.zeros(4, np.float32)


def test_round_robin_in_the_arena_rates_a_fighter_above_an_idle_one() -> None:
    """Real seeded 1v1 fights: the scripted fighter outranks one that never attacks."""
    config = {
        "fighters": [{"id": "learner"}, {"id": "opponent"}],
        "learner": "learner",
        "arena_size": 8.0,
        "max_steps": 200,
    }
    players = {"fighter": ArenaHeuristic(8.0), "idle": _idle}
    matches, returns = round_robin(players, config, fights=6)
    assert len(matches) == 6 * (2 * 2 + 2)  # two anchors each, both seats of the pairing
    assert set(returns) == {"fighter", "idle"} and len(returns["idle"]) == 6
    table = standings(matches, {"fighter": 1, "idle": 2})
    names = [s.name for s in table]
    assert names.index("fighter") < names.index("idle")
    idle = next(s for s in table if s.name == "idle")
    assert idle.record.wins == 0
