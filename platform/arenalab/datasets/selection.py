"""Which episodes an offline run or an export reads: a typed selector, validated at the edge.

A selector is written on the command line as ``key=value`` pairs separated by commas,
e.g. ``game=arena,fighter=3|7,from=2026-11-01,to=2026-11-30,source=game,min_return=5``.
Every key maps to one field of :class:`Selection`; an unknown key or a bad value raises
:class:`SelectorError` naming the field, so a typo never silently selects everything.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

# Short names a person types -> field names of Selection.
ALIASES = {
    "fighter": "fighters",
    "from": "date_from",
    "to": "date_to",
    "source": "sources",
    "min_return": "min_episode_return",
}
MULTI_SEPARATOR = "|"


class Source(StrEnum):
    """Where an episode came from: frames posted by the game, or RLlib's simulated rollouts."""

    GAME = "game"
    SIM = "sim"


class SelectorError(ValueError):
    """A selector names an unknown field or gives a field a bad value; ``field`` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"dataset selector field {field!r}: {message}")
        self.field = field


class Selection(BaseModel):
    """Episodes to read: one game, optionally some fighters, days, sources and a minimum return."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    game: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")] = Field(
        "arena", description="Dataset (game) name: the folder under {storage}/datasets."
    )
    fighters: tuple[int, ...] = Field(
        (), description="Fighter ids to keep; empty keeps every fighter."
    )
    date_from: date | None = Field(None, description="First received-at day (UTC), inclusive.")
    date_to: date | None = Field(None, description="Last received-at day (UTC), inclusive.")
    sources: tuple[Source, ...] = Field(
        (Source.GAME, Source.SIM), min_length=1, description="game frames, sim episodes or both."
    )
    min_episode_return: float | None = Field(
        None, allow_inf_nan=False, description="Drop episodes whose undiscounted return is lower."
    )

    @model_validator(mode="after")
    def _ordered_days(self) -> Selection:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        return self

    def includes(self, source: Source) -> bool:
        """Whether episodes of ``source`` are part of this selection."""
        return source in self.sources

    def selector(self) -> str:
        """The selector text ``parse_selector`` reads back: the game, then what narrows it."""
        short = {field: alias for alias, field in ALIASES.items()}
        parts = [f"game={self.game}"]
        for field, value in self.model_dump(mode="json", exclude_defaults=True).items():
            if field != "game":
                text = MULTI_SEPARATOR.join(map(str, value)) if isinstance(value, list) else value
                parts.append(f"{short.get(field, field)}={text}")
        return ",".join(parts)

    def day_in_range(self, day: str) -> bool:
        """Whether a ``date=YYYY-MM-DD`` partition value lies in the selected days."""
        value = date.fromisoformat(day)
        return (self.date_from is None or value >= self.date_from) and (
            self.date_to is None or value <= self.date_to
        )


def parse_selector(text: str) -> Selection:
    """Turn ``key=value,...`` into a Selection, or raise SelectorError naming the field."""
    values: dict[str, object] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SelectorError(part, "expected key=value")
        field = ALIASES.get(key, key)
        if field not in Selection.model_fields:
            known = sorted({*Selection.model_fields, *ALIASES})
            raise SelectorError(key, f"unknown field; known fields are {known}")
        value = value.strip()
        if field in ("fighters", "sources"):
            items = [item for item in value.split(MULTI_SEPARATOR) if item]
            values[field] = list(Source) if field == "sources" and value == "all" else items
        else:
            values[field] = value
    return validate_selection(values)


def validate_selection(values: dict[str, object]) -> Selection:
    """Validate a mapping (CLI, HTTP or YAML) into a Selection with field-named errors."""
    try:
        return Selection.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "selector"
        raise SelectorError(field, error["msg"]) from None
