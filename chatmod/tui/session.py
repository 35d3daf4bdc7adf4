"""Provides a console's chat: a Source feeding a runtime, whose events feed the console's state
and every sink (the store, later the hub). No Textual: the app calls it on its own rhythm.

On a seekable source, going back rebuilds the runtime and the state from the source's start,
applying each moderator action at the chat time it was taken, so the ledger at any moment equals
what it was then. A chat already stored (a stored session watched again, a live chat resumed) is
given its stored marks the same way (:meth:`ChatSession.remember`): each applies at its time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from chatmod.core.events import Event, Marked, SessionEnded, SessionStarted
from chatmod.core.ledger import LedgerError
from chatmod.core.models import Message, Rejected
from chatmod.core.runtime import Action, ChatRuntime
from chatmod.formats.base import Deletion
from chatmod.run.history import History
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
from chatmod.tui.state import ConsoleState

__all__ = ["ChatSession", "Sink"]

Sink = Callable[[Message | None, Sequence[Event]], None]
"""Told every event the runtime produces, in order, with the message that made them (None for
events no message made: a moderator's mark, the end of a session): the store's recorder, the hub."""

_CATCH_UP = 5000
"""Messages read per tick when the clock is far ahead (fast replay, a seek): keeps frames coming."""


class ChatSession:
    """One chat as a console runs it.

    Args:
        source: where the items come from.
        make_runtime: a fresh runtime (called again when a seekable source goes back).
        make_state: a fresh console state (likewise).
        sinks: told every event.
    """

    def __init__(
        self,
        source: Source,
        make_runtime: Callable[[], ChatRuntime],
        make_state: Callable[[], ConsoleState],
        sinks: Iterable[Sink] = (),
    ) -> None:
        self.source = source
        self._make_runtime = make_runtime
        self._make_state = make_state
        self.runtime = make_runtime()
        self.state = make_state()
        self.sinks = list(sinks)
        self.link: ConnectionState | None = None
        """The source's connection, as it last said."""
        self.ongoing: tuple[SessionStarted, datetime] | None = None
        """The session being read (how it started, its newest message), None between sessions:
        a sink added later (the store's recorder) joins it."""
        self.actions: list[Marked] = []
        """Every moderator's mark on this chat, taken here or stored before, in the order taken."""
        self._applied: set[int] = set()
        self.finished = False
        """The source has ended and the session with it."""

    # -- what the console asks --------------------------------------------------------------

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

    @property
    def start(self) -> datetime:
        replay = self.replay
        return replay.start_at if replay is not None else (self.state.session_start or self.source.now())

    def now(self) -> datetime:
        """The chat time the moderator sees."""
        return self.source.now()

    # -- time -------------------------------------------------------------------------------

    def tick(self) -> int:
        """Read what the source has ready, then let time pass; returns how many items were read."""
        read = self.feed(self.source.poll(_CATCH_UP))
        self.advance()
        return read

    def feed(self, items: Iterable[SourceItem]) -> int:
        """Take items from the source, in order."""
        count = 0
        for item in items:
            count += 1
            if isinstance(item, Message):
                self._apply_actions(item.created_at, before=True)
                events = self.runtime.receive(item)
                self.state.read(item, events)
                self._publish(item, events)
            elif isinstance(item, Deletion):
                self._emit(self.runtime.delete(item.network, item.id, self.runtime.now or self.source.now()))
            elif isinstance(item, Rejected):
                self.state.reject()
            elif isinstance(item, ConnectionState):
                self.link = item
                self.state.version += 1
            elif isinstance(item, Rewound):
                self._rewind()
            elif isinstance(item, EndOfInput):
                self._apply_actions(END_OF_TIME)
                self._emit(self.runtime.finish())
                self.finished = True
                if self.link is None or self.link.link is not Link.FAILED:
                    self.link = ConnectionState(Link.ENDED)
        return count

    def advance(self) -> None:
        """Time has passed: actions taken by now apply (after a seek back), and a session the
        silence has ended ends."""
        if self.finished:
            return
        now = self.source.now()
        if now == END_OF_TIME:
            return
        self._apply_actions(now)
        events = self.runtime.advance(now)
        if events:
            self._emit(events)

    # -- moderators -------------------------------------------------------------------------

    def act(self, action: Action, ball_id: str, by: str) -> Marked:
        """A moderator's action at the current chat time; raises LedgerError when it does not
        apply. Remembered, so a seek back applies it again at its time."""
        event = self.runtime.act(action, ball_id, by, self.now())
        self._applied.add(len(self.actions))
        self.actions.append(event)
        self._emit([event])
        return event

    def resume(self, history: History) -> None:
        """Start from what the database holds of this chat: its marks apply when the chat reaches
        their times, as if taken then; its messages (the session a resumed live run joins) are
        read before anything the source brings. Call before the sinks are added: all of it is
        stored already."""
        self.actions.extend(history.marks)
        self.feed(history.messages)

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
        while self.feed(replay.poll(_CATCH_UP * 10)):
            pass
        self._apply_actions(at)
        if at >= END_OF_TIME.replace(year=9000):
            replay.settle_at_end()

    def seek_question(self, number: int) -> bool:
        """Jump to where question ``number`` opened (reading on to find it); False if it never
        does, and the replay stays where it was."""
        replay = self.replay
        if replay is None:
            return False
        was = self.now()
        opened = self.state.questions.get(number)
        if opened is None and self.state.current_question is not None and number < self.state.current_question:
            self.seek(replay.start_at)
            opened = self.state.questions.get(number)
        while opened is None and not replay.feed.done:
            next_at = replay.feed.next_at
            if next_at is None:
                break
            self.seek(next_at)
            opened = self.state.questions.get(number)
        if opened is None:
            self.seek(was)
            return False
        self.seek(opened.opened_at)
        return True

    # -- internals --------------------------------------------------------------------------

    def _emit(self, events: list[Event]) -> None:
        self.state.apply(events)
        self._publish(None, events)

    def _publish(self, message: Message | None, events: Sequence[Event]) -> None:
        for event in events:
            if type(event) is SessionStarted:
                self.ongoing = (event, event.at)
            elif type(event) is SessionEnded:
                self.ongoing = None
        if message is not None and self.ongoing is not None and message.created_at > self.ongoing[1]:
            self.ongoing = (self.ongoing[0], message.created_at)
        for sink in self.sinks:
            sink(message, events)

    def _rewind(self) -> None:
        self.ongoing = None
        self.runtime = self._make_runtime()
        self.state = self._make_state()
        self._applied = set()
        self.finished = False

    def _apply_actions(self, until: datetime, *, before: bool = False) -> None:
        # Actions recorded before a seek back are applied at their own time, between messages
        # (before a message posted later than the action, with ``before``).
        while len(self._applied) < len(self.actions):
            waiting = [
                (i, a) for i, a in enumerate(self.actions)
                if i not in self._applied and (a.at < until if before else a.at <= until)
            ]
            if not waiting:
                return
            index, taken = min(waiting, key=lambda pair: pair[1].at)
            self._applied.add(index)
            try:
                self.runtime.mark(taken)
            except LedgerError:
                continue  # the ball was not open (or not closed) at that moment in this run
            self._emit([taken])
