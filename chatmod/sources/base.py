"""Provides the Source interface: where a chat's items come from, and what that source can do.

A source is an async stream of batches of items: messages (new, or a repeat of an id: an edit),
deletions, rejected records, and notes about the source itself (its connection state, that it
went back to its start, that it has ended). Its :class:`Capabilities` say what a console may
offer on it: seeking and changing speed make sense for a replay, not for a live chat.

Sources never judge: they hand items to a :class:`chatmod.core.runtime.ChatRuntime`. Nor do they
drop repeats: the runtime's one rule for repeated ids decides what a repeat means.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chatmod.core.models import Message, Network, Rejected
from chatmod.formats.base import Deletion

__all__ = [
    "Capabilities",
    "ConnectionState",
    "EndOfInput",
    "Link",
    "Rewound",
    "Source",
    "SourceItem",
]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a source can do, so a console offers only the keys that work on it."""

    live: bool
    """Items arrive as they happen (the clock is the wall clock)."""
    can_seek: bool = False
    """It can go back to its start, or forward, to any moment."""
    can_change_speed: bool = False
    """Its clock can run faster or slower than real time, or stop."""
    lateness: timedelta = timedelta(0)
    """How far out of order its messages may come (a live network): a message waits this long,
    in the chat's time, so one posted before it can still be read first."""


class Link(StrEnum):
    """Where a source's connection stands."""

    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    GAP_FILLED = "gap filled"
    CAUGHT_UP = "caught up"
    """A run that joined late read the session so far: ``detail`` says how much, since when."""
    GAP = "gap"
    """Some of the chat could not be fetched: ``detail`` gives the span lost."""
    FAILED = "failed"
    ENDED = "ended"

    @property
    def refilled(self) -> bool:
        """What the stream could not bring has been read: a gap filled, a late join caught up."""
        return self in (Link.GAP_FILLED, Link.CAUGHT_UP)


@dataclass(frozen=True, slots=True)
class ConnectionState:
    link: Link
    detail: str = ""
    """For people: "in 4 s", "12 messages", "14:02-14:05 lost", the reason it failed."""


@dataclass(frozen=True, slots=True)
class Rewound:
    """A seekable source went back to its start: what follows is read again, from scratch."""


@dataclass(frozen=True, slots=True)
class EndOfInput:
    """Nothing more will come: the end of an archive, or of a bounded live run."""


SourceItem = Message | Deletion | Rejected | ConnectionState | Rewound | EndOfInput


class Source(ABC):
    """Where a chat's items come from.

    A console polls (:meth:`poll`) on its own rhythm; anything else iterates :meth:`stream`.
    """

    capabilities: Capabilities
    network: Network | None = None
    """The network it reads, when known (a chat's host handles are those on it)."""

    @property
    def label(self) -> str:
        """What it reads, for people: "mastodon example.social/edchat"."""
        return type(self).__name__

    @property
    def key(self) -> str | None:
        """What a stored cursor of this source is filed under (None: it cannot resume)."""
        return None

    def resume_point(self, items: Sequence[SourceItem]) -> str | None:
        """The cursor to store once ``items``, as handed on, are stored: a restart given it
        (``resume_after``) misses nothing after them. None when they do not move it."""
        return None

    @property
    def names(self) -> Mapping[str, str]:
        """Account id → handle, for ids a message named before its handle was known (Bluesky
        DIDs, named by lookups that finish after the message came). Empty by default."""
        return {}

    def know(self, names: Iterable[tuple[str, str]]) -> None:
        """Take ``(id, handle)`` pairs kept from an earlier run. The default has no use for them."""
        return None

    def recall(self, ids: Iterable[str]) -> None:
        """Take the ids of the chat's messages an earlier run stored, oldest first (a reply to
        one of them belongs to the chat). The default has no use for them."""
        return None

    def learned(self) -> list[tuple[str, str]]:
        """The ``(id, handle)`` pairs learnt since the last call, to keep. None by default."""
        return []

    @abstractmethod
    def poll(self, limit: int = 5000) -> list[SourceItem]:
        """The items ready now, at most ``limit`` of them; never blocks."""

    @abstractmethod
    def now(self) -> datetime:
        """The chat's time now: a replay's clock, or the wall clock for a live source."""

    async def start(self) -> None:
        """Begin (connect, open files). The default has nothing to do."""
        return None

    async def close(self) -> None:
        """Stop and let go of connections and files. The default has nothing to do."""
        return None

    async def wait(self) -> None:
        """Until more items may be ready. The default checks again a twentieth of a second on."""
        await asyncio.sleep(0.05)

    async def stream(self, limit: int = 5000) -> AsyncIterator[list[SourceItem]]:
        """Batches of items as they become ready, until :class:`EndOfInput`."""
        while True:
            batch = self.poll(limit)
            if not batch:
                await self.wait()
                continue
            yield batch
            if any(type(item) is EndOfInput for item in batch):
                return
            await asyncio.sleep(0)  # a fast replay must not starve the screen
