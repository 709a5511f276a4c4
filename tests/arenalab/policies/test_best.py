"""A server's view of each fighter's best model: one registry lookup, however many ask."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from arenalab.policies import BestModels
from arenalab.registry import NotFoundError, Registry
from sqlalchemy import event


def _registry(tmp_path: Path) -> tuple[Registry, list[str]]:
    registry = Registry.from_url(f"sqlite:///{tmp_path / 'registry.db'}")
    model_queries: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # SQLAlchemy's hook
        if statement.lstrip().upper().startswith("SELECT") and "FROM models" in statement:
            model_queries.append(statement)

    event.listen(registry.engine, "before_cursor_execute", record)
    return registry, model_queries


def test_concurrent_first_requests_share_one_lookup(tmp_path: Path) -> None:
    """Twenty requests for a new fighter cost one query, and all get the same answer."""
    registry, queries = _registry(tmp_path)
    fighter_id = registry.create_fighter("bacon-cyborg.glb").id
    best = BestModels(registry)

    async def ask_together() -> list[str]:
        answers = await asyncio.gather(
            *(best.of(fighter_id) for _ in range(20)), return_exceptions=True
        )
        return [str(answer) for answer in answers]

    answers = asyncio.run(ask_together())
    assert answers == [f"fighter {fighter_id} has no model that clearly beats random yet"] * 20
    assert len(queries) == 1


def test_an_unknown_fighter_is_named(tmp_path: Path) -> None:
    """A fighter that does not exist is a NotFoundError naming it, not 'no model yet'."""
    registry, _ = _registry(tmp_path)
    with pytest.raises(NotFoundError, match="fighter 99"):
        asyncio.run(BestModels(registry).of(99))
