"""Provides a live source fed by code: items pushed in arrive at once, stamped by the wall clock.

What a live network source does once its connection has parsed a frame, without the network: the
base of the live sources, and what tests and benchmarks feed a console with.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from chatmod.sources.base import Capabilities, EndOfInput, Source, SourceItem

__all__ = ["HIGH_WATER", "NETWORK_LATENESS", "QueueSource"]

NETWORK_LATENESS = timedelta(seconds=2)
"""How far out of order a live network delivers a chat (a reply before its parent): what a
network source states as its :attr:`~chatmod.sources.base.Capabilities.lateness`."""

HIGH_WATER = 10_000
"""Items a live source holds for a consumer that lags before its reader stops reading: a flood
then waits in the socket and the server's buffers (TCP pushes back), not in this process."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class QueueSource(Source):
    """Items pushed with :meth:`push`, polled in the order they came.

    Args:
        clock: the chat's time now (the wall clock by default; tests pass one they move).
    """

    capabilities = Capabilities(live=True)

    def __init__(self, clock: Callable[[], datetime] = _utc_now, high_water: int = HIGH_WATER) -> None:
        self._clock = clock
        self._items: deque[SourceItem] = deque()
        self._ready: asyncio.Event | None = None
        self._drained: asyncio.Event | None = None
        self.high_water = high_water
        self.most_held = 0
        """The most items it held at once (what a flood cost in memory)."""
        self.closed = False

    def push(self, items: Iterable[SourceItem]) -> None:
        """Items that just arrived."""
        self._items.extend(items)
        self.most_held = max(self.most_held, len(self._items))
        if self._ready is not None:
            self._ready.set()

    async def room(self) -> None:
        """Until fewer than ``high_water`` items wait for the consumer (at once when they do)."""
        while len(self._items) >= self.high_water:
            if self._drained is None:
                self._drained = asyncio.Event()
            self._drained.clear()
            await self._drained.wait()

    def end(self) -> None:
        """Nothing more will come."""
        if not self.closed:
            self.closed = True
            self.push([EndOfInput()])

    def poll(self, limit: int = 5000) -> list[SourceItem]:
        count = min(limit, len(self._items))
        taken = [self._items.popleft() for _ in range(count)]
        if self._drained is not None and len(self._items) < self.high_water:
            self._drained.set()
        return taken

    def now(self) -> datetime:
        return self._clock()

    async def wait(self) -> None:
        if self._ready is None:
            self._ready = asyncio.Event()
        if not self._items:
            self._ready.clear()
            await self._ready.wait()
