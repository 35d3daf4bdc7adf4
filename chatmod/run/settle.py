"""Provides :func:`settle`: the stored sessions whose time is up, ended as the runtime ends them.

A console quit mid-chat, or a live ingest stopped, leaves its session stored as it stood, its
open balls still open: nobody knew then that the chat was over. Once the session's bound has
passed (its scheduled window and tail, else a silence gap after its last message), the chat is
over whatever comes next, so any command that reads the database first ends such a session: its
stored messages run again through the runtime with every moderator's mark at its time
(:func:`~chatmod.core.runtime.run_marked`), and what that adds (the drops, at the session's last
message) is appended to the log. What was stored already is written again identically and kept
once, so this never judges a ball twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chatmod.chats import Chat
from chatmod.core.events import BallEvent
from chatmod.core.models import Message, Network
from chatmod.core.runtime import ChatRuntime, run_marked
from chatmod.core.schedule import Occurrence
from chatmod.core.sessions import SessionRules
from chatmod.run.history import read_session
from chatmod.store import SessionRow, Store
from chatmod.store.db import stored_team
from chatmod.store.rows import event_row, iso

__all__ = ["planned_occurrences", "settle", "settle_now"]


def planned_occurrences(chat: Chat | None, planned_start: object, start: str) -> list[Occurrence]:
    """The scheduled occurrence a stored session was planned as (none when found by activity, or
    when its chat is no longer defined: the runtime then ends the session by silence)."""
    if chat is None or not planned_start:
        return []
    moment = datetime.fromisoformat(start)
    around = chat.schedule.between(moment - timedelta(days=1), moment + timedelta(days=1))
    return [occurrence for occurrence in around if iso(occurrence.start) == planned_start]


async def settle_now(store: Store, chats_file: Path | None = None) -> int:
    """:func:`settle` at the wall clock's time, each chat's schedule read from ``chats_file``
    (the default chats file when None): what a command does before it reads the ledger."""
    from chatmod.chats import ChatBook, ChatError

    try:
        book: ChatBook | None = ChatBook.load(chats_file)
    except (ChatError, OSError):
        book = None  # without the schedules, sessions end by silence
    return await settle(store, datetime.now(UTC), lambda name: book.chats.get(name) if book else None)


async def settle(
    store: Store,
    now: datetime,
    chat_named: Callable[[str], Chat | None] = lambda _: None,
    rules: SessionRules | None = None,
) -> int:
    """End every stored session whose bound ``now`` has passed and that still has balls that
    were never closed; returns how many balls that dropped."""
    rules = rules or SessionRules()
    dropped = 0
    for session in await store.unsettled_sessions():
        name, start, end = str(session["chat"]), str(session["start"]), str(session["end"])
        team = stored_team(str(session["team"] or "{}"))
        if team is None:
            continue
        chat = chat_named(name) if name[:1].isalnum() else None
        planned = planned_occurrences(chat, session["planned_start"], start)
        bound = (planned[0].end + rules.tail) if planned else datetime.fromisoformat(end) + rules.gap
        if now <= bound:
            continue  # the chat may still be going: a resumed run will carry on with it
        # Messages stored after the session's last judged one (a live run stopped while they
        # waited to be judged in order) are the session's too, as far as the runtime says.
        history = await read_session(store, name, start, iso(bound))
        messages = _in_session(history.messages, ChatRuntime(team, rules=rules, schedule=planned))
        networks = {message.id: message.network for message in messages}
        runtime = ChatRuntime(team, rules=rules, schedule=planned)
        events, _ = run_marked(runtime, messages, history.marks)
        rows = [row for event in events if isinstance(event, BallEvent)
                and (row := event_row(networks.get(event.ball_id, Network.TWITTER), event)) is not None]
        _, added = await store.write(events=rows, chat=name)
        last = iso(messages[-1].created_at) if messages else end
        if last > end:
            await store.write_sessions(name, start, last, [SessionRow(
                key=str(session["key"]), start=start, end=last, planned_start=_text(session["planned_start"]),
                off_schedule=bool(session["off_schedule"]), moved_from=_text(session["moved_from"]))], team)
        dropped += added
    return dropped


def _in_session(messages: list[Message], probe: ChatRuntime) -> list[Message]:
    """The first of ``messages`` (in time order) up to the one the runtime would start a new
    session with."""
    for count, message in enumerate(messages):
        ends = probe.ends_after
        if ends is not None and message.created_at > ends:
            return messages[:count]
        probe.receive(message)
    return messages


def _text(value: object) -> str | None:
    return None if value is None else str(value)
