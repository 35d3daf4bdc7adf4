"""Provides the batch pipeline behind ``analyze`` and ``report``: messages in time order (see
:mod:`chatmod.sources.ordering`) through the chat runtime, judged session by session."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from chatmod.core.engine import EngineConfig
from chatmod.core.events import Analyzed, Event, SessionEnded
from chatmod.core.extract import extract_hashtags
from chatmod.core.handles import HostTeam, find_handles
from chatmod.core.hashtag import carries_tag
from chatmod.core.ledger import Ledger
from chatmod.core.models import Message
from chatmod.core.runtime import ChatRuntime
from chatmod.core.schedule import Occurrence
from chatmod.core.sessions import SessionRules, plan_sessions

__all__ = ["Judged", "batch_gc", "judge", "judge_sessions", "tag_filter"]


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


def tag_filter(tag: str, team: HostTeam) -> Callable[[Message], bool]:
    """Keep what belongs to the chat of ``#tag``: tagged posts, and the replies around them.

    Replies often drop the hashtag, and a host's untagged reply may be the answer to a ball,
    so host-team messages and anything that replies (explicitly or by a leading @) are kept. But
    a reply that carries another chat's hashtag, not ours, and does not involve our host team
    (neither replies to nor names them) is that chat's: two chats at the same hour stay apart.
    """
    tagged = carries_tag(tag)

    def ours(message: Message) -> bool:
        if not (message.hashtags or extract_hashtags(message.text)):
            return True
        if team.matches(message.reply_to_author):
            return True
        return any(team.matches(span.handle) for span in find_handles(message.text, message.network))

    def keep(message: Message) -> bool:
        if tagged(message) or team.matches(message.author, message.author_id):
            return True
        if message.reply_to_id is not None or message.text.lstrip()[:1] in ("@", "＠"):
            return ours(message)
        return False

    return keep


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
    is final, with that ledger. With a ``schedule``, the sessions are those its plan finds in
    ``messages`` (:func:`~chatmod.core.sessions.plan_sessions`); a message outside every one is
    yielded alone, as soon as it is read, with an empty ledger (its ``session`` is 0)."""
    occurrences = list(schedule)
    plan = None
    if occurrences:
        messages = messages if isinstance(messages, list) else list(messages)
        plan = plan_sessions([m.created_at for m in messages], occurrences, rules or SessionRules())
    runtime = ChatRuntime(team, config=config, rules=rules, plan=plan)

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
                if event.session == 0:
                    yield [Judged(message, event)], Ledger()
                else:
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
