"""Provides the batch pipeline behind ``analyze`` and ``report``: a file in, a judged chat out.

Archives come in any order (spreadsheets are newest first) and may repeat a message (an edit
arrives as a second copy); the pipeline puts each message once, in chronological order, through
the engine, and keeps every rejection to report at the end.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from chatmod.core.engine import EngineConfig
from chatmod.core.events import Analyzed, Event, SessionEnded
from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Ledger
from chatmod.core.models import Message, Rejected
from chatmod.core.runtime import ChatRuntime
from chatmod.core.schedule import Occurrence
from chatmod.core.sessions import SessionRules
from chatmod.core.text import fold
from chatmod.formats.base import Deletion, Item

__all__ = ["Judged", "Run", "batch_gc", "chronological", "judge", "judge_sessions", "tag_filter"]


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


# Every message read lives until the run ends. Without freezing them the cyclic GC re-walks
# them all on each full collection, which cost more than judging them (performance.md, B1).
_FREEZE_EVERY = 10_000


@contextmanager
def batch_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for a batch run (``analyze``, ``report``, benchmarks).

    A batch run keeps every message and the whole ledger alive to the end, so each full
    collection re-walks all of them for nothing: it cost a third of the run. Nothing the
    pipeline builds is cyclic, so reference counting frees all there is to free meanwhile.
    Live sessions never use this.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _order_key(message: Message) -> tuple[datetime, int, str]:
    # Twitter and Mastodon ids grow with time, so they break ties within one second.
    ident = message.id
    return (message.created_at, int(ident) if ident.isdigit() and len(ident) < 30 else 0, ident)


def tag_filter(tag: str, team: HostTeam) -> Callable[[Message], bool]:
    """Keep what belongs to the chat of ``#tag``: tagged posts, and the replies around them.

    Replies often drop the hashtag, and a host's untagged reply may be the answer to a ball,
    so host-team messages and anything that replies (explicitly or by a leading @) are kept.
    """
    wanted = fold(tag.lstrip("#＃"))
    # For sources that list no hashtags (a hand-written native file): the tag as a word in the text.
    in_text = re.compile(rf"[#＃]{re.escape(wanted)}(?!\w)", re.IGNORECASE)

    def keep(message: Message) -> bool:
        return (
            any(fold(t) == wanted for t in message.hashtags)
            or (not message.hashtags and in_text.search(message.text) is not None)
            or message.reply_to_id is not None
            or message.text.lstrip()[:1] in ("@", "＠")
            or team.matches(message.author, message.author_id)
        )

    return keep


def chronological(
    items: Iterable[Item], run: Run, keep: Callable[[Message], bool] | None = None
) -> list[Message]:
    """Every message once (the latest copy of each id), oldest first; rejections into ``run``.

    With ``keep``, messages it refuses are left out (counted in ``run.off_tag``).
    """
    latest: dict[str, Message] = {}
    # Most archives are already in order, or newest first: then sorting is a no-op or a reversal.
    rising = falling = True
    previous: datetime | None = None
    for item in items:
        if isinstance(item, Message):
            run.read += 1
            if not run.read % _FREEZE_EVERY:
                gc.freeze()
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
    gc.freeze()
    return messages


@dataclass(slots=True)
class Judged:
    """One message with the engine's reading of it and, once its session closed, its fate."""

    message: Message
    analysis: Analyzed


def judge_sessions(
    messages: Iterable[Message],
    team: HostTeam,
    config: EngineConfig | None = None,
    on_event: Callable[[Event], None] | None = None,
    *,
    rules: SessionRules | None = None,
    schedule: Iterable[Occurrence] = (),
) -> Iterator[tuple[list[Judged], Ledger]]:
    """Run the chat through the runtime; yield each session's messages as soon as its ledger
    is final, with that ledger."""
    runtime = ChatRuntime(team, config=config, rules=rules, schedule=schedule)

    def steps() -> Iterator[tuple[Message | None, list[Event]]]:
        for message in messages:
            yield message, runtime.receive(message)
        yield None, runtime.finish()

    pending: list[Judged] = []
    for message, events in steps():
        for event in events:
            if on_event is not None:
                on_event(event)
            if type(event) is Analyzed:  # the message just read: exactly one per new message
                assert message is not None
                pending.append(Judged(message, event))
            elif type(event) is SessionEnded:
                done, pending = pending, []
                yield done, runtime.previous


def judge(
    messages: Iterable[Message], team: HostTeam, config: EngineConfig | None = None
) -> tuple[list[Judged], Ledger]:
    """Run a whole chat; every message with its reading, and the ledger of every session."""
    judged: list[Judged] = []
    ledger = Ledger()
    for session, session_ledger in judge_sessions(messages, team, config):
        judged.extend(session)
        ledger.merge(session_ledger)
    return judged, ledger
