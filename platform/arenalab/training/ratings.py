"""League ratings: openskill (Plackett-Luce) from fights, with the scripted anchors held fixed.

A draw is a draw (tied ranks), not a loss; every player has an uncertainty ``sigma``
and is ranked by the conservative ``ordinal = mu - 3 sigma``. The anchors (the random
and the heuristic fighter) keep the fixed ratings in ``ANCHOR_RATINGS`` whatever
happens, so ratings from different runs, leagues and fighters share one scale. Ratings
are recomputed from the matches of one league or one evaluation, in their order,
starting every learned player at ``PRIOR`` (nothing carries over between leagues).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openskill.models import PlackettLuce

WIN, DRAW, LOSS = 1.0, 0.5, 0.0
ANCHORS = ("random", "heuristic")
ANCHOR_RATINGS = {"random": (15.0, 1.0), "heuristic": (25.0, 1.0)}
"""(mu, sigma) of the scripted anchors; never updated."""
PRIOR = (20.0, 25.0 / 3.0)
"""(mu, sigma) every learned player starts from: between the anchors, very uncertain."""

MARGIN_SE = 2.0
"""A clear margin: more than this many standard errors (and more than nothing)."""

Match = tuple[str, str, float]
"""(player, opponent, outcome for the player: ``WIN``, ``DRAW`` or ``LOSS``)."""


@dataclass(frozen=True)
class Rating:
    """An openskill rating: skill estimate ``mu`` and its uncertainty ``sigma``."""

    mu: float
    sigma: float

    @property
    def ordinal(self) -> float:
        """The conservative skill ``mu - 3 sigma`` that ranks players."""
        return self.mu - 3.0 * self.sigma

    def to_dict(self) -> dict[str, float]:
        """JSON form."""
        return {"mu": self.mu, "sigma": self.sigma, "ordinal": self.ordinal}


@dataclass(frozen=True)
class Record:
    """Wins, draws and losses of one player against one opponent, in fight order."""

    outcomes: tuple[float, ...]

    @classmethod
    def of(cls, outcomes: Iterable[float]) -> Record:
        """A record from outcomes (``WIN``/``DRAW``/``LOSS``)."""
        return cls(tuple(outcomes))

    @property
    def wins(self) -> int:
        """Fights won."""
        return sum(o == WIN for o in self.outcomes)

    @property
    def draws(self) -> int:
        """Fights drawn (both standing at the time limit, or both falling at once)."""
        return sum(o == DRAW for o in self.outcomes)

    @property
    def losses(self) -> int:
        """Fights lost."""
        return sum(o == LOSS for o in self.outcomes)

    @property
    def score(self) -> float:
        """Points per fight: 1 a win, 1/2 a draw, 0 a loss."""
        return sum(self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    @property
    def score_se(self) -> float:
        """Standard error of ``score``."""
        return mean_and_se(self.outcomes)[1]

    @property
    def beats_even(self) -> bool:
        """Whether the score is clearly above 1/2 (see ``clear_margin``)."""
        return clear_margin(self.score - 0.5, self.score_se)

    def wdl(self) -> str:
        """``W/D/L`` for tables."""
        return f"{self.wins}/{self.draws}/{self.losses}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "wins": self.wins,
            "draws": self.draws,
            "losses": self.losses,
            "score": self.score,
            "score_se": self.score_se,
        }

    def __add__(self, other: Record) -> Record:
        """Both records' fights."""
        return Record(self.outcomes + other.outcomes)


def mean_and_se(values: Sequence[float]) -> tuple[float, float]:
    """The mean of ``values`` and its standard error; ``(0, 0)`` for no values."""
    n = len(values)
    if n == 0:
        return 0.0, 0.0
    mean = sum(values) / n
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / n) / math.sqrt(n)


def clear_margin(margin: float, se: float) -> bool:
    """Whether ``margin`` is positive and more than ``MARGIN_SE`` standard errors ``se``."""
    return margin > 0 and margin > MARGIN_SE * se


def outcome_of(info: Mapping[str, Any]) -> float:
    """The learner's outcome from an arena episode's last ``info``: win, draw or loss."""
    if info.get("is_victory"):
        return WIN
    if info.get("health", 1.0) <= 0:
        return LOSS
    return DRAW


def rate(matches: Sequence[Match]) -> dict[str, Rating]:
    """Ratings of every learned player after ``matches``, in order; anchors stay fixed."""
    model = PlackettLuce()
    ratings: dict[str, Any] = {}

    def current(name: str) -> Any:
        if name in ANCHOR_RATINGS:
            mu, sigma = ANCHOR_RATINGS[name]
            return model.rating(mu=mu, sigma=sigma, name=name)
        if name not in ratings:
            ratings[name] = model.rating(mu=PRIOR[0], sigma=PRIOR[1], name=name)
        return ratings[name]

    for player, opponent, outcome in matches:
        ranks = {WIN: [0, 1], DRAW: [0, 0], LOSS: [1, 0]}[outcome]
        [[new_player], [new_opponent]] = model.rate(
            [[current(player)], [current(opponent)]], ranks=ranks
        )
        if player not in ANCHOR_RATINGS:
            ratings[player] = new_player
        if opponent not in ANCHOR_RATINGS:
            ratings[opponent] = new_opponent
    return {name: Rating(r.mu, r.sigma) for name, r in ratings.items()}
