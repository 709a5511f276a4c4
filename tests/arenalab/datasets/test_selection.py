"""Dataset selectors: parsed from the command line, bad ones rejected naming the field."""

from __future__ import annotations

from datetime import date

import pytest
from arenalab.datasets.selection import SelectorError, Source, parse_selector


def test_a_full_selector_parses() -> None:
    """Every key of the documented example lands in its typed field."""
    selection = parse_selector(
        "game=arena,fighter=3|7,from=2026-11-01,to=2026-11-30,source=game,min_return=5"
    )
    assert selection.fighters == (3, 7)
    assert selection.date_from == date(2026, 11, 1) and selection.date_to == date(2026, 11, 30)
    assert selection.sources == (Source.GAME,)
    assert selection.min_episode_return == 5.0
    assert parse_selector("").sources == (Source.GAME, Source.SIM)
    assert parse_selector("source=all").sources == (Source.GAME, Source.SIM)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("fighters=x", "fighters"),
        ("fighter=abc", "fighters"),
        ("from=2026-13-01", "date_from"),
        ("from=2026-11-05,to=2026-11-01", "selector"),
        ("source=stadium", "sources"),
        ("min_return=nan", "min_episode_return"),
        ("game=../etc", "game"),
        ("colour=red", "colour"),
        ("fighter", "fighter"),
    ],
)
def test_bad_selectors_name_the_field(text: str, field: str) -> None:
    """A typo or a bad value fails with the offending field in the message."""
    with pytest.raises(SelectorError) as caught:
        parse_selector(text)
    assert caught.value.field.split(".")[0] == field
    assert f"field '{field}" in str(caught.value)
