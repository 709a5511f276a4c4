"""The ingress's model cache: LRU by model id within a count and a byte bound, one load each."""

from __future__ import annotations

import asyncio

import pytest
from arenalab.serving.inference.cache import CacheFull, ModelCache


class Loader:
    """Loads 'models' (their id as a string) of ``sizes[id]`` bytes, counting loads."""

    def __init__(self, sizes: dict[int, int], delay_s: float = 0.0) -> None:
        self.sizes, self.delay_s, self.loads = sizes, delay_s, []

    async def __call__(self, model_id: int) -> str:
        """The model, after ``delay_s``; FileNotFoundError for an id without a size."""
        self.loads.append(model_id)
        await asyncio.sleep(self.delay_s)
        if model_id not in self.sizes:
            raise FileNotFoundError(f"no checkpoint for {model_id}")
        return str(model_id)

    def size(self, model: str) -> int:
        """The model's bytes."""
        return self.sizes[int(model)]


def cache(
    loader: Loader, *, max_models: int = 8, max_bytes: int = 100, max_waiting: int = 16
) -> ModelCache[str]:
    """A cache over ``loader`` with these bounds."""
    return ModelCache(
        loader, loader.size, max_models=max_models, max_bytes=max_bytes, max_waiting=max_waiting
    )


def test_least_recently_used_models_leave_past_the_count() -> None:
    """Three slots, four models: the one used longest ago is the one reloaded."""
    loader = Loader(dict.fromkeys(range(1, 5), 1))
    models = cache(loader, max_models=3)

    async def scenario() -> None:
        for model_id in (1, 2, 3, 1, 4):  # 1 was used again: 2 is the oldest when 4 arrives
            assert await models.get(model_id) == str(model_id)
        assert [model_id for model_id, _ in models.items()] == [3, 1, 4]
        await models.get(2)

    asyncio.run(scenario())
    assert loader.loads == [1, 2, 3, 4, 2]


def test_bytes_bound_evicts_until_the_models_fit_and_keeps_a_big_one_alone() -> None:
    """40 + 40 fit in 100 bytes; a third 40 evicts the oldest; a 150-byte model stays alone."""
    loader = Loader({1: 40, 2: 40, 3: 40, 4: 150})
    models = cache(loader, max_bytes=100)

    async def scenario() -> list[list[int]]:
        seen = []
        for model_id in (1, 2, 3, 4):
            await models.get(model_id)
            seen.append([model_id for model_id, _ in models.items()])
        return seen

    assert asyncio.run(scenario()) == [[1], [1, 2], [2, 3], [4]]
    assert models.nbytes == 150


def test_concurrent_requests_share_one_load_and_past_the_bound_are_refused() -> None:
    """Ten requests for a loading model: one load; with room for four waiters, six get CacheFull."""
    loader = Loader({7: 1}, delay_s=0.05)
    models = cache(loader, max_waiting=4)

    async def scenario() -> list[object]:
        return await asyncio.gather(*(models.get(7) for _ in range(10)), return_exceptions=True)

    answers = asyncio.run(scenario())
    assert loader.loads == [7]
    assert answers.count("7") == 4
    assert sum(isinstance(answer, CacheFull) for answer in answers) == 6
    assert models.loaded(7) == "7"


def test_a_failed_load_is_not_kept_and_is_tried_again() -> None:
    """The error reaches the caller; the next request loads again (the file may be there now)."""
    loader = Loader({})
    models = cache(loader)

    async def scenario() -> None:
        for _ in range(2):
            with pytest.raises(FileNotFoundError):
                await models.get(3)

    asyncio.run(scenario())
    assert loader.loads == [3, 3] and models.items() == []
