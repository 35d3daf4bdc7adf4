"""A Jetstream v1 server on 127.0.0.1 that speaks the protocol as formats.md §2 documents it.

``/subscribe`` only; ``wantedCollections`` (repeatable) filters commits, identity and account
events always go out; ``cursor`` (unix µs) replays retained events from it, *inclusive*, then the
live tail; a cursor older than what is retained is silently clamped to the oldest retained event,
as v1 does. Frames are JSON text. It misbehaves on demand: reset without a close frame, send
anything raw, forget old events, drop each connection after N frames, close idle connections,
bury the chat in the network's identity events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

POST = "app.bsky.feed.post"


@dataclass
class _Client:
    connection: ServerConnection
    collections: set[str]
    queue: asyncio.Queue[dict[str, Any] | str | None] = field(default_factory=asyncio.Queue)


@dataclass
class FakeJetstream:
    events: list[dict[str, Any]] = field(default_factory=list)
    """Retained events, oldest first."""
    requests: list[Request] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    server: Server | None = None
    refuse: int | None = None
    """An HTTP status to answer every upgrade with (503: the server is down for a while)."""
    cut_after: int | None = None
    """Drop each connection (no close frame) once it has carried this many frames."""
    idle_close: float | None = None
    """Close a connection that has carried no frame for this many seconds (a proxy's timeout)."""
    identity_firehose: int = 0
    """Identity events of people nothing to do with the chat published before each event (the
    whole network's handle changes come to every subscriber)."""
    _clients: list[_Client] = field(default_factory=list)
    _strangers: int = 0

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def __aenter__(self) -> Self:
        self.server = await serve(self._handle, "127.0.0.1", 0, process_request=self._check, max_size=1 << 24)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        for client in self._clients:
            client.queue.put_nowait(None)  # a handler waiting for the next event ends
        self.server.close()
        await self.server.wait_closed()

    def _check(self, connection: ServerConnection, request: Request) -> Response | None:
        self.requests.append(request)
        if urlsplit(request.path).path != "/subscribe":
            body = b"404 page not found\n"
            return Response(404, "Not Found", Headers([("Content-Length", str(len(body)))]), body)
        if self.refuse is not None:
            body = b"unavailable\n"
            return Response(self.refuse, "Unavailable", Headers([("Content-Length", str(len(body)))]), body)
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        query = parse_qs(urlsplit(connection.request.path).query)  # type: ignore[union-attr]
        client = _Client(connection, set(query.get("wantedCollections", [])))
        cursor = int(query["cursor"][0]) if query.get("cursor") else None
        if cursor is not None and self.events and cursor < self.events[0]["time_us"]:
            cursor = self.events[0]["time_us"]  # v1 clamps a too-old cursor, silently
        backlog = [e for e in self.events if cursor is not None and e["time_us"] >= cursor]
        self._clients.append(client)
        self.connected.set()
        last = 0
        carried = 0

        async def send(text: str) -> None:
            nonlocal carried
            await connection.send(text)
            carried += 1
            if self.cut_after is not None and carried >= self.cut_after:
                connection.transport.abort()
                raise ConnectionClosed(None, None)

        try:
            for event in backlog:
                if self._wanted(client, event):
                    await send(json.dumps(event))
                    last = event["time_us"]
            while True:
                try:
                    item = await asyncio.wait_for(client.queue.get(), self.idle_close)
                except TimeoutError:
                    await connection.close(1001, "idle timeout")
                    return
                if item is None:
                    return
                if isinstance(item, str):
                    await send(item)
                elif item["time_us"] > last and self._wanted(client, item):
                    await send(json.dumps(item))
        except ConnectionClosed:
            pass
        finally:
            self._clients.remove(client)

    @staticmethod
    def _wanted(client: _Client, event: dict[str, Any]) -> bool:
        if event.get("kind") != "commit" or not client.collections:
            return True
        return event["commit"]["collection"] in client.collections

    def publish(self, *events: dict[str, Any]) -> None:
        """Events that happen now: retained, and sent to every client that wants them."""
        for event in events:
            for before in range(self.identity_firehose, 0, -1):  # each its own microsecond, in order
                self._strangers += 1
                self._put(identity(f"did:plc:stranger{self._strangers}", f"s{self._strangers}.bsky.social",
                                   event["time_us"] - before))
            self._put(event)

    def _put(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        for client in self._clients:
            client.queue.put_nowait(event)

    def raw(self, text: str) -> None:
        for client in self._clients:
            client.queue.put_nowait(text)

    def forget_before(self, stamp: int) -> None:
        """Events older than ``stamp`` are no longer retained (the 36-hour window moved on)."""
        self.events = [e for e in self.events if e["time_us"] >= stamp]

    def reset(self) -> None:
        """Drop every connection with no close frame."""
        for client in list(self._clients):
            with contextlib.suppress(Exception):
                client.connection.transport.abort()


def post(did: str, rkey: str, text: str, stamp: int, *, tags: tuple[str, ...] = (), reply_to: str | None = None,
         mentions: tuple[tuple[str, str], ...] = (), rev: str = "3aaa") -> dict[str, Any]:
    """An ``app.bsky.feed.post`` create commit; a facet for each ``#tag`` and ``@handle`` (with
    ``mentions``' DIDs) in ``text``, at their UTF-8 byte offsets."""
    data = text.encode()
    facets = []
    for word in text.split():
        if word.startswith(("#", "@")):
            start = data.index(word.encode())
            end = start + len(word.encode())
            if word.startswith("#"):
                feature = {"$type": "app.bsky.richtext.facet#tag", "tag": word[1:]}
            else:
                did_of = dict(mentions).get(word[1:])
                if did_of is None:
                    continue
                feature = {"$type": "app.bsky.richtext.facet#mention", "did": did_of}
            facets.append({"index": {"byteStart": start, "byteEnd": end}, "features": [feature]})
    record: dict[str, Any] = {"$type": POST, "createdAt": "2026-12-03T18:00:00.000Z", "langs": ["en"], "text": text}
    if facets:
        record["facets"] = facets
    if tags:
        record["tags"] = list(tags)
    if reply_to is not None:
        ref = {"cid": "bafyreifake", "uri": reply_to}
        record["reply"] = {"parent": ref, "root": ref}
    return {"did": did, "time_us": stamp, "kind": "commit",
            "commit": {"rev": rev, "operation": "create", "collection": POST, "rkey": rkey, "record": record,
                       "cid": "bafyreifake"}}


def repost(did: str, rkey: str, subject: str, stamp: int) -> dict[str, Any]:
    """An ``app.bsky.feed.repost`` create commit of the post at ``subject``."""
    record = {"$type": "app.bsky.feed.repost", "createdAt": "2026-12-03T18:00:00.000Z",
              "subject": {"cid": "bafyreifake", "uri": subject}}
    return {"did": did, "time_us": stamp, "kind": "commit",
            "commit": {"rev": "3bbb", "operation": "create", "collection": "app.bsky.feed.repost", "rkey": rkey,
                       "record": record, "cid": "bafyreifake"}}


def delete(did: str, rkey: str, stamp: int) -> dict[str, Any]:
    return {"did": did, "time_us": stamp, "kind": "commit",
            "commit": {"rev": "3zzz", "operation": "delete", "collection": POST, "rkey": rkey}}


def identity(did: str, handle: str, stamp: int) -> dict[str, Any]:
    return {"did": did, "time_us": stamp, "kind": "identity",
            "identity": {"did": did, "handle": handle, "seq": 1, "time": "2026-12-03T18:00:00.000Z"}}
