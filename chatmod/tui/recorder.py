"""Provides the console's record in the database (``--db``): moderator actions, and a live chat.

On a live chat the console also stores what arrives as it arrives (as ``chatmod ingest`` does,
with the source's cursor) and, when it closes, judges what it stored into sessions and the
ledger, so the chat watched live is in ``chatmod sessions``, ``followups`` and ``report --db``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatmod.chats import Chat
    from chatmod.core.events import Event
    from chatmod.core.handles import HostTeam
    from chatmod.core.models import Network
    from chatmod.ingest import LiveWriter
    from chatmod.sources.base import Source, SourceItem
    from chatmod.store import Store

__all__ = ["Recorder"]


class Recorder:
    """Writes each moderator action to the store as it is taken, without blocking the screen.

    A sink of the console's chat: it is told every event and keeps the moderators' ones (the
    engine's are rebuilt from the messages by ``ingest``).

    Args:
        path: the database.
        on_error: told (with a one-line reason) when a write fails; the action stays on screen.
    """

    def __init__(
        self, path: Path, on_error: Callable[[str], None] | None = None, chat: Chat | None = None,
        tag: str | None = None,
    ) -> None:
        self.path = path
        self.on_error = on_error
        self.chat = chat
        self.tag = tag
        self.key = ""
        """The chat it records under (:func:`chatmod.chats.chat_key`), known once opened."""
        self.written = 0
        self._store: Store | None = None
        self._networks: dict[str, Network] = {}
        """The network of each ball seen (an event row names it)."""
        self._pending: set[asyncio.Task[None]] = set()
        self._live: LiveWriter | None = None
        self._team: HostTeam | None = None

    async def open(self, team: HostTeam) -> None:
        """Open the database to record the chat ``team`` hosts."""
        from chatmod.chats import chat_key
        from chatmod.store import Store

        self.key = chat_key(self.chat, self.tag, team)
        self._store = await Store.open(self.path, notice=self.on_error)

    def __call__(self, events: Sequence[Event]) -> None:
        from chatmod.core.events import Analyzed, BallAnswered, ModeratorEvent

        for event in events:
            if type(event) is Analyzed:
                if event.to_host:
                    self._networks[event.id] = event.network
                    if len(self._networks) > 100_000:  # a ball that old is not being marked
                        del self._networks[next(iter(self._networks))]
            elif isinstance(event, ModeratorEvent) or (isinstance(event, BallAnswered) and event.message_id is None):
                self.record(event, self._networks.get(event.ball_id))

    def record(self, event: Event, network: Network | None) -> None:
        from chatmod.core.models import Network
        from chatmod.store.rows import event_row

        row = event_row(network or Network.TWITTER, event)
        if row is None or self._store is None:
            return
        task = asyncio.get_running_loop().create_task(self._write(row))
        # Keep a reference: an unreferenced task can be collected before it runs.
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, row: tuple[object, ...]) -> None:
        from chatmod.store import StoreError

        assert self._store is not None
        try:
            await self._store.write(events=[row], chat=self.key)
            self.written += 1
        except StoreError as error:
            if self.on_error is not None:
                self.on_error(str(error))

    def store_live(self, source: Source, team: HostTeam) -> Callable[[Sequence[SourceItem]], None] | None:
        """Store what ``source`` hands on from now until :meth:`close` (judged by ``team`` then);
        returns what to hand each batch to, or None without a database."""
        from chatmod.ingest import IngestResult, LiveWriter

        if self._store is None:
            return None
        self._live = LiveWriter(self._store, source, IngestResult(chat=self.key), on_error=self._say_live_error)
        self._team = team
        self._live.start()
        return self._live.take

    def _say_live_error(self, error: str) -> None:
        if self.on_error is not None:
            self.on_error(f"{error} (kept in memory; written when the database works again)")

    async def close(self) -> None:
        from chatmod.ingest import judge_read
        from chatmod.store import StoreError

        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self._live is not None and self._store is not None:
            try:
                await self._live.stop()
                await judge_read(self._store, self._live.result, self._team, self.chat)
            except StoreError as error:
                if self.on_error is not None:
                    self.on_error(str(error))
            self._live = None
        if self._store is not None:
            await self._store.close()
            self._store = None
