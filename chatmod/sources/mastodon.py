"""Provides the live Mastodon source: a hashtag's streaming API over a WebSocket.

It connects to ``/api/v1/streaming?stream=hashtag&tag=TAG`` with the user token in an
``Authorization: Bearer`` header (never in the URL: it would end up in logs), decodes each frame
(``update``, ``status.update``, ``delete``; the payload is a JSON string, decoded twice) into the
items every reader gives, and keeps the link up: a dropped connection is retried after a
jittered, capped exponential wait; 401 and 403 stop at once with the setting to fix (retrying a
bad token only hammers the server); keepalive pings find a half-open link. Frames over
``max_frame`` bytes are rejected and counted, and the connection goes on. Every change of the link
is an item too (:class:`ConnectionState`), so the console, logs and summaries can say it.

The stream has no replay, so every connection is followed by a catch-up from the REST timelines
(:mod:`chatmod.sources.mastodon_rest`), read back from the newest until statuses created before a
moment: on the first connection, the moment the run began (or the start of the session a late
joiner asks for), so what was posted while the stream was being set up is not lost; after a
break, the newest status seen less a margin, so a status that federated late (its id, taken from
its published time, below ones already seen) is still found. Ids are never trusted to say what
is new: each status is passed on once, whatever brought it. While the catch-up runs, what the new
stream brings is held back and follows it, so the chat reads in the order it was posted. A
catch-up that fails is said (``gap``, with the span missing) and tried again with backoff while
the stream goes on, and the stored cursor stays before the gap until it is filled.

The balls that forgot the hashtag: people reply to the host without it, so the hashtag stream
never shows them. When the token is a host-team account's, the source also subscribes (on the
same socket) to that account's ``user:notification`` stream and keeps each mention the chat's
rule finds the chat's (:class:`~chatmod.core.untagged.ChatCompany`: it replies to a status of the
chat, carries the chat's ``An`` form, or its author is in the chat this session), marked
``untagged``; the catch-up reads ``/api/v1/notifications?types[]=mention`` back the same way
(notifications have ids of their own: they are read back by time too). Other mentions (a
conversation elsewhere) are passed over: the chat is not the host's whole inbox.

A cursor (what a later run resumes from) is ``ID@TIME``: the newest status passed on and when it
was posted. A bare id, as earlier versions stored, is read back to by id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dateutil.parser import isoparse
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from chatmod.core.handles import HostTeam
from chatmod.core.hashtag import carries_tag
from chatmod.core.models import Message, Network, Rejected
from chatmod.core.untagged import ChatCompany
from chatmod.formats.base import Item, reject
from chatmod.formats.mastodon import frame_item, status_to_message
from chatmod.sources.backoff import Backoff
from chatmod.sources.base import Capabilities, ConnectionState, Link, SourceItem
from chatmod.sources.link_errors import closed_reason, connect_reason
from chatmod.sources.live_url import MastodonURL
from chatmod.sources.mastodon_rest import PAGE, GapError, MastodonREST, id_key
from chatmod.sources.queue import NETWORK_LATENESS, QueueSource, _utc_now

__all__ = ["MAX_FRAME", "MastodonSource"]

MAX_FRAME = 1 << 20
"""Bytes of one frame chatmod reads; a status is a few kilobytes, so a bigger frame is refused."""
_HARD_LIMIT = 16 << 20
"""Past this the WebSocket library closes the connection itself (memory is at stake)."""
_RECENT = 50_000
"""Status ids remembered to pass a status on once when the gap fill and the stream both bring it."""
START_MARGIN = timedelta(minutes=1)
"""How far before the run began its first catch-up reads: clocks differ a little."""
LATE_MARGIN = timedelta(minutes=5)
"""How far before the newest status seen a catch-up after a break reads: statuses that federate
late carry their published time (and an id from it), older than ones already seen."""
STABLE = 10.0
"""Seconds a connection must stay up for the reconnect waits to start short again."""


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
        since: datetime | None = None,
        gap_backoff: Backoff | None = None,
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
        resumed = _parse_cursor(resume_after) if resume_after else None
        self._cursor: str | None = resumed[0] if resumed else None
        """The newest status passed on (None: none yet), where a later run resumes."""
        self._cursor_at: datetime | None = resumed[1] if resumed else None
        """When that status was posted (None: not known, a bare id was stored)."""
        self._since = since
        """How far back the first catch-up reads (None: from when the run began)."""
        self._joining = since is not None
        self._resumed = resumed is not None
        self._gap = True
        """A catch-up is under way: what the stream brings waits for it."""
        self._unfilled: datetime | None = None
        """The start of a stretch a catch-up could not read yet (it is tried again)."""
        self._frozen: str | None = None
        """The cursor to store while a stretch is unfilled: before it."""
        self._gap_backoff = gap_backoff or Backoff(base=2.0, cap=60.0)
        self._held: list[Item | _Mention] = []
        self._recent: dict[str, None] = {}
        self._company = ChatCompany()
        """The chat so far: which untagged mentions of the host are the chat's."""
        self._backoff = backoff or Backoff()
        self._max_frame = max_frame
        # A link that stops answering is given up on within 30 s: the next ping, its pong's
        # timeout, and the close handshake's (a dead peer never answers the close frame).
        self._timeouts = (ping_interval, ping_timeout, open_timeout, close_timeout)
        self._task: asyncio.Task[None] | None = None
        self.frames = 0
        self.connections = 0
        """Connections made so far (the first one's catch-up reads back to the run's start)."""
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
            if self._since is None and not self._resumed:
                self._since = self.now() - START_MARGIN
            self._task = asyncio.create_task(self._run(), name=f"chatmod {self.label}")

    @property
    def key(self) -> str:
        port = f":{self.url.port}" if self.url.port else ""
        return f"mastodon://{self.url.host.lower()}{port}/{self.url.tag.casefold()}"

    def resume_point(self, items: Sequence[SourceItem]) -> str | None:
        # While a stretch is unfilled, a restart must read it: the cursor stays before it.
        if self._frozen is not None:
            return self._frozen
        # Statuses are handed on in the order posted (a catch-up before what the stream held), so
        # the newest one handed on is where nothing before is missing (less the late margin).
        newest = max((item for item in items if type(item) is Message and not item.edited),
                     key=lambda m: (m.created_at, id_key(m.id)), default=None)
        return _format_cursor(newest.id, newest.created_at) if newest is not None else None

    @property
    def catching_up(self) -> bool:
        """A catch-up from the timelines is under way (what the stream brings waits for it)."""
        return self._gap

    @property
    def cursor(self) -> str | None:
        """The newest status id passed on: where a later run resumes (with :meth:`resume_point`)."""
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
        loop = asyncio.get_running_loop()
        while True:
            self._state(Link.CONNECTING, self.url.host)
            connected: float | None = None
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
                    connected = loop.time()
                    self.connections += 1
                    if self.mentions is None and self._team:
                        await self._ask_account()
                    if self.mentions:
                        await socket.send(json.dumps({"type": "subscribe", "stream": "user:notification"}))
                    following = f", following @{self.account}'s mentions" if self.mentions else ""
                    self._state(Link.LIVE, self.url.host + following)
                    catch_up = asyncio.create_task(self._catch_up())
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
            self._gap = True  # what comes next waits for the catch-up after the break
            if connected is not None and loop.time() - connected >= STABLE:
                self._backoff.reset()  # the link held: short waits again
            delay = self._backoff.next()
            self._state(Link.RECONNECTING, f"{reason}; again in {delay:.0f} s")
            await asyncio.sleep(delay)

    async def _read(self, socket: ClientConnection) -> None:
        async for frame in socket:
            await self._room()
            self.frames += 1
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
        while self._gap and len(self._held) + len(self._items) >= self.high_water:
            await asyncio.sleep(0.05)
        await self.room()

    def _pass_on(self, items: Sequence[Item | _Mention]) -> int:
        """Push ``items``, a status that was already passed on left out; how many messages went."""
        fresh: list[Item] = []
        recent = self._recent
        for entry in items:
            item: Item
            if isinstance(entry, _Mention):
                message = entry.message
                if self._tagged(message):
                    item = message  # the hashtag stream brings it too: passed on once
                elif self._company.is_chats(message):
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
                if self._cursor_at is None or item.created_at >= self._cursor_at:
                    self._cursor, self._cursor_at = item.id, item.created_at
            if type(item) is Message:
                self._company.took(item)
            fresh.append(item)
        if fresh:
            self.push(fresh)
        return sum(type(item) is Message for item in fresh)

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

    async def _catch_up(self) -> None:
        """Read what the stream could not bring (posted before it started, or during a break),
        pass it on in the order posted, then what the stream held; a failure is said and tried
        again while the stream goes on."""
        bound, after_id = self._read_back_to()
        since = self._unfilled or self._cursor_at or self._since
        failed = False
        while True:
            try:
                found = await self._missed(bound, after_id)
                break
            except GapError as error:
                if not failed:
                    failed = True
                    # A restart must read the gap: the stored cursor stays before it (at the
                    # moment the catch-up reads back to, when nothing came before it).
                    self._frozen = self._frozen or _format_cursor(self._cursor or "0", self._cursor_at or since)
                    self._unfilled = self._unfilled or since
                    self._state(Link.GAP, f"{_span(since, self._first_held())}: {error}; not filled yet, "
                                          "trying again")
                    held, self._held = self._held, []
                    self._gap = False
                    self._pass_on(held)  # the chat goes on meanwhile
                await asyncio.sleep(self._gap_backoff.next())
        self._gap_backoff.reset()
        count = self._pass_on(found)
        self.filled += count
        messages = f"{count} message{'' if count == 1 else 's'}"
        if self._joining and self.connections == 1 and not failed and self._since is not None:
            self._state(Link.CAUGHT_UP, f"{messages} since {self._since:%H:%M} UTC")
        elif failed or self._resumed or self.connections > 1 or count:
            late = " (late: posted while the gap was open)" if failed else ""
            self._state(Link.GAP_FILLED, f"{messages}{late}")
        self._unfilled = self._frozen = None
        held, self._held = self._held, []
        self._gap = False
        self._pass_on(held)

    def _read_back_to(self) -> tuple[datetime | None, str | None]:
        """How far back a catch-up reads: statuses created from this moment on (or, for a bare
        stored id, with a greater id)."""
        if self._unfilled is not None:
            return self._unfilled - LATE_MARGIN, None
        if self._cursor_at is not None:
            return self._cursor_at - LATE_MARGIN, None
        if self._cursor is not None:
            return None, self._cursor
        return self._since, None

    async def _missed(self, bound: datetime | None, after_id: str | None) -> list[Item | _Mention]:
        """The chat's statuses, and the host's mentions, from ``bound`` (or after ``after_id``)
        to now, oldest first."""
        assert self._rest is not None

        def reached(entry: dict[str, Any]) -> bool:
            if after_id is not None:
                return id_key(str(entry["id"])) <= id_key(after_id)
            at = _created(entry)
            return bound is not None and at is not None and at < bound

        found: list[Item | _Mention] = []
        target = f" back to {bound:%H:%M} UTC" if bound is not None else ""

        def progress(read: int) -> None:  # a late joiner's catch-up can take a while: say how it goes
            self._state(Link.LIVE, f"{self.url.host}; catching up{target}: {read} statuses read")

        for status in await self._back(self._rest.tag_path(), None, reached, on_page=progress):
            found.append(status_to_message(status, self.label, 0, edited=bool(status.get("edited_at"))))
        if self.mentions:
            def mention_reached(notification: dict[str, Any]) -> bool:
                status = notification.get("status")
                return reached(status) if isinstance(status, dict) else False

            for notification in await self._back(self._rest.mentions_path(), _MENTIONS, mention_reached,
                                                 _RESUME_MENTION_PAGES):
                found.append(self._mention_of(notification, 0))  # type: ignore[arg-type]
        kept = [item for item in found if item is not None]
        self.rejected += sum(isinstance(item, Rejected) for item in kept)
        kept.sort(key=_order)
        return kept

    async def _back(self, path: str, params: dict[str, str | list[str]] | None,
                    reached: Callable[[dict[str, Any]], bool], pages: int | None = None,
                    on_page: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
        """The entries of ``path`` from the newest back to the first that ``reached`` says is old
        enough, or ``pages`` pages; ``on_page`` is told how many were read after each full page."""
        assert self._rest is not None
        entries: list[dict[str, Any]] = []
        read = 0
        async with contextlib.aclosing(self._rest.before(path, params)) as pages_back:
            async for page in pages_back:
                read += 1
                fresh = [entry for entry in page if not reached(entry)]
                entries.extend(fresh)
                if len(fresh) < len(page) or (pages is not None and read >= pages):
                    break
                if on_page is not None and len(page) >= PAGE:  # a long read: there is more to come
                    on_page(len(entries))
                await self.room()
        return entries

    def recall(self, ids: Iterable[str]) -> None:
        for ident in ids:
            self._recent[ident] = None
            self._company.took_id(ident)
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


def _order(item: Item | _Mention) -> tuple[datetime, tuple[int, str]]:
    """Statuses and mentions in the order they were posted (ids break ties)."""
    message = item.message if type(item) is _Mention else item
    if isinstance(message, Message):
        return message.created_at, id_key(message.id)
    return datetime.min.replace(tzinfo=UTC), (0, "")


def _created(entry: dict[str, Any]) -> datetime | None:
    try:
        return isoparse(str(entry.get("created_at")))
    except (ValueError, OverflowError):
        return None


def _format_cursor(ident: str | None, at: datetime | None) -> str | None:
    if ident is None:
        return None
    return f"{ident}@{at.astimezone(UTC).isoformat(timespec='milliseconds').replace('+00:00', 'Z')}" if at else ident


def _parse_cursor(cursor: str) -> tuple[str, datetime | None]:
    """``ID@TIME`` (or a bare id, as earlier versions stored)."""
    ident, _, at = cursor.partition("@")
    try:
        return ident, isoparse(at) if at else None
    except (ValueError, OverflowError):
        return ident, None


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
