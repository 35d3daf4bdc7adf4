"""Provides what a run reads back from the database before its source: the stored session it
continues (a live chat resumed mid-session) or shows again (``watch --db --session``), with the
moderators' marks on it, so the runtime and the screen start where the last run left them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chatmod.core.events import Marked
from chatmod.core.models import Message
from chatmod.store import Store
from chatmod.store.rows import EVENT_COLUMNS, event_from_row, iso, message_from_row

__all__ = ["History", "ongoing", "read_session"]

_ORIGIN = EVENT_COLUMNS.index("origin")


@dataclass(slots=True)
class History:
    """A stored session's messages (in time order) and the marks made on its balls."""

    messages: list[Message] = field(default_factory=list)
    marks: list[Marked] = field(default_factory=list)


async def read_session(store: Store, chat: str, start: str, end: str) -> History:
    """``chat``'s messages from ``start`` to ``end`` and the moderators' marks on their balls."""
    messages = [message_from_row(row) async for chunk in store.message_rows(chat, start, end) for row in chunk]
    marks = [
        mark for row in await store.session_event_rows(chat, start, end)
        if row[_ORIGIN] == "moderator" and isinstance(mark := event_from_row(row), Marked)
    ]
    return History(messages, marks)


async def ongoing(store: Store, chat: str, now: datetime, within: timedelta) -> History:
    """The latest stored session of ``chat`` if it may still be going (its last message is
    ``within`` of ``now``), else nothing: a live run resumed mid-session judges it whole."""
    latest = await store.latest_session(chat)
    if latest is None or str(latest["end"]) < iso(now - within):
        return History()
    return await read_session(store, chat, str(latest["start"]), iso(now + within))
