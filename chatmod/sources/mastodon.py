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

The balls that forgot the hashtag: people reply to the host without it, so the hashtag stream
never shows them. When the token is a host-team account's, the source also subscribes (on the
same socket) to that account's ``user:notification`` stream and keeps each mention that replies
to a status of the chat, marked ``untagged``; a gap in it is filled from
``/api/v1/notifications?types[]=mention`` the same way. Mentions that reply to nothing in the
chat (a conversation elsewhere) are passed over: the chat is not the host's whole inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from chatmod.core.handles import HostTeam
from chatmod.core.hashtag import carries_tag
from chatmod.core.models import Message, Network, Rejected
from chatmod.formats.base import Item, reject
from chatmod.formats.mastodon import frame_item, status_to_message
from chatmod.sources.backoff import Backoff
from chatmod.sources.base import Capabilities, ConnectionState, Link, SourceItem
from chatmod.sources.link_errors import closed_reason, connect_reason
from chatmod.sources.live_url import MastodonURL
from chatmod.sources.mastodon_rest import GapError, MastodonREST, id_key
from chatmod.sources.queue import NETWORK_LATENESS, QueueSource, _utc_now

__all__ = ["MAX_FRAME", "MastodonSource"]

MAX_FRAME = 1 << 20
"""Bytes of one frame chatmod reads; a status is a few kilobytes, so a bigger frame is refused."""
_HARD_LIMIT = 16 << 20
"""Past this the WebSocket library closes the connection itself (memory is at stake)."""
_RECENT = 50_000
"""Status ids remembered to pass a status on once when the gap fill and the stream both bring it."""


class MastodonSource(QueueSource):
    """The hashtag stream of ``url``, live. :meth:`start` connects; :meth:`close` lets go."""

    capabilities = Capabilities(live=True, lateness=NETWORK_LATENESS)

    def __init__(
        self,
        url: MastodonURL,
        token: str | None,
        *,
        clock: Callable[[], datetime] = _utc_now,
        backoff: Backoff | None = None,
        max_frame: int = MAX_FRAME,
        ping_interval: float = 15.0,
        ping_timeout: float = 10.0,
        open_timeout: float = 10.0,
        close_timeout: float = 5.0,
        resume_after: str | None = None,
        rest: MastodonREST | None = None,
        team: Iterable[str] = (),
    ) -> None:
        super().__init__(clock)
        self.url = url
        self._token = token
        self._rest = rest
        self._team = HostTeam(team)
        self._tagged = carries_tag(url.tag)
        self.account: str | None = None
        """The token's account (``acct``), once asked."""
        self.mentions: bool | None = None
        """Whether the account's mentions are followed (it is on the host team); None: not known yet."""
        self._mentions_cursor: str | None = None
        """Every mention notification up to this id has been seen."""
        self._cursor = resume_after
        """Every status up to this id has been passed on (None: nothing to count from yet)."""
        self._cursor_at: datetime | None = None
        self._gap = resume_after is not None
        """The stream broke (or a run resumes): statuses after the cursor are to be fetched."""
        self._held: list[Item | _Mention] = []
        self._recent: dict[str, None] = {}
        self._backoff = backoff or Backoff()
        self._max_frame = max_frame
        # A link that stops answering is given up on within 30 s: the next ping, its pong's
        # timeout, and the close handshake's (a dead peer never answers the close frame).
        self._timeouts = (ping_interval, ping_timeout, open_timeout, close_timeout)
        self._task: asyncio.Task[None] | None = None
        self.frames = 0
        self.rejected = 0
        self.filled = 0
        """Statuses the gap fills brought."""
        self.repeats = 0
        """Statuses that came twice (filled and streamed) and were passed on once."""
        self.untagged = 0
        """Mentions of the host team without the hashtag kept for the chat."""
        self.elsewhere = 0
        """Mentions passed over: they reply to nothing in the chat."""
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
        ping_interval, ping_timeout, open_timeout, close_timeout = self._timeouts
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
                    close_timeout=close_timeout,
                    user_agent_header="chatmod",
                ) as socket:
                    if self.mentions is None and self._team:
                        await self._ask_account()
                    if self.mentions:
                        await socket.send(json.dumps({"type": "subscribe", "stream": "user:notification"}))
                    following = f", following @{self.account}'s mentions" if self.mentions else ""
                    self._state(Link.LIVE, self.url.host + following)
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
                reason = closed_reason(error)
            except (OSError, InvalidHandshake, TimeoutError) as error:
                reason = connect_reason(error)
            except _Refused as error:
                self._fail(str(error))
                return
            self._gap = self._gap or self._cursor is not None
            delay = self._backoff.next()
            self._state(Link.RECONNECTING, f"{reason}; again in {delay:.0f} s")
            await asyncio.sleep(delay)

    async def _read(self, socket: ClientConnection) -> None:
        async for frame in socket:
            await self._room()
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
            item: Item | _Mention | None
            if isinstance(obj, dict) and obj.get("event") == "notification":
                item = self._mention(obj.get("payload"))
            else:
                item = frame_item(obj, self.label, self.frames)
            if item is None:
                continue
            self.rejected += isinstance(item, Rejected)
            if self._gap:
                self._held.append(item)  # after the filled statuses, in the order posted
            else:
                self._pass_on([item])

    async def _room(self) -> None:
        """Until there is room for another frame: a consumer that lags holds the stream back
        (what a gap fill holds counts too), so a flood waits outside the process."""
        while self._gap and len(self._held) >= self.high_water:
            await asyncio.sleep(0.05)
        await self.room()

    def _pass_on(self, items: Sequence[Item | _Mention]) -> int:
        """Push ``items``, a status that was already passed on left out; how many messages went."""
        fresh: list[Item] = []
        recent = self._recent
        for entry in items:
            item: Item
            if isinstance(entry, _Mention):
                if self._mentions_cursor is None or id_key(entry.notification) > id_key(self._mentions_cursor):
                    self._mentions_cursor = entry.notification
                message = entry.message
                if self._tagged(message):
                    item = message  # the hashtag stream brings it too: passed on once
                elif message.reply_to_id is not None and message.reply_to_id in recent:
                    if message.id not in recent:
                        self.untagged += 1
                    item = message.model_copy(update={"untagged": True})
                else:
                    self.elsewhere += 1
                    continue
            else:
                item = entry
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
        # An empty timeline anchors at "0": whatever a break leaves out is then all there is.
        with contextlib.suppress(GapError):
            newest = await self._rest.newest(self._rest.tag_path())
            if self._cursor is None:
                self._cursor = newest or "0"
        if self.mentions and self._mentions_cursor is None:
            with contextlib.suppress(GapError):
                self._mentions_cursor = await self._rest.newest(self._rest.mentions_path(), _MENTIONS) or "0"

    async def _ask_account(self) -> None:
        """Whether the token's account is on the host team: then its mentions are followed."""
        assert self._rest is not None
        try:
            account = await self._rest.account()
        except GapError:
            return  # asked again on the next connection; the hashtag stream goes on meanwhile
        self.account = account["acct"]
        ident = account.get("id")
        self.mentions = self._team.matches(self.account, ident if isinstance(ident, str) else None)

    def _mention(self, payload: object) -> _Mention | Rejected | None:
        """A ``notification`` frame's mention, still to be checked against the chat."""
        try:
            notification = json.loads(payload) if isinstance(payload, str) else None
        except (ValueError, RecursionError):
            notification = None
        if not isinstance(notification, dict) or not isinstance(notification.get("id"), str):
            return reject(str(payload)[:200], "notification is not JSON", self.label, self.frames)
        return self._mention_of(notification, self.frames)

    def _mention_of(self, notification: dict[str, Any], line: int) -> _Mention | Rejected | None:
        status = notification.get("status")
        if notification.get("type") != "mention" or not isinstance(status, dict):
            return None  # follows, favourites, boosts: nothing to the chat
        message = status_to_message(status, self.label, line, edited=False)
        if isinstance(message, Rejected):
            return message
        if not isinstance(message, Message):
            return None
        return _Mention(notification["id"], message)

    async def _fill(self) -> None:
        assert self._rest is not None and self._cursor is not None
        since = self._cursor_at
        count = 0
        try:
            # Mentions first (a few), so each goes in among the chat's statuses by id, after
            # the status it replies to.
            mentions = await self._missed_mentions()
            async for page in self._rest.after(self._rest.tag_path(), self._cursor):
                items: list[Item | _Mention] = [
                    status_to_message(status, self.label, 0, edited=bool(status.get("edited_at"))) for status in page
                ]
                self.rejected += sum(isinstance(item, Rejected) for item in items)
                newest = id_key(page[-1]["id"])
                while mentions and id_key(mentions[0].message.id) <= newest:
                    items.append(mentions.pop(0))
                items.sort(key=_order)
                await self.room()
                passed = self._pass_on(items)
                count += passed
                self.filled += passed
                # The cursor moves over the whole page, rejected statuses too: they are not missing.
                if id_key(page[-1]["id"]) > id_key(self._cursor):
                    self._cursor = page[-1]["id"]
            count += self._pass_on(mentions)
        except GapError as error:
            self._state(Link.GAP, f"{_span(since, self._first_held())}: {error}")
        else:
            self._state(Link.GAP_FILLED, f"{count} message{'' if count == 1 else 's'}")
        held, self._held = self._held, []
        self._gap = False
        self._pass_on(held)

    async def _missed_mentions(self) -> list[_Mention]:
        """The mentions since the last one seen, oldest status first (none when not followed)."""
        assert self._rest is not None
        if not self.mentions:
            return []
        if self._mentions_cursor is None:
            return await self._mentions_after_status(self._cursor or "0")
        found: list[_Mention] = []
        async for page in self._rest.after(self._rest.mentions_path(), self._mentions_cursor, _MENTIONS):
            for notification in page:
                item = self._mention_of(notification, 0)
                if isinstance(item, _Mention):
                    found.append(item)
                self.rejected += isinstance(item, Rejected)
            if id_key(page[-1]["id"]) > id_key(self._mentions_cursor):
                self._mentions_cursor = page[-1]["id"]
        found.sort(key=lambda mention: id_key(mention.message.id))
        return found

    async def _mentions_after_status(self, cursor: str) -> list[_Mention]:
        """A resumed run's missed mentions: those whose status came after the stored status
        cursor (status ids grow with time), read back from the newest; oldest first."""
        assert self._rest is not None
        found: list[_Mention] = []
        newest: str | None = None
        pages = 0
        async with contextlib.aclosing(self._rest.before(self._rest.mentions_path(), _MENTIONS)) as pages_back:
            async for page in pages_back:
                pages += 1
                newest = newest or page[0]["id"]
                reached = False
                for notification in page:
                    item = self._mention_of(notification, 0)
                    if isinstance(item, _Mention):
                        if id_key(item.message.id) > id_key(cursor):
                            found.append(item)
                        else:
                            reached = True
                    self.rejected += isinstance(item, Rejected)
                if reached or pages >= _RESUME_MENTION_PAGES:
                    break
        self._mentions_cursor = newest or "0"
        found.sort(key=lambda mention: id_key(mention.message.id))
        return found

    def recall(self, ids: Iterable[str]) -> None:
        for ident in ids:
            self._recent[ident] = None
        while len(self._recent) > _RECENT:
            del self._recent[next(iter(self._recent))]

    def _first_held(self) -> datetime | None:
        return next((item.created_at for item in self._held if type(item) is Message), None)


_MENTIONS: dict[str, str | list[str]] = {"types[]": ["mention"]}
_RESUME_MENTION_PAGES = 25
"""How far back (pages of 40 mentions) a resumed run looks for the mentions it missed."""


@dataclass(frozen=True, slots=True)
class _Mention:
    """A mention of the token's account: kept for the chat only if it replies to the chat."""

    notification: str
    message: Message


def _order(item: Item | _Mention) -> tuple[int, str]:
    """Statuses and mentions by status id: the order they were posted in."""
    if type(item) is _Mention:
        return id_key(item.message.id)
    return id_key(item.id) if isinstance(item, Message) else (0, "")


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
