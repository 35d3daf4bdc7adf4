"""Provides the console's record of moderator actions in the database (``--db``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatmod.core.events import Event
    from chatmod.core.models import Network
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

    def __init__(self, path: Path, on_error: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.on_error = on_error
        self.written = 0
        self._store: Store | None = None
        self._networks: dict[str, Network] = {}
        """The network of each ball seen (an event row names it)."""
        self._pending: set[asyncio.Task[None]] = set()
        # One connection, one transaction at a time: two quick actions must not interleave.
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        from chatmod.store import Store

        self._store = await Store.open(self.path)

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
            async with self._lock:
                await self._store.write(events=[row])
            self.written += 1
        except StoreError as error:
            if self.on_error is not None:
                self.on_error(str(error))

    async def close(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self._store is not None:
            await self._store.close()
            self._store = None
