"""Provides :class:`Recorder`: a console's chat kept in the database (``--db``) as it runs.

A sink of the chat: it is told each message with the events reading it made, and every other
event (a moderator's mark, the end of a session), in the order the runtime made them. All of it
goes to the chat's log (:class:`~chatmod.run.log.LogWriter`): the messages, the engine's events
and the moderators' in one order, the sessions as the runtime found them, and a live source's
cursor with the messages it covers. So the stored ledger is the console's at any moment: a mark
made before a ball's engine events were written cannot be lost, quitting mid-chat drops nothing
(the session is stored as it stands, still open), and no one judges the chat again at close.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatmod.chats import Chat
    from chatmod.core.events import Event, SessionStarted
    from chatmod.core.handles import HostTeam
    from chatmod.core.models import Message, Network
    from chatmod.ingest import IngestResult, LiveWriter, Progress
    from chatmod.run.log import LogWriter
    from chatmod.sources.base import Source, SourceItem
    from chatmod.store import SessionRow, Store

__all__ = ["Recorder"]

_ORIGIN = 6
"""Where ``origin`` is in an event row (:data:`chatmod.store.rows.EVENT_COLUMNS`)."""


class Recorder:
    """Writes a console's chat to the database at ``path`` as it happens, without blocking the
    screen.

    Args:
        path: the database.
        on_error: told (with a one-line reason) when a write fails; what failed is kept and
            written with the next write.
        chat: the chat's definition, if it has one; else ``tag`` and the host team name it.
    """

    def __init__(
        self, path: Path, on_error: Callable[[str], object] | None = None, chat: Chat | None = None,
        tag: str | None = None,
    ) -> None:
        self.path = path
        self.on_error = on_error
        self.chat = chat
        self.tag = tag
        self.key = ""
        """The chat it records under (:func:`chatmod.chats.chat_key`), known once opened."""
        self.written = 0
        """Moderator events handed to the log."""
        self._store: Store | None = None
        self._own_store = True
        self._log: LogWriter | None = None
        self._live: LiveWriter | None = None
        self._networks: dict[str, Network] = {}
        """The network of each ball seen (an event row names it)."""
        self._session: tuple[datetime, datetime, datetime | None, datetime | None] | None = None
        """The session being read: its first message, its last, its planned start, and the planned
        start it was moved from."""

    async def open(
        self, team: HostTeam, ongoing: tuple[SessionStarted, datetime] | None = None, store: Store | None = None
    ) -> None:
        """Open the database to record the chat ``team`` hosts; ``ongoing``: the session the
        chat is in already (how it started, its newest message), read before recording began.
        ``store``: the database already open (then closing the recorder leaves it open)."""
        from chatmod.chats import chat_key
        from chatmod.run.log import LogWriter
        from chatmod.store import Store

        self.key = chat_key(self.chat, self.tag, team)
        self._own_store = store is None
        self._store = store if store is not None else await Store.open(self.path, notice=self.on_error)
        self._log = LogWriter(self._store, self.key, team=team, on_error=self._say_error)
        self._log.start()
        if ongoing is not None:
            started, last = ongoing
            self._session = (started.at, last, started.planned, started.moved_from)

    def __call__(self, message: Message | None, events: Sequence[Event]) -> None:
        from chatmod.core.events import Analyzed, BallEvent, SessionEnded, SessionStarted
        from chatmod.core.models import Network
        from chatmod.store.rows import event_row, message_row

        log = self._log
        if log is None:
            return
        if message is not None and self._live is None:  # a live source's writer has it already
            log.add(messages=[message_row(message)])
        rows = []
        marked = False
        for event in events:
            kind = type(event)
            if kind is Analyzed:
                assert isinstance(event, Analyzed)
                if event.to_host:
                    self._networks[event.id] = event.network
                    if len(self._networks) > 100_000:  # a ball that old is not being marked
                        del self._networks[next(iter(self._networks))]
                if self._session is not None:
                    first, last, planned, moved = self._session
                    self._session = (first, max(last, event.created_at), planned, moved)
                    # Stored as it stands with each write (one row a write, whatever the number
                    # of messages): a crash leaves the session's row, open, with its messages.
                    log.add(sessions=[self._session_row()])
            elif kind is SessionStarted:
                assert isinstance(event, SessionStarted)
                self._session = (event.at, event.at, event.planned, event.moved_from)
                log.add(sessions=[self._session_row()])
            elif kind is SessionEnded:
                assert isinstance(event, SessionEnded)
                if self._session is not None:
                    log.add(sessions=[self._session_row(event.at)])
                self._session = None
            elif isinstance(event, BallEvent):
                row = event_row(self._networks.get(event.ball_id, Network.TWITTER), event)
                if row is not None:
                    rows.append(row)
                    if row[_ORIGIN] == "moderator":
                        marked = True
                        self.written += 1
        if rows:
            log.add(events=rows, now=marked)

    def _session_row(self, end: datetime | None = None) -> SessionRow:
        from chatmod.store import SessionRow
        from chatmod.store.rows import iso, session_key

        assert self._session is not None
        first, last, planned, moved = self._session
        start, planned_start = iso(first), (iso(planned) if planned is not None else None)
        moved_from = iso(moved) if moved is not None else None
        # A chat with a schedule that held a session outside it: off schedule, as ingest says.
        return SessionRow(key=session_key(start, planned_start, moved_from), start=start, end=iso(end or last),
                          planned_start=planned_start, off_schedule=self.chat is not None and planned is None,
                          moved_from=moved_from)

    def store_live(
        self, source: Source, result: IngestResult | None = None, progress: Progress | None = None
    ) -> Callable[[Sequence[SourceItem]], None] | None:
        """Store what ``source`` hands on, with its cursor, from now until :meth:`close` (counted
        in ``result``); returns what to hand each batch to (before the chat reads it), or None
        without a database."""
        from chatmod.ingest import IngestResult, LiveWriter

        if self._store is None or self._log is None:
            return None
        # One log: the source's messages and cursor, then the events reading them made.
        self._live = LiveWriter(self._store, source, result or IngestResult(chat=self.key), progress=progress,
                                log=self._log)
        return self._live.take

    async def settled(self) -> None:
        """Wait until everything recorded so far is written (or its write failed)."""
        if self._log is not None:
            await self._log.settled()

    def _say_error(self, error: str) -> None:
        from chatmod.run.log import kept

        if self.on_error is not None:
            self.on_error(kept(error))

    async def close(self) -> None:
        from chatmod.store import StoreError

        if self._log is not None:
            if self._session is not None:  # stored as it stands: still open, nothing dropped
                self._log.add(sessions=[self._session_row()])
            try:
                await self._log.stop()
            except StoreError as error:
                if self.on_error is not None:
                    self.on_error(str(error))
            self._log = None
        if self._store is not None:
            if self._own_store:
                await self._store.close()
            self._store = None
