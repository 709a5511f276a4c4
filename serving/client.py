"""A typed Python client of arenalab's HTTP API, for game servers, scripts and ``make demo``.

The answers are the API's own pydantic models (``arenalab.serving.arena.schemas`` and
``arenalab.serving.inference.schemas``), so the client and ``/openapi.json`` cannot
drift apart: a field the server renames fails validation here rather than turning into a
silent ``None``. Every request is retried while the server answers 503 or 429 (nothing
was stored: its log or a Serve queue is saturated), after the ``Retry-After`` it sends,
a bounded number of times. The JavaScript twin is ``examples/arena-client.mjs``.

    with ArenaClient("http://127.0.0.1:8001") as arena:
        fighter = arena.register_fighter("bacon-cyborg.glb")
        episode = arena.start_episode(fighter.id, opponent_ids=[2])
        arena.record_frames(episode, frames)  # a list of the seed's frame dicts
        arena.complete_episode(episode, total_reward=1.5, duration_frames=60, is_victory=True)
        arena.fighter_stats(fighter.id).win_rate
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal

import httpx
from arenalab.envs.arena.spec import OBS_SPEC_VERSION
from arenalab.serving.arena.schemas import (
    BatchAck,
    EpisodeOut,
    FighterOut,
    FighterStats,
    FrameAck,
    FramePage,
    ModelOut,
)
from arenalab.serving.inference.schemas import ActResponse, BattleActResponse
from pydantic import BaseModel, ConfigDict, TypeAdapter

__all__ = [
    "ApiError",
    "ArenaClient",
    "BatchAck",
    "EpisodeOut",
    "FighterOut",
    "FighterStats",
    "FramePage",
    "Health",
    "ModelOut",
]

RETRYABLE = frozenset({429, 503})  # "not stored, come back later"


class ApiError(Exception):
    """A non-success answer; ``detail`` is the API's JSON detail (a 422 names the field)."""

    def __init__(self, status: int, detail: object, method: str, path: str) -> None:
        super().__init__(f"{method} {path}: {status} {detail}")
        self.status, self.detail = status, detail


class Health(BaseModel):
    """``GET /health``: the overall status, plus one entry per component (ray, database...)."""

    model_config = ConfigDict(extra="allow")

    status: Literal["healthy", "degraded", "unhealthy"]


def retry_delay(retry_after: str | None, fallback: float, cap: float) -> float:
    """Seconds to wait: ``Retry-After`` (seconds or an HTTP date), else ``fallback``, capped."""
    if retry_after is None or not retry_after.strip():
        return min(fallback, cap)
    try:
        seconds = float(retry_after)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(retry_after).timestamp() - time.time()
        except (TypeError, ValueError):
            seconds = fallback
    return min(max(seconds, 0.0), cap)


class ArenaClient:
    """The arena API (seed 000's calls, frames, inference, stats) with typed answers.

    Args:
        base_url: where ``arenalab serve`` answers.
        api_key: the server's key (any non-loopback bind has one).
        timeout: seconds per request.
        retries: attempts after the first while the server answers 503/429.
        max_retry_delay_s: the longest single wait, whatever ``Retry-After`` says.
        sleep: how to wait between attempts (tests pass a recorder).
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8001",
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        retries: int = 5,
        max_retry_delay_s: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_key, self.retries, self.max_retry_delay_s = api_key, retries, max_retry_delay_s
        self._sleep = sleep
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)

    def __enter__(self) -> ArenaClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    @property
    def base_url(self) -> str:
        """The server's URL."""
        return str(self._http.base_url).rstrip("/")

    def request(
        self,
        method: str,
        path: str,
        json: object = None,
        *,
        credential: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """Send one request, retried on 503/429; raise :class:`ApiError` on any other failure."""
        secret = credential or self.api_key
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        for attempt in range(self.retries + 1):
            response = self._http.request(method, path, json=json, headers=headers, params=params)
            if response.status_code not in RETRYABLE or attempt == self.retries:
                break
            self._sleep(
                retry_delay(response.headers.get("Retry-After"), 1.0, self.max_retry_delay_s)
            )
        if response.is_error:
            raise ApiError(response.status_code, _detail(response), method, path)
        return response

    def _get(self, answer: Any, method: str, path: str, json: object = None, **options: Any) -> Any:
        """The request's answer validated as ``answer`` (a model, or ``list[Model]``)."""
        response = self.request(method, path, json, **options)
        return TypeAdapter(answer).validate_json(response.content)

    @staticmethod
    def _frame_credential(episode: EpisodeOut) -> str | None:
        """Frames go with the episode's ingest token when the server minted one (auth on)."""
        return episode.ingest_token

    # -- health and fighters -------------------------------------------------------------

    def health(self) -> Health:
        """The server's status; an unhealthy server's 503 is its report, not retried."""
        response = self._http.get("/health")
        if response.status_code not in (200, 503):
            raise ApiError(response.status_code, _detail(response), "GET", "/health")
        return Health.model_validate_json(response.content)

    def register_fighter(
        self, glb_filename: str, metadata: Mapping[str, Any] | None = None
    ) -> FighterOut:
        """Register a fighter, declaring the current arena spec unless ``metadata`` says otherwise.

        A declared spec is what lets its frames be scored in the simulator
        (``arenalab offline --evaluate``).
        """
        metadata = {"size": 1.0, "speed": 1.0, "obs_spec": OBS_SPEC_VERSION, **(metadata or {})}
        body = {"glb_filename": glb_filename, "metadata_json": metadata}
        return self._get(FighterOut, "POST", "/api/fighters", body)

    def fighter(self, fighter_id: int) -> FighterOut:
        """One fighter."""
        return self._get(FighterOut, "GET", f"/api/fighters/{fighter_id}")

    def fighters(self) -> list[FighterOut]:
        """Every fighter, oldest first."""
        return self._get(list[FighterOut], "GET", "/api/fighters")

    # -- episodes and frames -----------------------------------------------------------------

    def start_episode(
        self, fighter_id: int, opponent_ids: Sequence[int] = (), episode_number: int = 1
    ) -> EpisodeOut:
        """Open an episode; keep the answer, it carries the ``ingest_token`` when auth is on."""
        body = {
            "fighter_id": fighter_id,
            "episode_number": episode_number,
            "opponent_ids": list(opponent_ids),
        }
        return self._get(EpisodeOut, "POST", "/api/episodes", body)

    def record_frame(self, episode: EpisodeOut, frame: Mapping[str, Any]) -> FrameAck:
        """One frame in the seed's JSON, answered once it is on disk."""
        body = {**frame, "episode_id": episode.id}
        credential = self._frame_credential(episode)
        return self._get(FrameAck, "POST", "/api/fight-frames", body, credential=credential)

    def record_frames(self, episode: EpisodeOut, frames: Sequence[Mapping[str, Any]]) -> BatchAck:
        """Frames in one request, stored all or none with one fsync (a resend is deduplicated)."""
        body = [{**frame, "episode_id": episode.id} for frame in frames]
        credential = self._frame_credential(episode)
        return self._get(BatchAck, "POST", "/api/fight-frames/batch", body, credential=credential)

    def complete_episode(
        self,
        episode: EpisodeOut,
        *,
        total_reward: float,
        duration_frames: int,
        is_victory: bool,
        rank: int | None = None,
    ) -> EpisodeOut:
        """Close the episode with its result; this also moves its frames into Parquet."""
        body = {
            "total_reward": total_reward,
            "duration_frames": duration_frames,
            "is_victory": is_victory,
            "rank": rank,
        }
        credential = self._frame_credential(episode)
        return self._get(
            EpisodeOut, "PATCH", f"/api/episodes/{episode.id}", body, credential=credential
        )

    def episode_frames(self, episode_id: int, *, offset: int = 0, limit: int = 1000) -> FramePage:
        """A page of an episode's frames as JSON (readable right after their ack)."""
        params = {"offset": offset, "limit": limit, "format": "json"}
        return self._get(FramePage, "GET", f"/api/episodes/{episode_id}/frames", params=params)

    # -- stats and models ---------------------------------------------------------------------

    def fighter_stats(self, fighter_id: int) -> FighterStats:
        """Episodes, victories, win rate, rewards, duration and frames of a fighter."""
        return self._get(FighterStats, "GET", f"/api/fighters/{fighter_id}/stats")

    def fighter_episodes(self, fighter_id: int) -> list[EpisodeOut]:
        """The fighter's episodes, oldest first."""
        return self._get(list[EpisodeOut], "GET", f"/api/fighters/{fighter_id}/episodes")

    def best_model(self, fighter_id: int) -> ModelOut | None:
        """The fighter's best model, or None while none clearly beats random (the API's 404)."""
        try:
            return self._get(ModelOut, "GET", f"/api/fighters/{fighter_id}/best-model")
        except ApiError as error:
            if error.status == 404 and "no model" in str(error.detail).lower():
                return None
            raise

    def fighter_models(self, fighter_id: int) -> list[ModelOut]:
        """The fighter's models with their scores, newest first."""
        return self._get(list[ModelOut], "GET", f"/api/fighters/{fighter_id}/models")

    # -- inference ------------------------------------------------------------------------------

    def act(
        self, fighter_id: int, observation: Sequence[float], *, deterministic: bool = True
    ) -> ActResponse:
        """One action from the fighter's best model (``.action``: move x, move y, attack, block)."""
        body = {"observation": list(observation), "deterministic": deterministic}
        return self._get(ActResponse, "POST", f"/api/fighters/{fighter_id}/act", body)

    def act_battle(
        self, observations: Mapping[int, Sequence[float]], *, deterministic: bool = True
    ) -> BattleActResponse:
        """Every AI fighter of a battle frame in one request: ``{fighter_id: observation}``."""
        fighters = [
            {"fighter_id": fighter_id, "observation": list(observation)}
            for fighter_id, observation in observations.items()
        ]
        body = {"fighters": fighters, "deterministic": deterministic}
        return self._get(BattleActResponse, "POST", "/api/act", body)

    def model_act(
        self, model_id: int, observation: Sequence[float], *, deterministic: bool = True
    ) -> ActResponse:
        """One action from any registered model, best or not (the lab compares checkpoints)."""
        body = {"observation": list(observation), "deterministic": deterministic}
        return self._get(ActResponse, "POST", f"/api/v1/policies/{model_id}/act", body)


def _detail(response: httpx.Response) -> object:
    """The JSON ``detail`` of an error answer, or its text when it is not JSON."""
    try:
        body = response.json()
    except ValueError:
        return response.text
    return body.get("detail", body) if isinstance(body, dict) else body
