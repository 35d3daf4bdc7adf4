"""Provides replay: an archive's messages in time order, released by a clock that can pause,
change speed and seek. No Textual and no clock reads here: wall time is always an argument.
"""

from __future__ import annotations

import heapq
import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta

from chatmod.core.models import Message, Rejected
from chatmod.formats.base import Item
from chatmod.pipeline import Run, chronological

__all__ = ["END_OF_TIME", "SPEEDS", "Feed", "ReplayClock", "in_time_order"]

END_OF_TIME = datetime.max.replace(tzinfo=UTC)
SPEEDS: tuple[float | None, ...] = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, None)
"""The speeds a replay steps through; None is as fast as possible."""

_WINDOW = 5000
"""Messages looked at before deciding how an archive is ordered, and the reorder buffer's size."""
_RECENT_IDS = 50_000


class ReplayClock:
    """Chat time as a function of wall time (monotonic seconds).

    Args:
        start: the chat time the replay starts at.
        speed: chat seconds per wall second; None releases everything at once.
        playing: whether the clock runs from the start.
        wall: the wall time now.
    """

    def __init__(self, start: datetime, speed: float | None = 1.0, *, playing: bool = True, wall: float = 0.0) -> None:
        self.speed = speed
        self.playing = playing
        self._at = start
        self._wall = wall

    def position(self, wall: float) -> datetime:
        """The chat time at wall time ``wall``."""
        if not self.playing:
            return self._at
        if self.speed is None or self._at == END_OF_TIME:
            return END_OF_TIME
        try:
            return self._at + timedelta(seconds=(wall - self._wall) * self.speed)
        except OverflowError:
            return END_OF_TIME

    def _anchor(self, wall: float) -> None:
        at = self.position(wall)
        self._at, self._wall = (at if at != END_OF_TIME else self._at), wall

    def pause(self, wall: float) -> None:
        self._anchor(wall)
        self.playing = False

    def play(self, wall: float) -> None:
        self._anchor(wall)
        self.playing = True

    def set_speed(self, speed: float | None, wall: float) -> None:
        self._anchor(wall)
        self.speed = speed

    def seek(self, at: datetime, wall: float) -> None:
        self._at, self._wall = at, wall

    def advance_to(self, at: datetime, wall: float) -> None:
        """Re-anchor at ``at`` (as fast as possible, the clock is where the last message was)."""
        if at > self._at:
            self._at, self._wall = at, wall


class Feed:
    """The messages of a replay, in time order, taken up to a moment.

    Args:
        open_items: opens the archive from its start (called again to seek backwards).
    """

    def __init__(self, open_items: Callable[[], Iterable[Item]]) -> None:
        self._open_items = open_items
        self.run = Run()
        self._messages: Iterator[Message] = iter(())
        self._next: Message | None = None
        self.exhausted = False
        self.restart()

    def restart(self) -> None:
        """Back to the archive's first message."""
        self.run = Run()
        self._messages = in_time_order(self._open_items(), self.run)
        self._next = None
        self.exhausted = False
        self._fill()

    @property
    def next_at(self) -> datetime | None:
        """When the next message was posted (None at the end)."""
        return self._next.created_at if self._next is not None else None

    def take(self, until: datetime, limit: int = 1000) -> list[Message]:
        """The messages posted up to ``until``, at most ``limit`` of them."""
        taken: list[Message] = []
        while self._next is not None and self._next.created_at <= until and len(taken) < limit:
            taken.append(self._next)
            self._fill()
        return taken

    def _fill(self) -> None:
        self._next = next(self._messages, None)
        if self._next is None:
            self.exhausted = True


def in_time_order(items: Iterable[Item], run: Run, window: int = _WINDOW) -> Iterator[Message]:
    """The messages of ``items``, oldest first, holding only a window of them when it can.

    An archive that runs forwards (the common case, and what live capture writes) streams
    through a reorder buffer of ``window`` messages. One that runs backwards from its start
    (TAGS sheets are newest first) has to be read whole and sorted. Rejected records are
    counted in ``run``; a later copy of a recent id replaces nothing and is skipped.
    """
    iterator = iter(items)
    head: list[Message] = []
    for item in iterator:
        if isinstance(item, Message):
            head.append(item)
            if len(head) >= window:
                break
        elif isinstance(item, Rejected):
            run.reject(item)
    if len(head) >= 2 and head[0].created_at > head[-1].created_at:
        yield from chronological(itertools.chain(head, iterator), run)
        return
    recent: OrderedDict[str, None] = OrderedDict()
    heap: list[tuple[datetime, int, Message]] = []
    counter = itertools.count()

    def push(message: Message) -> Iterator[Message]:
        run.read += 1
        if message.id in recent:
            run.duplicates += 1
            return
        recent[message.id] = None
        if len(recent) > _RECENT_IDS:
            recent.popitem(last=False)
        heapq.heappush(heap, (message.created_at, next(counter), message))
        if len(heap) > window:
            yield heapq.heappop(heap)[2]

    for message in head:
        yield from push(message)
    for item in iterator:
        if isinstance(item, Message):
            yield from push(item)
        elif isinstance(item, Rejected):
            run.reject(item)
    while heap:
        yield heapq.heappop(heap)[2]
