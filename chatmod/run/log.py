"""Provides :class:`LogWriter`: a running chat written to the database as it happens.

What a chat produces (its messages, the ledger events in the order the runtime made them, the
sessions it found, a live source's cursor and the names it learnt) is held for at most
:data:`FLUSH_SECONDS` and written in one transaction, so the log's ``seq`` order is the runtime's
order and the ledger rebuilt from it equals the runtime's. A ``kill -9`` loses at most the last
second; a moderator's mark is written at once rather than within the second.

A write that fails (a full disk, a locked file) loses nothing: what it held is written with the
next one, a second later, and ``on_error`` is told at once (once per distinct error); the last
write, at :meth:`LogWriter.stop`, raises StoreError if it still cannot.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chatmod.store import SessionRow, Store, StoreError
from chatmod.store.rows import iso

if TYPE_CHECKING:
    from chatmod.core.handles import HostTeam
    from chatmod.sources.base import Source

__all__ = ["BATCH", "FLUSH_SECONDS", "LogWriter", "Pending", "kept"]

BATCH = 1000
"""Messages (or ledger events) that make a write due before its second is up."""

FLUSH_SECONDS = 1.0
"""The most the log holds what happened before writing it."""
CURSOR_SECONDS = 5.0
"""How often a source's cursor is saved when it moves with nothing of the chat to write."""


def kept(error: str) -> str:
    """A failed write, said to a person: nothing is lost."""
    return f"{error} (kept in memory; written when the database works again)"


@dataclass(slots=True)
class Pending:
    """What waits for the next write, in the order it happened."""

    messages: list[tuple[object, ...]] = field(default_factory=list)
    deletions: list[tuple[str, str]] = field(default_factory=list)
    events: list[tuple[object, ...]] = field(default_factory=list)
    sessions: dict[str, SessionRow] = field(default_factory=dict)
    """By key: a session written open and later closed is written once, as it last stood."""
    names: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.messages or self.deletions or self.events or self.sessions or self.names)

    def put_back(self, older: Pending) -> None:
        """``older`` (a write that failed) goes before what came meanwhile."""
        self.messages[:0], self.deletions[:0], self.events[:0], self.names[:0] = (
            older.messages, older.deletions, older.events, older.names)
        self.sessions = {**older.sessions, **self.sessions}


class LogWriter:
    """Writes a chat's log to ``store`` under ``chat``, a batch at a time, from :meth:`start` to
    :meth:`stop`. Sessions are written with ``team``, the host team that judged them.

    ``written`` is told (message rows written, how many were new or changed, how many events were
    new) after each write.
    """

    def __init__(
        self,
        store: Store,
        chat: str,
        *,
        team: HostTeam | None = None,
        source: Source | None = None,
        on_error: Callable[[str], object] | None = None,
        written: Callable[[int, int, int], object] | None = None,
    ) -> None:
        self._store, self.chat, self.team = store, chat, team
        self._source = source
        self._on_error = on_error
        self.written = written
        self.failing: str | None = None
        """The error of the last write, until one succeeds."""
        self._pending = Pending()
        self._cursor: str | None = None
        self._cursor_written: str | None = None
        self._cursor_saved = 0.0
        self._due = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # Writes are counted by what was held: settled() waits for the write that covers it.
        self._held = self._written_through = self._tried_through = self._attempts = 0
        self._flushed = asyncio.Condition()

    # -- what to write ----------------------------------------------------------------------

    def follow(self, source: Source) -> None:
        """Keep ``source``'s cursor and the names it learns with what it hands on."""
        self._source = source

    def add(
        self,
        messages: Sequence[tuple[object, ...]] = (),
        deletions: Sequence[tuple[str, str]] = (),
        events: Sequence[tuple[object, ...]] = (),
        sessions: Sequence[SessionRow] = (),
        *,
        now: bool = False,
    ) -> None:
        """Hold rows for the next write; with ``now`` (a moderator's mark) write at once."""
        pending = self._pending
        self._held += 1
        pending.messages.extend(messages)
        pending.deletions.extend(deletions)
        pending.events.extend(events)
        for row in sessions:
            pending.sessions[row.key] = row
        if now or len(pending.messages) >= BATCH or len(pending.events) >= BATCH:
            self._due.set()

    def moved_to(self, cursor: str | None) -> None:
        """The source has handed on everything up to ``cursor`` (None: it did not move)."""
        if cursor is not None:
            self._cursor = cursor

    # -- running ----------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"chatmod log of {self.chat or 'a chat'}")

    async def _run(self) -> None:
        """Write every second (sooner when due) until stopped, then once more."""
        said: str | None = None  # each distinct error is said once, until a write succeeds
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._due.wait(), FLUSH_SECONDS)
            self._due.clear()
            try:
                await self._flush()
            except StoreError as error:
                if str(error) != said and self._on_error is not None:
                    self._on_error(str(error))
                said = str(error)
            else:
                said = None
        await self._flush()

    async def stop(self) -> None:
        """Write what is held and stop. Never cancels a write: a transaction cut between
        statements would stay open."""
        self._stopping = True
        self._due.set()
        if self._task is not None:
            await self._task

    async def settled(self) -> None:
        """Wait until what was held when called has been written; raise StoreError if the write
        that took it failed (what it held is kept, and written with the next one)."""
        target, since = self._held, self._attempts
        async with self._flushed:
            while self._written_through < target:
                if self._attempts > since and self._tried_through >= target and self.failing is not None:
                    raise StoreError(self.failing)
                if self._task is None or self._task.done():
                    raise StoreError(self.failing or "the log is not being written (it was stopped)")
                self._due.set()
                await self._flushed.wait()

    async def _flush(self) -> None:
        if self._source is not None:
            self._pending.names.extend(self._source.learned())
            # A source whose cursor moves without the chat (Jetstream reads the whole network)
            # says where it stands once it has handed everything on.
            self.moved_to(self._source.resume_point(()))
        pending, self._pending = self._pending, Pending()
        covers = self._held
        clock = time.monotonic()
        cursor_due = (self._cursor is not None and self._cursor != self._cursor_written
                      and clock - self._cursor_saved >= CURSOR_SECONDS)
        if not pending and not cursor_due:
            await self._covered(covers, written=True)
            return
        now = iso(datetime.now(UTC))
        key = self._source.key if self._source is not None else None
        stamp = (key, self._cursor, now) if key is not None and self._cursor is not None else None
        try:
            changed, added = await self._store.write(
                messages=pending.messages, deletions=pending.deletions, events=pending.events, cursor=stamp,
                identities=[(did, handle, now) for did, handle in pending.names], chat=self.chat)
            for row in pending.sessions.values():
                await self._store.write_sessions(self.chat, row.start, row.end, [row], self.team)
        except StoreError as error:
            self._pending.put_back(pending)
            self.failing = str(error)
            await self._covered(covers, written=False)
            raise
        self.failing = None
        if stamp is not None:
            self._cursor_written, self._cursor_saved = self._cursor, clock
        await self._covered(covers, written=True)
        if self.written is not None:
            self.written(len(pending.messages), changed, added)

    async def _covered(self, covers: int, *, written: bool) -> None:
        async with self._flushed:
            self._attempts += 1
            self._tried_through = covers
            if written:
                self._written_through = covers
            self._flushed.notify_all()
