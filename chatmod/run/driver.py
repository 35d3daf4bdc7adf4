"""Provides :class:`ChatDriver`: a source run into the chat runtime, whose events go to every
sink (the store's recorder, a screen, later the hub). No Textual: a console, ``ingest`` or the
hub calls it on its own rhythm.

Moderators act through it. :meth:`ChatDriver.act` applies an action at once and returns its
event, or raises :class:`~chatmod.core.ledger.LedgerError` with a structured refusal (unknown
ball, wrong state, held by someone else, changed since its author saw it). :meth:`ChatDriver.
submit` is the same for an actor that must not be told "done" before it is true: it returns once
every journal among the sinks (:class:`Journal`: the database) has the event durably, and raises
StoreError when the database could not take it (the event is kept and written once it can).

A live chat is judged in the order it was posted, within the lateness its source states: each
message waits (:class:`~chatmod.run.reorder.Reorder`) until the chat's time is that far past it,
so a reply that arrived first waits for its parent; the screen is told of it the moment it
arrives (:meth:`ChatDriver._arrived`). Sessions end by the same held-back time, so a message
still waiting is judged in its session.

On a seekable source, going back rebuilds the runtime from the source's start, applying each
moderator action at the chat time it was taken, so the ledger at any moment equals what it was
then. A chat already stored (a stored session watched again, a live chat resumed) is given its
stored marks the same way (:meth:`ChatDriver.resume`): each applies at its time.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from chatmod.core.events import Event, Marked, SessionEnded, SessionStarted
from chatmod.core.ledger import LedgerError
from chatmod.core.models import Message, Rejected
from chatmod.core.runtime import Action, ChatRuntime
from chatmod.formats.base import Deletion
from chatmod.run.history import History
from chatmod.run.reorder import Reorder
from chatmod.run.watermark import Watermark
from chatmod.sources.base import (
    Capabilities,
    ConnectionState,
    EndOfInput,
    Link,
    Rewound,
    Source,
    SourceItem,
)
from chatmod.sources.replay import END_OF_TIME, ReplaySource

__all__ = ["CATCH_UP", "ChatDriver", "Journal", "Sink"]

Sink = Callable[[Message | None, Sequence[Event]], None]
"""Told every event the runtime produces, in order, with the message that made them (None for
events no message made: a moderator's mark, the end of a session), so a remote screen can be
rebuilt from what it is told."""

CATCH_UP = 5000
"""Messages read per tick when the clock is far ahead (fast replay, a seek): keeps frames coming."""


@runtime_checkable
class Journal(Protocol):
    """A sink that keeps what it is told (the database): it can say when that is durable."""

    def __call__(self, message: Message | None, events: Sequence[Event]) -> None: ...

    async def settled(self) -> None:
        """Return once everything told so far is durable; raise StoreError if the write failed
        (what failed is kept, and written with the next one)."""


class ChatDriver:
    """One chat, run.

    Args:
        source: where the items come from.
        make_runtime: a fresh runtime (called again when a seekable source goes back).
        sinks: told every event.
    """

    def __init__(
        self,
        source: Source,
        make_runtime: Callable[[], ChatRuntime],
        sinks: Iterable[Sink] = (),
    ) -> None:
        self.source = source
        self._make_runtime = make_runtime
        self.runtime = make_runtime()
        self.sinks = list(sinks)
        self.link: ConnectionState | None = None
        """The source's connection, as it last said."""
        self.ongoing: tuple[SessionStarted, datetime] | None = None
        """The session being read (how it started, its newest message), None between sessions:
        a sink added later (the store's recorder) joins it."""
        self.actions: list[Marked] = []
        """Every moderator's mark on this chat, taken here or stored before, in the order taken."""
        self._waiting: list[tuple[datetime, int]] = []
        """The marks not yet applied in this run (after a seek back, or stored): (time, index)."""
        self.finished = False
        """The source has ended and the session with it."""
        self._resumed: list[tuple[Message | None, Sequence[Event]]] = []
        """What reading the stored session back produced, for a sink attached later."""
        self._resuming = False
        # Elapsed time from the source's clock: differences of a wall clock are right even when
        # the clock itself is off (and a test's source can move it).
        self.watermark = Watermark(lambda: source.now().timestamp()) if source.capabilities.live else None
        """A live chat's own time (None for a replay, whose clock is the chat's)."""
        lateness = source.capabilities.lateness
        self.held = Reorder(lateness) if self.watermark is not None and lateness > timedelta(0) else None
        """A live chat's messages waiting to be judged in the order they were posted."""

    # -- what a screen asks -----------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        return self.source.capabilities

    @property
    def replay(self) -> ReplaySource | None:
        """The source's replay controls, when it is a replay."""
        return self.source if isinstance(self.source, ReplaySource) else None

    @property
    def playing(self) -> bool:
        replay = self.replay
        return replay.playing if replay is not None else not self.finished

    @property
    def speed(self) -> float | None:
        replay = self.replay
        return replay.speed if replay is not None else 1.0

    def now(self) -> datetime:
        """The chat's time: a replay's clock; for a live chat, how far it is known complete (the
        wall clock only until its first message), never this machine's clock, which may be off."""
        if self.watermark is not None:
            return self.watermark.value() or self.source.now()
        return self.source.now()

    # -- time -------------------------------------------------------------------------------

    def tick(self) -> int:
        """Read what the source has ready, then let time pass; returns how many items were read."""
        read = self.feed(self.source.poll(CATCH_UP))
        self.advance()
        return read

    def feed(self, items: Iterable[SourceItem], *, in_order: bool = False) -> int:
        """Take items from the source, in order. ``in_order``: its messages are in the order
        they were posted already (read back from the database): none waits."""
        count = 0
        held = None if in_order else self.held
        for item in items:
            count += 1
            if isinstance(item, Message):
                if self.watermark is not None:
                    self.watermark.saw(item.created_at)
                if held is None:
                    self._judge(item)
                else:
                    held.push(item)
                    self._arrived(item)
                    self._release()
            elif isinstance(item, Deletion):
                self._emit(self.runtime.delete(item.network, item.id, self.runtime.now or self.source.now()))
            elif isinstance(item, Rejected):
                self._rejected()
            elif isinstance(item, ConnectionState):
                self.link = item
                if self.watermark is not None:
                    self.watermark.link(item.link)
                self._link_changed()
            elif isinstance(item, Rewound):
                self._rewind()
            elif isinstance(item, EndOfInput):
                self.flush()
                self._apply_actions(END_OF_TIME)
                self._emit(self.runtime.finish())
                self.finished = True
                if self.link is None or self.link.link is not Link.FAILED:
                    self.link = ConnectionState(Link.ENDED)
                    self._link_changed()
        return count

    def advance(self) -> None:
        """Time has passed: actions taken by now apply (after a seek back), and a session the
        silence has ended ends."""
        if self.finished:
            return
        if self.watermark is not None:
            known = self.watermark.value()
            if known is None:
                return  # nothing read yet: no session to end
            self._release()
            # A session ends only once everything posted in it has been judged.
            now = known - self.held.lateness if self.held is not None else known
        else:
            now = self.source.now()
        if now == END_OF_TIME:
            return
        self._apply_actions(now)
        events = self.runtime.advance(now)
        if events:
            self._emit(events)

    def flush(self) -> None:
        """Judge every message still waiting (the input has stopped: none can come before them)."""
        if self.held is not None:
            for message in self.held.drain():
                self._judge(message)

    # -- moderators -------------------------------------------------------------------------

    def act(self, action: Action, ball_id: str, by: str, seen: int | None = None) -> Marked:
        """A moderator's action at the current chat time (on the ball as its author saw it, at
        version ``seen``, if given); raises LedgerError when it does not apply. Remembered, so a
        seek back applies it again at its time."""
        event = self.runtime.act(action, ball_id, by, self._judged_until(), seen)
        self.actions.append(event)
        self._emit([event])
        return event

    async def submit(self, action: Action, ball_id: str, by: str, seen: int | None = None) -> Marked:
        """:meth:`act`, acknowledged once durable: returns when every journal among the sinks has
        written it. Raises LedgerError (refused, nothing written)."""
        event = self.act(action, ball_id, by, seen)
        await self.durable()
        return event

    async def durable(self) -> None:
        """Return once every journal among the sinks has written what it was told so far;
        raises StoreError when one could not (it keeps it, and tries again)."""
        for sink in self.sinks:
            if isinstance(sink, Journal):
                await sink.settled()

    def resume(self, history: History) -> None:
        """Start from what the database holds of this chat: its marks apply when the chat reaches
        their times, as if taken then; its messages (the session a resumed live run joins) are
        read before anything the source brings. A sink attached afterwards (:meth:`attach`) is
        told what that produced: a journal keeps what it lacks (a verdict on a message that was
        stored, but not yet judged, when the last run stopped) and the rest once."""
        for mark in history.marks:
            bisect.insort(self._waiting, (mark.at, len(self.actions)))
            self.actions.append(mark)
        self._resuming = True
        try:
            self.feed(history.messages, in_order=True)
        finally:
            self._resuming = False

    def attach(self, sink: Sink) -> None:
        """Add ``sink``, first telling it what :meth:`resume` produced."""
        for message, events in self._resumed:
            sink(message, events)
        self.sinks.append(sink)

    # -- replay controls --------------------------------------------------------------------

    def toggle_play(self) -> None:
        if self.replay is not None:
            self.replay.toggle_play()

    def faster(self, step: int = 1) -> float | None:
        return self.replay.faster(step) if self.replay is not None else None

    def seek(self, at: datetime) -> None:
        """Jump to chat time ``at`` (a replay only), reading on to it at once."""
        replay = self.replay
        if replay is None:
            return
        replay.seek(at)
        while self.feed(replay.poll(CATCH_UP * 10)):
            pass
        self._apply_actions(at)
        if at >= END_OF_TIME.replace(year=9000):
            replay.settle_at_end()

    # -- what a screen adds -----------------------------------------------------------------

    def _arrived(self, message: Message) -> None:
        """A live message came; it is judged (:meth:`_read`) once it is its turn."""

    def _read(self, message: Message, events: list[Event]) -> None:
        """A message was read, with the events it made."""
        self._publish(message, events)

    def _emit(self, events: list[Event]) -> None:
        """Events no message made: a mark, the end of a session, a deletion."""
        self._publish(None, events)

    def _rejected(self) -> None:
        """The source could not read a record."""

    def _link_changed(self) -> None:
        """The source's connection changed (:attr:`link`)."""

    def _rewind(self) -> None:
        if self.held is not None:
            self.held.drain()
        self.ongoing = None
        self.runtime = self._make_runtime()
        self._waiting = sorted((mark.at, index) for index, mark in enumerate(self.actions))
        self.finished = False

    # -- internals --------------------------------------------------------------------------

    def _judge(self, message: Message) -> None:
        self._apply_actions(message.created_at, before=True)
        self._read(message, self.runtime.receive(message))

    def _judged_until(self) -> datetime:
        """The chat time up to which everything has been judged: a mark taken now is stamped
        with it, so it stands where the moderator saw the chat, between the messages judged
        before it and those still waiting (as a rerun in time order places it)."""
        if self.held is None:
            return self.now()
        self._release()
        # The same clock the waiting messages are released by: a mark falls exactly between them.
        known = self.watermark.arrivals() if self.watermark is not None else None
        if known is None:
            return self.now()
        bound = known - self.held.lateness
        judged = self.runtime.now
        return judged if judged is not None and judged > bound else bound

    def _release(self) -> None:
        if self.held is not None and self.watermark is not None:
            for message in self.held.due(self.watermark.arrivals()):
                self._judge(message)

    def _publish(self, message: Message | None, events: Sequence[Event]) -> None:
        for event in events:
            if type(event) is SessionStarted:
                self.ongoing = (event, event.at)
            elif type(event) is SessionEnded:
                self.ongoing = None
        if message is not None and self.ongoing is not None and message.created_at > self.ongoing[1]:
            self.ongoing = (self.ongoing[0], message.created_at)
        if self._resuming:
            self._resumed.append((message, events))
        for sink in self.sinks:
            sink(message, events)

    def _apply_actions(self, until: datetime, *, before: bool = False) -> None:
        # Marks not yet applied in this run (recorded before a seek back, or stored) apply at
        # their own time, between messages (before a message posted later, with ``before``).
        waiting = self._waiting
        while waiting and (waiting[0][0] < until if before else waiting[0][0] <= until):
            _, index = waiting.pop(0)
            taken = self.actions[index]
            try:
                self.runtime.mark(taken)
            except LedgerError:
                continue  # the ball was not open (or not closed) at that moment in this run
            self._emit([taken])
