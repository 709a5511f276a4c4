"""Who may call what (docs/architecture.md 4.5).

With no API key configured (only allowed on a loopback bind) everything is
open, so the seed's client works unchanged. With a key, every endpoint needs it
except an episode's own writes, which also accept that episode's ingest token: an
HMAC of (episode, expiry) under a key derived from the API key, minted by
``POST /api/episodes``. A browser holds only that token, which expires and lets it
write frames of its episode and close it once: no reads, no inference, no other
episode. Credentials come as ``Authorization: Bearer`` or ``X-API-Key``; only a
WebSocket (browsers cannot set its headers) may send ``?token=``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated

from arenalab.registry import Registry
from arenalab.serving.core.runtime import get_runtime
from arenalab.settings import Settings
from fastapi import Depends, HTTPException
from starlette.requests import HTTPConnection

TOKEN_PREFIX = "ait1"
_CONTEXT = b"arenalab-ingest-token-v1"


@dataclass(frozen=True)
class Principal:
    """The caller: an admin (or an open loopback server), or one episode's ingester."""

    admin: bool
    episode_id: int | None = None

    def require_episode(self, episode_id: int) -> None:
        """Refuse a token scoped to another episode."""
        if not self.admin and self.episode_id != episode_id:
            raise HTTPException(403, f"the ingest token is not valid for episode {episode_id}")


def _signing_key(settings: Settings) -> bytes:
    if settings.api_key is None:
        raise RuntimeError("ingest tokens need ARENALAB_API_KEY")
    return hmac.new(settings.api_key.get_secret_value().encode(), _CONTEXT, hashlib.sha256).digest()


def _signature(key: bytes, episode_id: int, expires: int) -> str:
    digest = hmac.new(key, f"{episode_id}.{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def mint_ingest_token(settings: Settings, episode_id: int) -> tuple[str, int] | None:
    """A token for one episode and its expiry (unix seconds); None when auth is off."""
    if settings.api_key is None:
        return None
    expires = int(time.time()) + settings.ingest_token_ttl_s
    signature = _signature(_signing_key(settings), episode_id, expires)
    return f"{TOKEN_PREFIX}.{episode_id}.{expires}.{signature}", expires


def authenticate(settings: Settings, credential: str | None) -> Principal:
    """Turn a presented credential into a Principal, or raise 401."""
    if settings.api_key is None:
        return Principal(admin=True)
    if not credential:
        raise HTTPException(401, "missing credentials: send the API key or an ingest token")
    if hmac.compare_digest(credential, settings.api_key.get_secret_value()):
        return Principal(admin=True)
    parts = credential.split(".")
    if len(parts) == 4 and parts[0] == TOKEN_PREFIX and parts[1].isdigit() and parts[2].isdigit():
        episode_id, expires = int(parts[1]), int(parts[2])
        good = _signature(_signing_key(settings), episode_id, expires)
        if hmac.compare_digest(parts[3], good):
            if expires < time.time():
                raise HTTPException(401, "the ingest token has expired")
            return Principal(admin=False, episode_id=episode_id)
    raise HTTPException(401, "invalid API key or ingest token")


def _credential(connection: HTTPConnection) -> str | None:
    """The presented credential: headers, or ``?token=`` on a WebSocket only.

    Browsers cannot set headers on a WebSocket; on plain HTTP a key in the URL would
    land in access logs and proxies' histories, so there it is not read.
    """
    headers = connection.headers
    bearer = headers.get("authorization", "")
    if bearer.lower().startswith("bearer "):
        return bearer[7:].strip()
    if key := headers.get("x-api-key"):
        return key
    return connection.query_params.get("token") if connection.scope["type"] == "websocket" else None


async def caller(connection: HTTPConnection) -> Principal:
    """Dependency: whoever presented the request's or socket's credentials (async: inline)."""
    return authenticate(get_runtime(connection).settings, _credential(connection))


async def require_closable(principal: Principal, registry: Registry, episode_id: int) -> None:
    """An ingest token closes its own episode once; only the API key re-records an outcome."""
    principal.require_episode(episode_id)
    if principal.admin:
        return
    episode = await asyncio.to_thread(registry.get_episode, episode_id)
    if episode.status != "open":
        detail = f"episode {episode_id} is closed; its ingest token cannot change it"
        raise HTTPException(403, detail)


def require_admin(principal: Principal) -> Principal:
    """The API key (or an open loopback server) is required, not an ingest token: else 403."""
    if not principal.admin:
        raise HTTPException(403, "this endpoint needs the API key, not an ingest token")
    return principal


async def admin(principal: Annotated[Principal, Depends(caller)]) -> Principal:
    """Dependency: the API key (or an open loopback server), not an ingest token."""
    return require_admin(principal)


Caller = Annotated[Principal, Depends(caller)]
Admin = Annotated[Principal, Depends(admin)]
