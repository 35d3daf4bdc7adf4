"""Provides replay: an archive as a :class:`~chatmod.sources.base.Source` whose clock can stop,
change speed and seek. The wall clock is a callable, so tests move it by hand.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta

from chatmod.core.models import Message
from chatmod.formats.base import Item
from chatmod.sources.base import Capabilities, EndOfInput, Rewound, Source, SourceItem
from chatmod.sources.ordering import Run, in_time_order

__all__ = ["END_GRACE", "END_OF_TIME", "SPEEDS", "Feed", "ReplayClock", "ReplaySource", "in_time_order",
           "message_times"]

END_OF_TIME = datetime.max.replace(tzinfo=UTC)
SPEEDS: tuple[float | None, ...] = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, None)
"""The speeds a replay steps through; None is as fast as possible."""



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


def message_times(open_items: Callable[[], Iterable[Item]]) -> list[datetime]:
    """When each message of the archive ``open_items`` opens was posted, oldest first (one pass
    over it: what the chat's session plan is made from)."""
    return [item.created_at for item in in_time_order(open_items(), Run()) if isinstance(item, Message)]


class Feed:
    """An archive's items, messages in time order, taken up to a moment.

    Args:
        open_items: opens the archive from its start (called again to go back to it).
    """

    def __init__(self, open_items: Callable[[], Iterable[Item]]) -> None:
        self._open_items = open_items
        self.run = Run()
        self._items: Iterator[Item] = iter(())
        self._ahead: deque[Item] = deque()
        """Items read but not taken: a message last, or nothing left (rejections carry no time
        of their own: they go out with the message that follows them)."""
        self.exhausted = False
        self.restart()

    def restart(self) -> None:
        """Back to the archive's first message."""
        self.run = Run()
        self._items = in_time_order(self._open_items(), self.run)
        self._ahead.clear()
        self.exhausted = False
        self._fill()

    @property
    def done(self) -> bool:
        """Every item has been taken."""
        return self.exhausted and not self._ahead

    @property
    def next_message(self) -> Message | None:
        """The next message to be taken (None at the end)."""
        last = self._ahead[-1] if self._ahead else None
        return last if isinstance(last, Message) else None

    @property
    def next_at(self) -> datetime | None:
        """When the next message was posted (None at the end)."""
        upcoming = self.next_message
        return upcoming.created_at if upcoming is not None else None

    def take(self, until: datetime, limit: int = 1000) -> list[Item]:
        """The items up to the messages posted by ``until``, at most ``limit`` messages."""
        taken: list[Item] = []
        messages = 0
        while self._ahead and messages < limit:
            last = self._ahead[-1]
            if isinstance(last, Message) and last.created_at > until:
                break
            taken.extend(self._ahead)
            messages += 1
            self._ahead.clear()
            self._fill()
        return taken

    def _fill(self) -> None:
        for item in self._items:
            self._ahead.append(item)
            if isinstance(item, Message):
                return
        self.exhausted = not self._ahead or not isinstance(self._ahead[-1], Message)


END_GRACE = timedelta(minutes=1)
"""Chat time between an archive's last message and the end of its replay: a chat ends in
silence, and the last balls show for a moment before they are dropped."""


class ReplaySource(Source):
    """An archive replayed by a clock that can stop, change speed and seek.

    Args:
        open_items: opens the archive from its start (called again to seek backwards).
        speed: chat seconds per wall second; None is as fast as possible.
        wall: the wall clock (monotonic seconds); tests pass one they move.
    """

    capabilities = Capabilities(live=False, can_seek=True, can_change_speed=True)

    def __init__(
        self, open_items: Callable[[], Iterable[Item]], speed: float | None = 1.0, wall: Callable[[], float] = time.monotonic
    ) -> None:
        self.feed = Feed(open_items)
        self._wall = wall
        first = self.feed.next_message
        self.start_at = first.created_at if first is not None else END_OF_TIME
        """When the archive's first message was posted."""
        self.network = first.network if first is not None else None
        """The network of the archive's first message (a chat's host handles are those on it)."""
        self.clock = ReplayClock(self.start_at, speed, wall=wall())
        self.last_at: datetime | None = None
        """When the newest message released was posted."""
        self.ended = False
        self._rewound = False

    @property
    def empty(self) -> bool:
        """The archive has no message at all."""
        return self.start_at == END_OF_TIME

    @property
    def playing(self) -> bool:
        return self.clock.playing

    @property
    def speed(self) -> float | None:
        return self.clock.speed

    def now(self) -> datetime:
        position = self.clock.position(self._wall())
        if position == END_OF_TIME or self.ended:
            return self.last_at or self.feed.next_at or self.start_at
        return position

    def poll(self, limit: int = 5000) -> list[SourceItem]:
        items: list[SourceItem] = [Rewound()] if self._rewound else []
        self._rewound = False
        if self.ended:
            return items
        until = self.clock.position(self._wall())
        taken = self.feed.take(until, limit)
        for item in taken:
            if isinstance(item, Message) and (self.last_at is None or item.created_at > self.last_at):
                self.last_at = item.created_at
        items.extend(taken)
        last = self.last_at
        if self.feed.done and (last is None or until == END_OF_TIME or until >= last + END_GRACE):
            self.ended = True
            self.clock.seek(last or self.start_at, self._wall())
            self.clock.pause(self._wall())
            items.append(EndOfInput())
        return items

    async def wait(self) -> None:
        await asyncio.sleep(0.05 if self.clock.playing else 0.2)

    # -- controls ---------------------------------------------------------------------------

    def toggle_play(self) -> None:
        wall = self._wall()
        if self.clock.playing:
            self.clock.pause(wall)
        else:
            self.clock.play(wall)

    def faster(self, step: int = 1) -> float | None:
        """Next speed up (or down with a negative step) in :data:`SPEEDS`."""
        wall = self._wall()
        speed = self.clock.speed
        if speed is None or speed in SPEEDS:
            index = SPEEDS.index(speed) + step
        else:
            # A speed from the command line (say 120): the next one up or down from it.
            finite = [s for s in SPEEDS if s is not None]
            if step > 0:
                index = next((i for i, s in enumerate(finite) if s > speed), len(finite))
            else:
                index = max((i for i, s in enumerate(finite) if s < speed), default=0)
        index = max(0, min(len(SPEEDS) - 1, index))
        if self.clock.speed is None and self.last_at is not None:
            self.clock.seek(self.last_at, wall)
        self.clock.set_speed(SPEEDS[index], wall)
        return SPEEDS[index]

    def seek(self, at: datetime) -> None:
        """Jump to chat time ``at``: the next poll reads on to it, after a :class:`Rewound` if
        that is backwards. ``END_OF_TIME`` reads to the end and waits at the last message."""
        wall = self._wall()
        if self.last_at is not None and at < self.last_at:
            self.feed.restart()
            self.last_at = None
            self.ended = False
            self._rewound = True
        playing = self.clock.playing
        self.clock.seek(at, wall)
        if not playing:
            self.clock.pause(wall)

    def settle_at_end(self) -> None:
        """After a seek to the end: the clock waits at the last message, not at the end of time."""
        self.clock.seek(self.last_at or self.start_at, self._wall())
