"""Provides the live Mastodon source: a hashtag's streaming API over a WebSocket.

It connects to ``/api/v1/streaming?stream=hashtag&tag=TAG`` with the user token in an
``Authorization: Bearer`` header (never in the URL: it would end up in logs), decodes each frame
(``update``, ``status.update``, ``delete``; the payload is a JSON string, decoded twice) into the
items every reader gives, and keeps the link up: a dropped connection is retried after a
jittered, capped exponential wait; 401 and 403 stop at once with the setting to fix (retrying a
bad token only hammers the server); keepalive pings find a half-open link. Frames over
``max_frame`` bytes are rejected and counted, and the connection goes on. Every change of the link
is an item too (:class:`ConnectionState`), so the console, logs and summaries can say it.

The stream has no replay, so a reconnect fills the gap from the REST hashtag timeline
(:mod:`chatmod.sources.mastodon_rest`), paging forward from the newest status that came before
the break. While the gap is being filled, what the new stream brings is held back and follows the
filled statuses, so the chat reads in the order it was posted; a status both filled and streamed
is passed on once. The result is what an unbroken stream would have given. If the gap cannot be
filled, a ``gap`` state says which span is missing, and the chat goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from chatmod.core.models import Message, Network, Rejected
from chatmod.formats.base import Item, reject
from chatmod.formats.mastodon import frame_item, status_to_message
from chatmod.sources.backoff import Backoff
from chatmod.sources.base import ConnectionState, Link, SourceItem
from chatmod.sources.live_url import MastodonURL
from chatmod.sources.mastodon_rest import GapError, MastodonREST, id_key
from chatmod.sources.queue import QueueSource, _utc_now

__all__ = ["MAX_FRAME", "MastodonSource"]

MAX_FRAME = 1 << 20
"""Bytes of one frame chatmod reads; a status is a few kilobytes, so a bigger frame is refused."""
_HARD_LIMIT = 16 << 20
"""Past this the WebSocket library closes the connection itself (memory is at stake)."""
_RECENT = 50_000
"""Status ids remembered to pass a status on once when the gap fill and the stream both bring it."""


class MastodonSource(QueueSource):
    """The hashtag stream of ``url``, live. :meth:`start` connects; :meth:`close` lets go."""

    def __init__(
        self,
        url: MastodonURL,
        token: str | None,
        *,
        clock: Callable[[], datetime] = _utc_now,
        backoff: Backoff | None = None,
        max_frame: int = MAX_FRAME,
        ping_interval: float = 20.0,
        ping_timeout: float = 10.0,
        open_timeout: float = 10.0,
        resume_after: str | None = None,
        rest: MastodonREST | None = None,
    ) -> None:
        super().__init__(clock)
        self.url = url
        self._token = token
        self._rest = rest
        self._cursor = resume_after
        """Every status up to this id has been passed on (None: nothing to count from yet)."""
        self._cursor_at: datetime | None = None
        self._gap = resume_after is not None
        """The stream broke (or a run resumes): statuses after the cursor are to be fetched."""
        self._held: list[Item] = []
        self._recent: dict[str, None] = {}
        self._backoff = backoff or Backoff()
        self._max_frame = max_frame
        self._timeouts = (ping_interval, ping_timeout, open_timeout)
        self._task: asyncio.Task[None] | None = None
        self.frames = 0
        self.rejected = 0
        self.filled = 0
        """Statuses the gap fills brought."""
        self.repeats = 0
        """Statuses that came twice (filled and streamed) and were passed on once."""
        self.failure: str | None = None
        """Why the source stopped for good (a refused token, a missing tag), or None."""

    network = Network.MASTODON

    @property
    def label(self) -> str:
        return f"mastodon {self.url.host}/{self.url.tag}"

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"chatmod {self.label}")

    @property
    def key(self) -> str:
        port = f":{self.url.port}" if self.url.port else ""
        return f"mastodon://{self.url.host.lower()}{port}/{self.url.tag.casefold()}"

    def resume_point(self, items: Sequence[SourceItem]) -> str | None:
        # Statuses are handed on in id order (a gap's fill before what the stream held), so the
        # newest new status handed on is where nothing before is missing.
        ids = [item.id for item in items if type(item) is Message and not item.edited]
        return max(ids, key=id_key) if ids else None

    @property
    def cursor(self) -> str | None:
        """The newest status id up to which nothing is missing: where a later run resumes."""
        return self._cursor

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._rest is not None:
            await self._rest.aclose()
        self.end()

    def _state(self, link: Link, detail: str = "") -> None:
        self.push([ConnectionState(link, detail)])

    def _fail(self, reason: str) -> None:
        self.failure = reason
        self._state(Link.FAILED, reason)
        self.end()

    async def _run(self) -> None:
        if not self._token:
            self._fail("no token: Mastodon's hashtag streams need a user token (--token, or CHATMOD_TOKEN)")
            return
        if self._rest is None:
            self._rest = MastodonREST(self.url, self._token)
        ping_interval, ping_timeout, open_timeout = self._timeouts
        while True:
            self._state(Link.CONNECTING, self.url.host)
            try:
                async with connect(
                    self.url.streaming(),
                    additional_headers={"Authorization": f"Bearer {self._token}"},
                    max_size=_HARD_LIMIT,
                    ping_interval=ping_interval,
                    ping_timeout=ping_timeout,
                    open_timeout=open_timeout,
                    user_agent_header="chatmod",
                ) as socket:
                    self._state(Link.LIVE, self.url.host)
                    catch_up = asyncio.create_task(self._fill() if self._gap else self._anchor())
                    try:
                        await self._read(socket)
                    finally:
                        catch_up.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await catch_up
                    reason = "the server closed the stream"
            except InvalidStatus as error:
                status = error.response.status_code
                message = error.response.headers.get("X-Error-Message", "")
                if status in (401, 403):
                    self._fail(f"the server refused the token ({status}{': ' + message if message else ''}); "
                               "check --token or CHATMOD_TOKEN (a user token with read:statuses)")
                    return
                if status in (400, 404):
                    self._fail(f"{self.url.host} has no streaming API here ({status}); is it a Mastodon server?")
                    return
                reason = f"HTTP {status}"
            except ConnectionClosed as error:
                code = error.rcvd.code if error.rcvd is not None else 1006
                reason = f"connection lost (close code {code})"
            except (OSError, InvalidHandshake, TimeoutError) as error:
                reason = f"cannot connect: {error}" if str(error) else f"cannot connect: {type(error).__name__}"
            except _Refused as error:
                self._fail(str(error))
                return
            self._gap = self._gap or self._cursor is not None
            delay = self._backoff.next()
            self._state(Link.RECONNECTING, f"{reason}; again in {delay:.0f} s")
            await asyncio.sleep(delay)

    async def _read(self, socket: ClientConnection) -> None:
        async for frame in socket:
            self.frames += 1
            if self.frames == 1:
                self._backoff.reset()  # the link held long enough to speak: short waits again
            # Text frames are counted in characters; only a long one needs its UTF-8 size.
            size = len(frame) if isinstance(frame, bytes) or len(frame) * 4 <= self._max_frame else len(frame.encode())
            if size > self._max_frame:
                self.rejected += 1
                self.push([reject(f"<{size:,}-byte frame>", f"frame over {self._max_frame:,} bytes",
                                  self.label, self.frames)])
                continue
            try:
                obj = json.loads(frame)
            except (ValueError, RecursionError):
                self.rejected += 1
                self.push([reject(frame if isinstance(frame, str) else repr(frame[:200]), "frame is not JSON",
                                  self.label, self.frames)])
                continue
            if isinstance(obj, dict) and "error" in obj and "event" not in obj:
                # The subscription itself failed ("Missing tag name parameter"): retrying cannot help.
                raise _Refused(f"the server refused the subscription: {str(obj.get('error'))[:200]}")
            item = frame_item(obj, self.label, self.frames)
            if item is None:
                continue
            self.rejected += isinstance(item, Rejected)
            if self._gap:
                self._held.append(item)  # after the filled statuses, in the order posted
            else:
                self._pass_on([item])

    def _pass_on(self, items: list[Item]) -> int:
        """Push ``items``, a status that was already passed on left out; how many messages went."""
        fresh: list[Item] = []
        recent = self._recent
        for item in items:
            if type(item) is Message and not item.edited:
                if item.id in recent:
                    self.repeats += 1
                    continue
                recent[item.id] = None
                if len(recent) > _RECENT:
                    del recent[next(iter(recent))]
                if self._cursor is None or id_key(item.id) > id_key(self._cursor):
                    self._cursor, self._cursor_at = item.id, item.created_at
            fresh.append(item)
        if fresh:
            self.push(fresh)
        return sum(type(item) is Message for item in fresh)

    async def _anchor(self) -> None:
        """Learn the newest status id before anything streams, so a break that comes before the
        first status still knows where to fill from."""
        assert self._rest is not None
        with contextlib.suppress(GapError):
            newest = await self._rest.newest(self._rest.tag_path())
            if newest is not None and self._cursor is None:
                self._cursor = newest

    async def _fill(self) -> None:
        assert self._rest is not None and self._cursor is not None
        since = self._cursor_at
        count = 0
        try:
            async for page in self._rest.after(self._rest.tag_path(), self._cursor):
                items = [status_to_message(status, self.label, 0, edited=bool(status.get("edited_at")))
                         for status in page]
                self.rejected += sum(isinstance(item, Rejected) for item in items)
                passed = self._pass_on(items)
                count += passed
                self.filled += passed
                # The cursor moves over the whole page, rejected statuses too: they are not missing.
                if id_key(page[-1]["id"]) > id_key(self._cursor):
                    self._cursor = page[-1]["id"]
        except GapError as error:
            self._state(Link.GAP, f"{_span(since, self._first_held())}: {error}")
        else:
            self._state(Link.GAP_FILLED, f"{count} message{'' if count == 1 else 's'}")
        held, self._held = self._held, []
        self._gap = False
        self._pass_on(held)

    def _first_held(self) -> datetime | None:
        return next((item.created_at for item in self._held if type(item) is Message), None)


class _Refused(Exception):
    """The server said no in a way a retry cannot change."""


def _span(start: datetime | None, end: datetime | None) -> str:
    """The stretch of the chat a failed fill leaves out, for people."""
    if start is None and end is None:
        return "messages posted while disconnected are missing"
    if start is None:
        return f"messages before {end:%H:%M:%S} UTC are missing"
    if end is None:
        return f"messages after {start:%H:%M:%S} UTC are missing"
    return f"messages between {start:%H:%M:%S} and {end:%H:%M:%S} UTC are missing"
