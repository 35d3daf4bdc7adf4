"""A Bluesky AppView on 127.0.0.1 that answers the two XRPC queries chatmod makes, as the public
AppView does.

``GET /xrpc/com.atproto.identity.resolveHandle?handle=H`` → ``{"did": …}``, or 400
``{"error": "InvalidRequest", "message": "Unable to resolve handle"}``. ``GET
/xrpc/app.bsky.actor.getProfiles?actors=A&actors=B`` (at most 25) → ``{"profiles": [...]}``
with the actors it knows (others are left out), and 400 past 25. Every answer carries
``ratelimit-limit``, ``ratelimit-remaining``, ``ratelimit-reset`` (Unix seconds) and
``ratelimit-policy``; a spent allowance is a 429 ``RateLimitExceeded``. It misbehaves on
demand: fail the next N requests with a status, answer slowly, or hang.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response


@dataclass
class FakeAppView:
    people: dict[str, str] = field(default_factory=dict)
    """DID → handle; a handle of ``handle.invalid`` is one that failed verification."""
    limit: int = 3000
    """Requests allowed per window (the public AppView's policy is per 5 minutes)."""
    window: int = 300
    failing: list[int] = field(default_factory=list)
    """Statuses to answer the next requests with, one each, before answering properly."""
    delay: float = 0.0
    """Seconds before each answer (a slow AppView)."""
    profile_batches: list[list[str]] = field(default_factory=list)
    """The actors of each getProfiles request, in order."""
    resolved: list[str] = field(default_factory=list)
    """The handles asked for by resolveHandle."""
    server: Server | None = None
    _used: int = 0
    _window_ends: float = 0.0

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aenter__(self) -> Self:
        self.server = await serve(self._never, "127.0.0.1", 0, process_request=self._answer)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _never(self, connection: ServerConnection) -> None:
        await connection.close(1008, "not a websocket endpoint")

    async def _answer(self, connection: ServerConnection, request: Request) -> Response:
        if self.delay:
            await asyncio.sleep(self.delay)
        parts = urlsplit(request.path)
        query = parse_qs(parts.query)
        now = time.time()
        if now >= self._window_ends:
            self._used, self._window_ends = 0, now + self.window
        self._used += 1
        rate = [("ratelimit-limit", str(self.limit)), ("ratelimit-remaining", str(max(0, self.limit - self._used))),
                ("ratelimit-reset", str(int(self._window_ends))), ("ratelimit-policy", f"{self.limit};w={self.window}")]
        if self._used > self.limit:
            return _json(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, rate)
        if self.failing:
            code = self.failing.pop(0)
            return _json(code, {"error": "InternalServerError", "message": "Internal Server Error"}, rate)
        if parts.path == "/xrpc/com.atproto.identity.resolveHandle":
            handle = (query.get("handle") or [""])[0]
            self.resolved.append(handle)
            did = next((d for d, h in self.people.items() if h.casefold() == handle.casefold()), None)
            if did is None:
                return _json(400, {"error": "InvalidRequest", "message": "Unable to resolve handle"}, rate)
            return _json(200, {"did": did}, rate)
        if parts.path == "/xrpc/app.bsky.actor.getProfiles":
            actors = query.get("actors", [])
            if not actors or len(actors) > 25:
                return _json(400, {"error": "InvalidRequest",
                                   "message": "Error: actors must not have more than 25 elements"}, rate)
            self.profile_batches.append(actors)
            profiles = [{"did": did, "handle": self.people[did], "displayName": self.people[did].split(".")[0].title(),
                         "followersCount": 3, "followsCount": 5, "postsCount": 40, "labels": []}
                        for did in actors if did in self.people]
            return _json(200, {"profiles": profiles}, rate)
        return _json(501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}, rate)


def _json(code: int, body: Any, headers: list[tuple[str, str]]) -> Response:
    data = json.dumps(body).encode()
    return Response(code, HTTPStatus(code).phrase,
                    Headers([("Content-Type", "application/json; charset=utf-8"), ("Connection", "close"),
                             ("Content-Length", str(len(data))), *headers]), data)
