"""Provides :class:`Reorder`: a live chat's messages put back in the order they were posted.

Networks deliver a chat nearly in order, not quite: a reply can arrive a moment before the
question it answers (two servers, two paths), and the engine reads a chat in the order it was
posted. So a live message waits until the chat's time (the driver's watermark) is ``lateness``
past it; then it, and every message posted before it, is judged, oldest first. A message that
comes later than that is judged when it comes: a late arrival, as the engine reads one.

The console shows each message the moment it arrives; only the judging waits.
"""

from __future__ import annotations

import heapq
import itertools
from datetime import datetime, timedelta

from chatmod.core.models import Message

__all__ = ["Reorder"]


class Reorder:
    """Messages held until the chat's time is ``lateness`` past them. A message delivered again
    while it waits (by the stream and a gap fill) waits once, as its latest copy."""

    def __init__(self, lateness: timedelta) -> None:
        self.lateness = lateness
        self._heap: list[tuple[datetime, int, str]] = []
        self._held: dict[str, Message] = {}
        self._order = itertools.count()  # same time: the order they came in

    def __len__(self) -> int:
        return len(self._held)

    def push(self, message: Message) -> None:
        if message.id not in self._held:
            heapq.heappush(self._heap, (message.created_at, next(self._order), message.id))
        self._held[message.id] = message

    def due(self, known: datetime | None) -> list[Message]:
        """The messages posted by ``known - lateness`` (``known``: the chat's time as far as it
        is known complete), oldest first; they are no longer held."""
        if known is None or not self._heap:
            return []
        bound = known - self.lateness
        heap = self._heap
        out: list[Message] = []
        while heap and heap[0][0] <= bound:
            out.append(self._held.pop(heapq.heappop(heap)[2]))
        return out

    def drain(self) -> list[Message]:
        """Every message held, oldest first (the input has stopped)."""
        out = [self._held[entry[2]] for entry in sorted(self._heap)]
        self._heap.clear()
        self._held.clear()
        return out
