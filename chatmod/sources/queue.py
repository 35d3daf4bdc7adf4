"""Provides a live source fed by code: items pushed in arrive at once, stamped by the wall clock.

What a live network source does once its connection has parsed a frame, without the network: the
base of the live sources, and what tests and benchmarks feed a console with.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from chatmod.sources.base import Capabilities, EndOfInput, Source, SourceItem

__all__ = ["QueueSource"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class QueueSource(Source):
    """Items pushed with :meth:`push`, polled in the order they came.

    Args:
        clock: the chat's time now (the wall clock by default; tests pass one they move).
    """

    capabilities = Capabilities(live=True)

    def __init__(self, clock: Callable[[], datetime] = _utc_now) -> None:
        self._clock = clock
        self._items: deque[SourceItem] = deque()
        self._ready: asyncio.Event | None = None
        self.closed = False

    def push(self, items: Iterable[SourceItem]) -> None:
        """Items that just arrived."""
        self._items.extend(items)
        if self._ready is not None:
            self._ready.set()

    def end(self) -> None:
        """Nothing more will come."""
        if not self.closed:
            self.closed = True
            self.push([EndOfInput()])

    def poll(self, limit: int = 5000) -> list[SourceItem]:
        count = min(limit, len(self._items))
        return [self._items.popleft() for _ in range(count)]

    def now(self) -> datetime:
        return self._clock()

    async def wait(self) -> None:
        if self._ready is None:
            self._ready = asyncio.Event()
        if not self._items:
            self._ready.clear()
            await self._ready.wait()
