"""A Mastodon streaming server on 127.0.0.1 that speaks the protocol as formats.md §1 documents it.

The upgrade is accepted on ``/api/v1/streaming`` only, with a token in one of the three places
Mastodon reads it (``Authorization: Bearer``, ``access_token``, ``Sec-WebSocket-Protocol``); a
refused upgrade is a plain HTTP answer with ``X-Error-Message``. The hashtag subscription comes in
the query or as a JSON ``subscribe`` frame; frames are ``{"stream", "event", "payload"}`` with the
status as a JSON *string*. It misbehaves on demand: reset without a close frame, close with a code,
send anything raw.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response


@dataclass
class FakeMastodon:
    tokens: set[str] = field(default_factory=lambda: {"good-token"})
    status_for_upgrade: int | None = None
    """Answer every upgrade with this HTTP status instead (503, 401...)."""
    connections: list[ServerConnection] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    server: Server | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def __aenter__(self) -> Self:
        self.server = await serve(self._handle, "127.0.0.1", 0, process_request=self._upgrade,
                                  ping_interval=30, max_size=1 << 24)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    def _token(self, request: Request) -> str | None:
        auth = request.headers.get("Authorization")
        if auth:
            return auth.removeprefix("Bearer ")
        query = parse_qs(urlsplit(request.path).query)
        return (query.get("access_token") or [None])[0] or request.headers.get("Sec-WebSocket-Protocol")

    def _upgrade(self, connection: ServerConnection, request: Request) -> Response | None:
        self.requests.append(request)
        if urlsplit(request.path).path != "/api/v1/streaming":
            return _refuse(404, "Not found")
        if self.status_for_upgrade is not None:
            return _refuse(self.status_for_upgrade, "Refused on purpose")
        token = self._token(request)
        if token is None:
            return _refuse(401, "Missing access token")
        if token not in self.tokens:
            return _refuse(401, "Invalid access token")
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        self.connections.append(connection)
        query = parse_qs(urlsplit(connection.request.path).query)  # type: ignore[union-attr]
        if query.get("stream") == ["hashtag"]:
            if not query.get("tag"):
                await connection.send(json.dumps({"error": "Missing tag name parameter", "status": 400}))
            else:
                self.subscribed.set()
        async for message in connection:
            if isinstance(message, bytes):
                await connection.close(1003, "does not support binary messages")
                return
            try:
                frame = json.loads(message)
            except ValueError:
                continue
            if frame.get("type") == "subscribe" and frame.get("stream") == "hashtag":
                self.subscribed.set()

    @property
    def live(self) -> ServerConnection:
        return self.connections[-1]

    async def update(self, status: dict[str, Any], tag: str, event: str = "update") -> None:
        await self.live.send(json.dumps({"stream": ["hashtag", tag], "event": event, "payload": json.dumps(status)}))

    async def delete(self, status_id: str, tag: str) -> None:
        await self.live.send(json.dumps({"stream": ["hashtag", tag], "event": "delete", "payload": status_id}))

    async def raw(self, text: str) -> None:
        await self.live.send(text)

    def reset(self) -> None:
        """Drop the TCP connection with no close frame (a reset mid-stream)."""
        self.live.transport.abort()


def _refuse(status: int, message: str) -> Response:
    body = f"{status} {HTTPStatus(status).phrase}\n".encode()
    headers = Headers([("Connection", "close"), ("X-Error-Message", message), ("Content-Type", "text/plain"),
                       ("Content-Length", str(len(body)))])
    return Response(status, HTTPStatus(status).phrase, headers, body)


def status(ident: str, text: str, tag: str = "edchat", author: str = "bob", **extra: Any) -> dict[str, Any]:
    """A Status entity as the streaming API sends it."""
    return {
        "id": ident, "created_at": "2026-12-03T18:00:00.000Z", "in_reply_to_id": None,
        "in_reply_to_account_id": None, "url": f"https://example.social/@{author}/{ident}",
        "account": {"id": f"id-{author}", "username": author, "acct": author, "display_name": author.title()},
        "content": f"<p>{text} <a href=\"https://example.social/tags/{tag}\" class=\"mention hashtag\">#<span>{tag}</span></a></p>",
        "mentions": [], "tags": [{"name": tag, "url": f"https://example.social/tags/{tag}"}],
        "reblog": None, "edited_at": None, **extra,
    }
