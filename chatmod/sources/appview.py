"""Provides the two Bluesky lookups a live chat needs: a handle's DID, and DIDs' handles.

Posts and mentions on Bluesky carry DIDs (``did:plc:…``), people know each other by handles.
``com.atproto.identity.resolveHandle`` turns the host team's handles into DIDs when a chat starts
(so their posts and the mentions of them are known at once), and ``app.bsky.actor.getProfiles``
names participants, at most 25 a request. Both are unauthenticated XRPC queries to an AppView
(``https://public.api.bsky.app`` by default). The AppView limits callers by the ``ratelimit-*``
headers; a 429 says when to come back (``ratelimit-reset``, Unix seconds).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from chatmod.sources.http_json import JSONClient
from chatmod.sources.live_url import DEFAULT_APPVIEW
from chatmod.sources.queue import _utc_now

__all__ = ["DEFAULT_APPVIEW", "PROFILES_PER_REQUEST", "AppView", "AppViewError", "RateLimited"]

PROFILES_PER_REQUEST = 25
"""The most actors ``getProfiles`` takes in one request."""
_MAX_BODY = 4 << 20


class AppViewError(Exception):
    """A lookup that could not be answered now (the network, the server); said for people."""


class RateLimited(AppViewError):
    """The AppView's allowance is spent until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"rate limited until {until:%H:%M:%S} UTC")
        self.until = until


class AppView(JSONClient):
    """XRPC queries to the AppView at ``base`` (no account needed)."""

    def __init__(self, base: str = DEFAULT_APPVIEW, *, timeout: float = 10.0,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        super().__init__(timeout=timeout)
        self.base = base.rstrip("/")
        self._clock = clock

    async def resolve_handle(self, handle: str) -> str | None:
        """The DID of ``handle``; None when no account has it."""
        code, body = await self._query("com.atproto.identity.resolveHandle", {"handle": handle.removeprefix("@")})
        if code == 400:
            return None  # {"error": "InvalidRequest", "message": "Unable to resolve handle"}
        did = body.get("did") if code == 200 else None
        if not isinstance(did, str) or not did.startswith("did:"):
            raise AppViewError(f"resolveHandle answered HTTP {code} without a DID")
        return did

    async def handles(self, dids: Sequence[str]) -> dict[str, str]:
        """The verified handles of up to 25 DIDs. A DID missing from the answer has no profile
        (deleted, taken down); one whose handle failed verification (``handle.invalid``) is left out."""
        if len(dids) > PROFILES_PER_REQUEST:
            raise ValueError(f"getProfiles takes at most {PROFILES_PER_REQUEST} actors")
        code, body = await self._query("app.bsky.actor.getProfiles", {"actors": list(dids)})
        profiles = body.get("profiles") if code == 200 else None
        if not isinstance(profiles, list):
            raise AppViewError(f"getProfiles answered HTTP {code} without profiles")
        found: dict[str, str] = {}
        for profile in profiles:
            if isinstance(profile, dict):
                did, handle = profile.get("did"), profile.get("handle")
                if isinstance(did, str) and isinstance(handle, str) and handle and handle != "handle.invalid":
                    found[did] = handle
        return found

    async def _query(self, method: str, params: dict[str, str | list[str]]) -> tuple[int, dict[str, Any]]:
        self.requests += 1
        try:
            async with self._client.stream("GET", f"{self.base}/xrpc/{method}", params=params) as response:
                if response.status_code == 429:
                    raise RateLimited(self._reset(response))
                if response.status_code >= 500:
                    raise AppViewError(f"{method} answered HTTP {response.status_code}")
                body = await _body(response)
                code = response.status_code
        except httpx.HTTPError as error:
            raise AppViewError(f"{method}: {type(error).__name__}{f': {error}' if str(error) else ''}") from None
        try:
            answer = json.loads(body)
        except (ValueError, RecursionError):
            answer = None
        if not isinstance(answer, dict):
            raise AppViewError(f"{method} answered HTTP {code} with something that is not a JSON object")
        return code, answer

    def _reset(self, response: httpx.Response) -> datetime:
        reset = response.headers.get("ratelimit-reset", "")
        if reset.isdigit():
            return datetime.fromtimestamp(int(reset), UTC)
        retry = response.headers.get("Retry-After", "")
        seconds = int(retry) if retry.isdigit() else 60
        return datetime.fromtimestamp(self._clock().timestamp() + seconds, UTC)


async def _body(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > _MAX_BODY:
            raise AppViewError(f"an answer over {_MAX_BODY:,} bytes; refused")
        chunks.append(chunk)
    return b"".join(chunks)
