"""Provides the live Bluesky source: Jetstream's stream of every post, filtered for one chat.

It connects to ``/subscribe?wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.feed.repost``
(a repost of a chat post is part of the chat, as archives have it). Jetstream has no hashtag
filter, so the whole network's posts arrive and the chat's are picked here: a post belongs to the
chat when its tag facets, its ``tags`` or its text carry the hashtag (case and accents folded),
or when it is by the host team, mentions a host-team DID or replies to a host-team post (the
answers and balls that forgot the hashtag) and :class:`~chatmod.core.untagged.ChatCompany` finds
it the chat's (it replies to the chat, carries its ``An`` form, or its author is in the chat).
Most posts are nothing to the chat, so a cheap test on the raw frame comes first and only a frame
that could matter is decoded.

Resuming: every event carries ``time_us``; the cursor is the last event processed (whatever it
was, so a quiet chat's cursor moves with the network), and after a break the source reconnects a
few seconds before it (delivery from a cursor is inclusive and at-least-once) and passes each post
on once (``did`` + ``rkey`` + ``rev``). A server keeps about 36 hours; a stored cursor older than
that (last week's chat) is not asked for: the run starts live from now and says, once, how many
hours it could not refill. A cursor the server moved anyway (its oldest event long after the
cursor) is said as a ``gap`` with its span, never passed over. A deletion of a post the chat kept
marks it deleted.

Identity events (a handle changed) come for the whole network; only those of the people the chat
involves (the host team, authors and those they reply to or mention) are kept with the chat, so
the names stored stay the chat's however busy the network. The latest few thousand others are
remembered for a while, in memory only, in case their owner posts in the chat next.

Names: the host team given by handle is resolved to DIDs before connecting, and the people of the
chat are named in the background as they appear (:mod:`chatmod.sources.identities`); a message
never waits for its author's name.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from chatmod.core.hashtag import carries_tag
from chatmod.core.models import Message, Network, Rejected
from chatmod.core.text import fold
from chatmod.core.untagged import ChatCompany
from chatmod.formats.base import Deletion, Item, reject
from chatmod.formats.jetstream import POST, REPOST, Handles, event_to_item
from chatmod.sources.appview import AppView
from chatmod.sources.backoff import Backoff
from chatmod.sources.base import Capabilities, ConnectionState, Link, SourceItem
from chatmod.sources.identities import Identities
from chatmod.sources.link_errors import closed_reason, connect_reason
from chatmod.sources.live_url import JetstreamURL
from chatmod.sources.queue import NETWORK_LATENESS, QueueSource, _utc_now

__all__ = ["REWIND", "JetstreamSource", "time_us"]

TEAM_LOOKUP_SECONDS = 10.0
"""The longest a chat's start waits for the host team's DIDs."""
REWIND = 5_000_000
"""Microseconds a resume goes back before the last event processed, for gapless playback."""
RETENTION = timedelta(hours=36)
"""How far back a Jetstream server keeps events (its lookback ceiling)."""
MAX_FRAME = 1 << 20
_HARD_LIMIT = 16 << 20
_RECENT = 50_000
_UNINVOLVED_NAMES = 5_000
"""Handles of people the chat does not involve (yet) remembered from identity events."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
K = TypeVar("K")


def time_us(at: datetime) -> int:
    """A moment as Jetstream's cursor counts it (microseconds since the epoch)."""
    return (at - _EPOCH) // timedelta(microseconds=1)


class JetstreamSource(QueueSource):
    """The chat of ``url``'s hashtag in the posts of a Jetstream server, live.

    Args:
        team_dids: the host team's DIDs: posts mentioning them or replying to their posts are
            kept, tag or not.
        team_handles: the host team's handles, resolved to DIDs (added to ``team_dids``) before
            the stream is read.
        appview: where DIDs and handles are looked up; None looks nothing up.
        resume_after: a stored cursor (``time_us``) to resume from.
        outdated_after: seconds between the cursor asked for and the first event sent past which
            the server is taken to have moved a too-old cursor (the network is never that quiet).
    """

    network = Network.BLUESKY
    capabilities = Capabilities(live=True, lateness=NETWORK_LATENESS)

    def __init__(
        self,
        url: JetstreamURL,
        *,
        team_dids: Iterable[str] = (),
        team_handles: Iterable[str] = (),
        appview: AppView | None = None,
        resume_after: str | None = None,
        handles: Handles | None = None,
        clock: Callable[[], datetime] = _utc_now,
        backoff: Backoff | None = None,
        max_frame: int = MAX_FRAME,
        ping_interval: float = 15.0,
        ping_timeout: float = 10.0,
        open_timeout: float = 10.0,
        close_timeout: float = 5.0,
        outdated_after: float = 60.0,
    ) -> None:
        super().__init__(clock)
        self.url = url
        self._journal: list[tuple[str, str]] = []
        self.handles = handles or Handles(self._journal)
        self.identities = Identities(self.handles, appview)
        self._team_handles = tuple(team_handles)
        self._tag = fold(url.tag)
        self._tagged = carries_tag(url.tag)
        # The raw-frame test: JSON keeps non-ASCII text as it is, so a lower-cased frame holds
        # an ASCII tag however it was cased; other tags are looked for after decoding.
        self._needle = self._tag if self._tag.isascii() else None
        self.team_dids = frozenset(team_dids)
        self._backoff = backoff or Backoff(base=0.25, cap=30.0)
        self._max_frame = max_frame
        # A link that stops answering is given up on within 30 s: the next ping, its pong's
        # timeout, and the close handshake's (a dead peer never answers the close frame).
        self._timeouts = (ping_interval, ping_timeout, open_timeout, close_timeout)
        self._outdated_us = int(outdated_after * 1_000_000)
        self._last_us: int | None = int(resume_after) if resume_after and resume_after.isdigit() else None
        self._stale_us: int | None = None
        """A stored cursor older than the server keeps (the run started live instead)."""
        self._involved: dict[str, None] = dict.fromkeys(self.team_dids)
        """The DIDs the chat involves: only their identity events are kept."""
        self._others: dict[str, str] = {}
        """DID → handle from the latest identity events of people not involved (yet)."""
        self._asked_us: int | None = None
        """The cursor of the current connection, until its first event is checked against it."""
        self._kept: dict[str, None] = {}
        """AT-URIs of the posts passed on (a deletion of one of them matters)."""
        self._company = ChatCompany()
        """The chat so far: which untagged posts by or to the host team are the chat's."""
        self._done: dict[tuple[str, str], None] = {}
        """(uri, rev) of the commits passed on: a resume's redelivery is passed over."""
        self._task: asyncio.Task[None] | None = None
        self._naming: asyncio.Task[None] | None = None
        self.frames = 0
        self.rejected = 0
        self.repeats = 0
        self.failure: str | None = None

    @property
    def label(self) -> str:
        return f"jetstream {self.url.host}#{self.url.tag}"

    @property
    def key(self) -> str:
        port = f":{self.url.port}" if self.url.port else ""
        return f"jetstream://{self.url.host.lower()}{port}?tag={self._tag}"

    def resume_point(self, items: Sequence[SourceItem]) -> str | None:
        # Everything processed is handed on once nothing waits: the cursor moves with every
        # frame, chat or not, so a restart does not replay the network since the last post.
        if not self._items and self._last_us is not None:
            return str(self._last_us)
        times = [time_us(item.created_at) for item in items if type(item) is Message]
        return str(max(times)) if times else None

    @property
    def names(self) -> Mapping[str, str]:
        return self.handles.by_did

    def know(self, names: Iterable[tuple[str, str]]) -> None:
        for did, handle in names:
            self.handles.know(did, handle)

    def learned(self) -> list[tuple[str, str]]:
        pairs, self._journal[:] = list(self._journal), []
        return pairs

    @property
    def cursor(self) -> int | None:
        """The ``time_us`` of the last event processed."""
        return self._last_us

    def subscribe_url(self) -> str:
        scheme = "wss" if self.url.secure else "ws"
        host = f"[{self.url.host}]" if ":" in self.url.host else self.url.host
        query: list[tuple[str, str]] = [("wantedCollections", POST), ("wantedCollections", REPOST)]
        if self._last_us is not None:
            self._asked_us = max(0, self._last_us - REWIND)
            query.append(("cursor", str(self._asked_us)))
        else:
            self._asked_us = None
        port = f":{self.url.port}" if self.url.port else ""
        return f"{scheme}://{host}{port}/subscribe?{urlencode(query)}"

    async def start(self) -> None:
        if self._task is None:
            if self._last_us is not None and self._last_us < time_us(self.now() - RETENTION):
                self._stale_us, self._last_us = self._last_us, None  # live from now: see _run
            self._task = asyncio.create_task(self._run(), name=f"chatmod {self.label}")
            if self.identities.appview is not None:
                self._naming = asyncio.create_task(self.identities.run(), name=f"chatmod names {self.label}")

    async def close(self) -> None:
        for task in (self._task, self._naming):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._naming = None
        if self.identities.appview is not None:
            await self.identities.appview.aclose()
        self.end()

    def _state(self, link: Link, detail: str = "") -> None:
        self.push([ConnectionState(link, detail)])

    async def _name_team(self) -> None:
        """The DIDs of the host team given by handle, before the first post (briefly: a lookup
        that hangs must not keep the chat from starting)."""
        if not self._team_handles:
            return
        try:
            dids, unresolved = await asyncio.wait_for(self.identities.team(self._team_handles), TEAM_LOOKUP_SECONDS)
        except TimeoutError:
            dids, unresolved = set(), [f"the host team (no answer from {self._appview_host()} in {TEAM_LOOKUP_SECONDS:g} s)"]
        self.team_dids = self.team_dids | dids
        if unresolved:
            self._state(Link.CONNECTING, f"could not look up {', '.join(unresolved)}: their untagged posts "
                                         "are missed until a post of theirs names them")

    def _appview_host(self) -> str:
        appview = self.identities.appview
        return appview.base if appview is not None else "the AppView"

    async def _run(self) -> None:
        ping_interval, ping_timeout, open_timeout, close_timeout = self._timeouts
        await self._name_team()
        self._involved.update(dict.fromkeys(self.team_dids))
        if self._stale_us is not None:
            missed = time_us(self.now()) - self._stale_us
            self._state(Link.GAP, f"live from now: the {_span(missed)} since the last run (from "
                                  f"{_day_clock(self._stale_us)} UTC) are older than the server keeps; not refilled")
        while True:
            self._state(Link.CONNECTING, self.url.host)
            try:
                async with connect(
                    self.subscribe_url(),
                    max_size=_HARD_LIMIT,
                    ping_interval=ping_interval,
                    ping_timeout=ping_timeout,
                    open_timeout=open_timeout,
                    close_timeout=close_timeout,
                    user_agent_header="chatmod",
                ) as socket:
                    resumed = "" if self._asked_us is None else f"resumed from {_clock(self._asked_us)}"
                    self._state(Link.LIVE, resumed or self.url.host)
                    await self._read(socket)
                    reason = "the server closed the stream"
            except InvalidStatus as error:
                status = error.response.status_code
                if status in (400, 401, 403, 404):
                    self.failure = f"{self.url.host} refused the subscription (HTTP {status}); is it a Jetstream server?"
                    self._state(Link.FAILED, self.failure)
                    self.end()
                    return
                reason = f"HTTP {status}"
            except ConnectionClosed as error:
                reason = closed_reason(error)
            except (OSError, InvalidHandshake, TimeoutError) as error:
                reason = connect_reason(error)
            delay = self._backoff.next()
            self._state(Link.RECONNECTING, f"{reason}; again in {delay:.0f} s")
            await asyncio.sleep(delay)

    async def _read(self, socket: ClientConnection) -> None:
        first = True
        async for frame in socket:
            await self.room()  # a consumer that lags holds the stream back
            if first:
                self._backoff.reset()
                first = False
            items = self.take_frame(frame)
            if items:
                self.push(items)

    def take_frame(self, frame: str | bytes) -> list[Item | ConnectionState]:
        """What one frame gives the chat (usually nothing: most posts are not the chat's)."""
        self.frames += 1
        if isinstance(frame, bytes):
            return [self._reject(repr(frame[:200]), "binary frame (chatmod does not ask for compression)")]
        size = len(frame) if len(frame) * 4 <= self._max_frame else len(frame.encode())
        if size > self._max_frame:
            return [self._reject(f"<{size:,}-byte frame>", f"frame over {self._max_frame:,} bytes")]
        stamp = _time_us_of(frame)
        said: list[Item | ConnectionState] = []
        if stamp is not None:
            if self._asked_us is not None:
                said.extend(self._check_resume(stamp))
            if self._last_us is None or stamp > self._last_us:
                self._last_us = stamp
        if not self._could_matter(frame):
            return said
        did = _did_in(frame)
        if did is not None and did in self._others:
            self.handles.learn(did, self._others.pop(did))  # someone renamed earlier, in the chat now
        try:
            event = json.loads(frame)
        except (ValueError, RecursionError):
            said.append(self._reject(frame, "frame is not JSON"))
            return said
        item = event_to_item(event, self.handles, self.label, self.frames)
        if item is None:
            return said
        if isinstance(item, Rejected):
            self.rejected += 1
            said.append(item)
        elif isinstance(item, Deletion):
            if item.id in self._kept and self._first((item.id, "delete")):
                said.append(item)
        elif item.repost_of is not None:
            if item.repost_of in self._kept and self._first((item.id, "repost")):
                _remember(self._kept, item.id)
                self.identities.ask(item.author_id)
                said.append(item)
        elif self._tagged(item) or (self._to_team(item) and self._company.is_chats(item)):
            rev = event["commit"].get("rev") if isinstance(event.get("commit"), dict) else None
            if self._first((item.id, str(rev))):
                _remember(self._kept, item.id)
                self._company.took(item)
                self.identities.ask(item.author_id)
                self._involve(item.author_id)
                for mention in item.mentions:
                    self._involve(mention.id)
                if item.reply_to_id is not None:
                    self.identities.ask(_did_of(item.reply_to_id))
                    self._involve(_did_of(item.reply_to_id))
                said.append(item if self._tagged(item) else item.model_copy(update={"untagged": True}))
        return said

    def _involve(self, did: str | None) -> None:
        if did is not None and did.startswith("did:"):
            _remember(self._involved, did)
            handle = self._others.pop(did, None)
            if handle is not None:
                self.handles.learn(did, handle)

    def _could_matter(self, frame: str) -> bool:
        """Whether a frame may be the chat's, without decoding it (most are not)."""
        if '"kind":"identity"' in frame or '"kind": "identity"' in frame:
            if _did_in(frame) in self._involved:
                return True  # someone the chat involves renamed
            self._remember_other(frame)
            return False
        if '"delete"' in frame:
            return True
        if f'"collection":"{REPOST}"' in frame or f'"collection": "{REPOST}"' in frame:
            return _subject_in(frame) in self._kept  # a repost of one of the chat's posts
        if self._needle is None:
            return True
        lowered = frame.lower()
        return self._needle in lowered or any(did in frame for did in self.team_dids)

    def _to_team(self, message: Message) -> bool:
        """By the host team, or speaking to it: their answers, and the balls that forgot the tag."""
        return bool(self.team_dids) and (
            message.author_id in self.team_dids
            or any(m.id in self.team_dids for m in message.mentions)
            or (message.reply_to_id is not None and _did_of(message.reply_to_id) in self.team_dids)
        )

    def _remember_other(self, frame: str) -> None:
        try:
            identity = json.loads(frame).get("identity")
        except (ValueError, RecursionError, AttributeError):
            return
        if isinstance(identity, dict):
            did, handle = identity.get("did"), identity.get("handle")
            if isinstance(did, str) and isinstance(handle, str) and handle != "handle.invalid":
                self._others.pop(did, None)
                self._others[did] = handle
                if len(self._others) > _UNINVOLVED_NAMES:
                    del self._others[next(iter(self._others))]

    def _check_resume(self, stamp: int) -> list[ConnectionState]:
        asked, self._asked_us = self._asked_us, None
        assert asked is not None
        if stamp - asked <= self._outdated_us:
            return []
        # The server had nothing that old: it started at its oldest event instead.
        return [ConnectionState(Link.GAP, f"events between {_clock(asked)} and {_clock(stamp)} UTC are missing "
                                          f"({_span(stamp - asked)}: older than the server keeps)")]

    def _first(self, key: tuple[str, str]) -> bool:
        if key in self._done:
            self.repeats += 1
            return False
        _remember(self._done, key)
        return True


    def _reject(self, record: object, reason: str) -> Rejected:
        self.rejected += 1
        return reject(record, reason, self.label, self.frames)


def _remember(recent: dict[K, None], key: K) -> None:
    recent[key] = None
    if len(recent) > _RECENT:
        del recent[next(iter(recent))]


def _time_us_of(frame: str) -> int | None:
    """``time_us`` read off the raw frame (every event has it, near the start)."""
    at = frame.find('"time_us":')
    if at < 0:
        return None
    start = at + 10
    while start < len(frame) and frame[start] == " ":  # Go writes none; other encoders may
        start += 1
    end = start
    while end < len(frame) and frame[end].isdigit():
        end += 1
    return int(frame[start:end]) if end > start else None


def _did_in(frame: str) -> str | None:
    """The event's ``did``, read off the raw frame (it comes first)."""
    at = frame.find('"did":')
    if at < 0:
        return None
    start = frame.find('"', at + 6) + 1
    end = frame.find('"', start)
    return frame[start:end] if 0 < start <= end else None


def _subject_in(frame: str) -> str | None:
    """The URI a repost reposts, read off the raw frame."""
    at = frame.find('"subject"')
    if at < 0:
        return None
    at = frame.find('"uri"', at)
    if at < 0:
        return None
    start = frame.find('"', frame.find(":", at) + 1) + 1
    end = frame.find('"', start)
    return frame[start:end] if 0 < start <= end else None


def _did_of(uri: str) -> str | None:
    return uri[5:].split("/", 1)[0] if uri.startswith("at://did:") else None


def _clock(stamp: int) -> str:
    return f"{_EPOCH + timedelta(microseconds=stamp):%H:%M:%S}"


def _day_clock(stamp: int) -> str:
    return f"{_EPOCH + timedelta(microseconds=stamp):%Y-%m-%d %H:%M}"


def _span(micros: int) -> str:
    minutes = micros // 60_000_000
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
