"""Provides an archive's items in the order they happened, under one rule for repeated ids.

Archives come in any order (spreadsheets are newest first) and may repeat a message: an edit
arrives as a second copy, a deletion as a notice. The rule, on every path (``analyze``,
``report``, ``ingest``'s store, the console's replay):

- **the latest copy of an id stands** (an archive's edits are judged as they stand in it), and
- **a deletion marks the message deleted**; it is still judged, because the host saw it.

A whole archive (:func:`chronological`) applies the rule to every copy. A replay streams
(:func:`in_time_order`) and applies it within its reorder window; a copy or deletion that comes
after its message has gone out is passed on as it is, and the runtime treats it as an edit or a
deletion of a message already judged (the verdict stands; what shows changes).
"""

from __future__ import annotations

import heapq
import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from chatmod.core.models import Message, Rejected
from chatmod.formats.base import Deletion, Item

__all__ = ["Run", "chronological", "in_time_order"]

WINDOW = 5000
"""Messages looked at before deciding how an archive is ordered, and the reorder buffer's size."""
_RECENT_IDS = 50_000


@dataclass(slots=True)
class Run:
    """What reading a source produced besides messages."""

    rejected: list[Rejected] = field(default_factory=list)
    rejected_count: int = 0
    deleted: set[str] = field(default_factory=set)
    read: int = 0
    duplicates: int = 0
    off_tag: int = 0

    KEEP_REJECTIONS = 1000
    """Rejections kept in full for display; the count goes on past this."""

    def reject(self, item: Rejected) -> None:
        self.rejected_count += 1
        if len(self.rejected) < self.KEEP_REJECTIONS:
            self.rejected.append(item)


def _order_key(message: Message) -> tuple[datetime, int, str]:
    # Twitter and Mastodon ids grow with time, so they break ties within one second.
    ident = message.id
    return (message.created_at, int(ident) if ident.isdigit() and len(ident) < 30 else 0, ident)


def chronological(
    items: Iterable[Item], run: Run, keep: Callable[[Message], bool] | None = None
) -> list[Message]:
    """Every message once (the latest copy of each id, deletions marked), oldest first;
    rejections into ``run``. With ``keep``, messages it refuses are left out (``run.off_tag``)."""
    latest: dict[str, Message] = {}
    # Most archives are already in order, or newest first: then sorting is a no-op or a reversal.
    rising = falling = True
    previous: datetime | None = None
    for item in items:
        if isinstance(item, Message):
            run.read += 1
            if keep is not None and not keep(item):
                run.off_tag += 1
                continue
            if item.id in latest:
                run.duplicates += 1
            latest[item.id] = item
            at = item.created_at
            if previous is not None:
                rising = rising and at > previous
                falling = falling and at < previous
            previous = at
        elif isinstance(item, Rejected):
            run.reject(item)
        elif isinstance(item, Deletion):
            run.deleted.add(item.id)
    messages = list(latest.values())
    if run.deleted:
        messages = [m.model_copy(update={"deleted": True}) if m.id in run.deleted else m for m in messages]
    if run.duplicates or not (rising or falling):
        messages.sort(key=_order_key)
    elif falling:
        messages.reverse()
    return messages


def in_time_order(items: Iterable[Item], run: Run, window: int = WINDOW) -> Iterator[Item]:
    """The items of ``items`` with the messages oldest first, holding only a window of them when
    it can; rejections pass straight through (and are counted in ``run``).

    An archive that runs forwards (the common case, and what live capture writes) streams
    through a reorder buffer of ``window`` messages. One that runs backwards from its start
    (TAGS sheets are newest first) has to be read whole and sorted.
    """
    iterator = iter(items)
    head: list[Item] = []
    messages = 0
    for item in iterator:
        if isinstance(item, Rejected):
            run.reject(item)
            yield item
            continue
        head.append(item)
        if isinstance(item, Message):
            messages += 1
            if messages >= window:
                break
    ordered = [item for item in head if isinstance(item, Message)]
    if len(ordered) >= 2 and ordered[0].created_at > ordered[-1].created_at:
        rejected: list[Item] = []

        def without_rejections() -> Iterator[Item]:
            for item in itertools.chain(head, iterator):
                if isinstance(item, Rejected):
                    run.reject(item)
                    rejected.append(item)
                else:
                    yield item

        whole = chronological(without_rejections(), run)
        yield from rejected
        yield from whole
        return
    # The buffer: (posted, arrival, [message]); the box lets a later copy take the place of one
    # still waiting. ``waiting`` finds the box by id; ``released`` remembers what went out.
    heap: list[tuple[datetime, int, list[Message]]] = []
    waiting: dict[str, list[Message]] = {}
    released: OrderedDict[str, None] = OrderedDict()
    counter = itertools.count()

    def release() -> Message:
        _, _, box = heapq.heappop(heap)
        message = box[0]
        del waiting[message.id]
        released[message.id] = None
        if len(released) > _RECENT_IDS:
            released.popitem(last=False)
        return message

    def push(item: Item) -> Iterator[Item]:
        if isinstance(item, Rejected):
            run.reject(item)
            yield item
            return
        if isinstance(item, Deletion):
            box = waiting.get(item.id)
            if box is not None:
                box[0] = box[0].model_copy(update={"deleted": True})
            else:
                yield item  # its message has gone out (or never came): the runtime marks it
            return
        run.read += 1
        box = waiting.get(item.id)
        if box is not None:
            run.duplicates += 1
            box[0] = item if not box[0].deleted else item.model_copy(update={"deleted": True})
            return
        if item.id in released:
            run.duplicates += 1
            yield item  # a copy of a message already read: an edit, for the runtime to show
            return
        box = [item]
        waiting[item.id] = box
        heapq.heappush(heap, (item.created_at, next(counter), box))
        if len(heap) > window:
            yield release()

    for item in head:
        yield from push(item)
    for item in iterator:
        yield from push(item)
    while heap:
        yield release()
