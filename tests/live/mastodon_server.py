"""A Mastodon streaming server on 127.0.0.1 that speaks the protocol as formats.md §1 documents it.

The upgrade is accepted on ``/api/v1/streaming`` only, with a token in one of the three places
Mastodon reads it (``Authorization: Bearer``, ``access_token``, ``Sec-WebSocket-Protocol``); a
refused upgrade is a plain HTTP answer with ``X-Error-Message``. The hashtag subscription comes in
the query or as a JSON ``subscribe`` frame; frames are ``{"stream", "event", "payload"}`` with the
status as a JSON *string*. It misbehaves on demand: reset without a close frame, close with a code,
send anything raw, drop each connection after N frames, close idle connections.

The REST side (formats.md §1, reliability.md §5) serves the hashtag timeline and the mention
notifications as Mastodon does: newest first, ``limit`` at most 40, ``max_id``/``since_id``/
``min_id`` (the oldest page after it), ``Link`` headers for the next and previous pages, and the
``X-RateLimit-*`` headers of a 300-request allowance; a spent allowance answers 429. Any REST
answer can be forced (503, 401...) with :attr:`FakeMastodon.rest_failures`.

``verify_credentials`` names each token's account (:attr:`FakeMastodon.accounts`); a connection
that subscribes to ``user:notification`` (query or JSON frame) gets that account's ``notification``
frames, the Notification entity as a JSON string like every payload (:meth:`FakeMastodon.mention`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
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
    timeline: list[dict[str, Any]] = field(default_factory=list)
    """Every status the server has, whether or not a stream carried it."""
    notifications: list[dict[str, Any]] = field(default_factory=list)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The account behind each token (verify_credentials); a token not listed is "someone"."""
    notified: list[ServerConnection] = field(default_factory=list)
    """Connections subscribed to user:notification."""
    notifying: asyncio.Event = field(default_factory=asyncio.Event)
    rest_requests: list[Request] = field(default_factory=list)
    rest_failures: list[int] = field(default_factory=list)
    """HTTP statuses the next REST requests get instead of their answer, in order."""
    limit: int = 300
    reset_after: float = 300.0
    """Seconds the allowance lasts from the first request of its window (X-RateLimit-Reset)."""
    allowance: int = 300
    refused_for_rate: int = 0
    """Requests answered 429 because the allowance was spent."""
    cut_after: int | None = None
    """Drop each connection (no close frame) once it has carried this many frames, as a flaky
    proxy or a restarting server does."""
    idle_close: float | None = None
    """Close a connection that has carried no frame for this many seconds, as a proxy's idle
    timeout does (30 s on many; shorter in tests)."""
    _window_ends: datetime | None = None
    _carried: dict[int, int] = field(default_factory=dict)
    _last_frame: dict[int, float] = field(default_factory=dict)

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
        path = urlsplit(request.path).path
        if path.startswith(("/api/v1/timelines/tag/", "/api/v1/notifications", "/api/v1/accounts/")):
            return self._rest(request)
        self.requests.append(request)
        if path != "/api/v1/streaming":
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
        self._last_frame[id(connection)] = asyncio.get_running_loop().time()
        watchdog = asyncio.create_task(self._close_when_idle(connection)) if self.idle_close else None
        try:
            await self._serve(connection)
        finally:
            if watchdog is not None:
                watchdog.cancel()

    async def _close_when_idle(self, connection: ServerConnection) -> None:
        assert self.idle_close is not None
        loop = asyncio.get_running_loop()
        while True:
            idle = loop.time() - self._last_frame[id(connection)]
            if idle >= self.idle_close:
                await connection.close(1001, "idle timeout")
                return
            await asyncio.sleep(self.idle_close - idle)

    async def send(self, connection: ServerConnection, frame: str) -> None:
        """One frame on ``connection`` (gone: nothing), cut or timed as the server misbehaves."""
        with contextlib.suppress(ConnectionClosed):
            await connection.send(frame)
        key = id(connection)
        self._last_frame[key] = asyncio.get_running_loop().time()
        self._carried[key] = self._carried.get(key, 0) + 1
        if self.cut_after is not None and self._carried[key] >= self.cut_after:
            connection.transport.abort()

    async def _serve(self, connection: ServerConnection) -> None:
        query = parse_qs(urlsplit(connection.request.path).query)  # type: ignore[union-attr]
        if query.get("stream") == ["user:notification"]:
            self._notify(connection)
        if query.get("stream") == ["hashtag"]:
            if not query.get("tag"):
                await connection.send(json.dumps({"error": "Missing tag name parameter", "status": 400}))
            else:
                self.subscribed.set()
        with contextlib.suppress(ConnectionClosed):  # a reset on purpose is no server failure
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
                elif frame.get("type") == "subscribe" and frame.get("stream") == "user:notification":
                    self._notify(connection)
                elif frame.get("type") == "subscribe":
                    await connection.send(json.dumps({"error": "Unknown stream type", "status": 400}))

    def _notify(self, connection: ServerConnection) -> None:
        if connection not in self.notified:
            self.notified.append(connection)
        self.notifying.set()

    def _rest(self, request: Request) -> Response:
        self.rest_requests.append(request)
        parts = urlsplit(request.path)
        query = parse_qs(parts.query)
        now = datetime.now(UTC)
        if self._window_ends is None or now >= self._window_ends:
            self.allowance, self._window_ends = self.limit, now + timedelta(seconds=self.reset_after)
        reset = self._window_ends.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        rate = [("X-RateLimit-Limit", str(self.limit)), ("X-RateLimit-Reset", reset)]
        if self.rest_failures:
            code = self.rest_failures.pop(0)
            return _json(code, {"error": HTTPStatus(code).phrase}, [*rate, ("X-RateLimit-Remaining", str(self.allowance))])
        if self.allowance <= 0:
            self.refused_for_rate += 1
            return _json(429, {"error": "Too many requests"}, [*rate, ("X-RateLimit-Remaining", "0")])
        self.allowance -= 1
        rate.append(("X-RateLimit-Remaining", str(self.allowance)))
        auth = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if (auth or (query.get("access_token") or [""])[0]) not in self.tokens:
            return _json(401, {"error": "The access token is invalid"}, rate)
        if parts.path == "/api/v1/accounts/verify_credentials":
            account = self.accounts.get(auth or query["access_token"][0], _account("someone"))
            return _json(200, account, rate)
        if parts.path.startswith("/api/v1/accounts/"):
            return _json(404, {"error": "Record not found"}, rate)
        if parts.path.startswith("/api/v1/notifications"):
            wanted = set(query.get("types[]", []))
            entries = [n for n in self.notifications if not wanted or n["type"] in wanted]
        else:
            tag = unquote(parts.path.rsplit("/", 1)[1]).lower()
            entries = [s for s in self.timeline if any(t["name"].lower() == tag for t in s.get("tags", []))]
        page = _page(entries, query)
        links = []
        if page:
            base = f"http://127.0.0.1:{self.port}{parts.path}"
            links.append(("Link", (f'<{base}?{urlencode({"max_id": page[-1]["id"]})}>; rel="next", '
                                  f'<{base}?{urlencode({"min_id": page[0]["id"]})}>; rel="prev"')))
        return _json(200, page, [*rate, *links])

    def post(self, entry: dict[str, Any]) -> None:
        """A status is posted while no stream is there to carry it (it is only in the timeline)."""
        self.timeline.append(entry)

    async def mention(self, entry: dict[str, Any], *, stream: bool = True, kind: str = "mention") -> None:
        """``entry`` mentions the token's account: a notification, sent to the subscribed
        connections (``stream``) and listed by the notifications endpoint either way."""
        number = len(self.notifications) + 1
        notification = {"id": str(1000 + number), "type": kind, "created_at": entry["created_at"],
                        "account": entry["account"], "status": entry}
        self.notifications.append(notification)
        if stream:
            frame = json.dumps({"stream": ["user:notification"], "event": "notification",
                                "payload": json.dumps(notification)})
            for connection in self.notified:
                await self.send(connection, frame)

    @property
    def live(self) -> ServerConnection:
        return self.connections[-1]

    async def update(self, status: dict[str, Any], tag: str, event: str = "update") -> None:
        if event == "update":
            if all(s["id"] != status["id"] for s in self.timeline):
                self.timeline.append(status)
        else:
            self.timeline = [status if s["id"] == status["id"] else s for s in self.timeline]
        await self.send(self.live, json.dumps({"stream": ["hashtag", tag], "event": event, "payload": json.dumps(status)}))

    async def delete(self, status_id: str, tag: str) -> None:
        self.timeline = [s for s in self.timeline if s["id"] != status_id]
        await self.send(self.live, json.dumps({"stream": ["hashtag", tag], "event": "delete", "payload": status_id}))

    async def raw(self, text: str) -> None:
        await self.send(self.live, text)

    def go_silent(self) -> None:
        """Stop reading the connection: pings go unanswered, as on a half-open link."""
        self.live.transport.pause_reading()

    def reset(self) -> None:
        """Drop the TCP connection with no close frame (a reset mid-stream)."""
        self.live.transport.abort()


def _refuse(status: int, message: str) -> Response:
    body = f"{status} {HTTPStatus(status).phrase}\n".encode()
    headers = Headers([("Connection", "close"), ("X-Error-Message", message), ("Content-Type", "text/plain"),
                       ("Content-Length", str(len(body)))])
    return Response(status, HTTPStatus(status).phrase, headers, body)


def _key(ident: str) -> tuple[int, str]:
    return len(ident), ident


def _page(entries: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Mastodon's paging: ids past since_id/min_id and before max_id; min_id takes the oldest
    ``limit`` after it, the others the newest; always answered newest first."""
    def arg(name: str) -> str | None:
        return (query.get(name) or [None])[0]

    limit = min(int(arg("limit") or 20), 40)
    chosen = sorted(entries, key=lambda e: _key(e["id"]))
    for name, keep in (("max_id", lambda k, v: k < v), ("since_id", lambda k, v: k > v),
                       ("min_id", lambda k, v: k > v)):
        bound = arg(name)
        if bound is not None:
            chosen = [e for e in chosen if keep(_key(e["id"]), _key(bound))]
    chosen = chosen[:limit] if arg("min_id") is not None else chosen[-limit:]
    return chosen[::-1]


def _json(code: int, body: Any, headers: list[tuple[str, str]]) -> Response:
    data = json.dumps(body).encode()
    return Response(code, HTTPStatus(code).phrase,
                    Headers([("Content-Type", "application/json; charset=utf-8"), ("Connection", "close"),
                             ("Content-Length", str(len(data))), *headers]), data)


def _account(name: str) -> dict[str, Any]:
    return {"id": f"id-{name}", "username": name, "acct": name, "display_name": name.title()}


def status(ident: str, text: str, tag: str | None = "edchat", author: str = "bob", **extra: Any) -> dict[str, Any]:
    """A Status entity as the streaming API sends it (``tag=None``: one without the hashtag)."""
    link = f" <a href=\"https://example.social/tags/{tag}\" class=\"mention hashtag\">#<span>{tag}</span></a>"
    return {
        "id": ident, "created_at": "2026-12-03T18:00:00.000Z", "in_reply_to_id": None,
        "in_reply_to_account_id": None, "url": f"https://example.social/@{author}/{ident}",
        "account": _account(author),
        "content": f"<p>{text}{link if tag else ''}</p>",
        "mentions": [], "tags": [{"name": tag, "url": f"https://example.social/tags/{tag}"}] if tag else [],
        "reblog": None, "edited_at": None, **extra,
    }


def reply_to_host(ident: str, text: str, parent: dict[str, Any], host: str = "host", author: str = "carol",
                  tag: str | None = None) -> dict[str, Any]:
    """``author`` answers ``parent`` (a status of ``host``), mentioning the host, by default
    without the hashtag."""
    return status(ident, f"@{host} {text}", tag=tag, author=author, in_reply_to_id=parent["id"],
                  in_reply_to_account_id=parent["account"]["id"],
                  mentions=[{"id": f"id-{host}", "username": host, "acct": host, "url": f"https://example.social/@{host}"}])
