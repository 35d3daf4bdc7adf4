"""Provides ``chatmod rejudge``: stored sessions judged again by today's engine, every moderator's
mark kept.

The ledger is the stored history that reports read as the truth, so a newer engine's judgement
never reaches a stored session by itself. Rejudging a session runs its messages through today's
runtime with every moderator's mark applied at its own time (:func:`~chatmod.core.runtime.
run_marked`), so a mark stands as it stood: the engine's verdicts after it never undo it. What
that run made is appended to the log as a new judgement of the session, which supersedes the
events before it (:meth:`~chatmod.store.Store.append_judgement`): the log is never rewritten. A
mark on a message that is no longer a ball is kept in the new run (the history stays whole, and
a later engine may open the ball again) and is skipped when the ledger is read. Each session's
run is appended in one transaction: a crash leaves it either as it was or rejudged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chatmod.chats import Chat
from chatmod.core.engine import EngineConfig
from chatmod.core.events import BallEvent, Marked
from chatmod.core.ledger import Ledger, Status
from chatmod.core.models import Network
from chatmod.core.runtime import ChatRuntime, run_marked
from chatmod.run.settle import planned_occurrences
from chatmod.store import Store
from chatmod.store.db import stored_team
from chatmod.store.rows import EVENT_COLUMNS, event_from_row, event_row, message_from_row

__all__ = ["Counts", "Rejudged", "rejudge"]

_ORIGIN = EVENT_COLUMNS.index("origin")


@dataclass(frozen=True, slots=True)
class Counts:
    """What a session's ledger says, in the figures a host reads."""

    balls: int = 0
    answered: int = 0
    dropped: int = 0

    @classmethod
    def of(cls, ledger: Ledger) -> Counts:
        statuses = [ball.status for ball in ledger]
        return cls(len(statuses), statuses.count(Status.ANSWERED), statuses.count(Status.DROPPED))


@dataclass(frozen=True, slots=True)
class Rejudged:
    """One stored session, before and after judging it again."""

    session: int
    chat: str
    start: str
    before: Counts
    after: Counts = Counts()
    marks: int = 0
    """Moderator events about the session's balls, all kept."""
    stale: int = 0
    """Of those, the ones that no longer apply (their message is no longer a ball, or the mark no
    longer fits the ball's state): kept as rows, skipped when the ledger is read."""
    skipped: str | None = None
    """Why the session was left as it was (it was stored without a host team)."""


async def rejudge(
    db: Path,
    *,
    session: int | None = None,
    chat: str | None = None,
    chat_named: Callable[[str], Chat | None] = lambda _: None,
    config: EngineConfig | None = None,
    dry_run: bool = False,
    progress: Callable[[Rejudged], None] | None = None,
) -> list[Rejudged]:
    """Judge the stored sessions of ``db`` (one ``session``, those of ``chat``, or all) again with
    the host team each was stored with, and replace their ledgers, moderators' events kept.
    ``chat_named`` gives a chat's definition (its schedule says where a planned session ends).
    With ``dry_run`` nothing is written: the result says what would change.

    Raises StoreError (unusable database).
    """
    done: list[Rejudged] = []
    async with await Store.open(db) as store:
        summaries = await store.session_summaries(chat)
        if session is not None:
            summaries = [s for s in summaries if s["id"] == session]
        for summary in summaries:
            outcome = await _rejudge_one(store, summary, chat_named, config or EngineConfig(), dry_run)
            done.append(outcome)
            if progress is not None:
                progress(outcome)
    return done


async def _rejudge_one(
    store: Store,
    summary: dict[str, object],
    chat_named: Callable[[str], Chat | None],
    config: EngineConfig,
    dry_run: bool,
) -> Rejudged:
    ident, name = int(str(summary["id"])), str(summary["chat"] or "")
    start, end = str(summary["start"]), str(summary["end"])
    before = Counts.of(await store.session_ledger(name, start, end))
    stored = await store.session(ident)
    team = stored_team(str(stored["team"] if stored else "{}"))
    if team is None:
        return Rejudged(ident, name, start, before,
                        skipped="stored without a host team: ingest it again with --host to judge it")
    messages = [message_from_row(row) async for chunk in store.message_rows(name, start, end) for row in chunk]
    networks = {message.id: message.network for message in messages}
    planned = summary.get("planned_start")
    runtime = ChatRuntime(team, config=config, schedule=planned_occurrences(chat_named(name) if name else None,
                                                                          planned, start))
    stored_marks = [row for row in await store.session_event_rows(name, start, end) if row[_ORIGIN] == "moderator"]
    known: dict[int, tuple[object, ...]] = {}  # each mark's stored row, by the mark
    marks: list[Marked] = []
    unknown: list[tuple[object, ...]] = []  # a kind this version does not know: kept as it is
    for stored_row in stored_marks:
        mark = event_from_row(stored_row)
        if isinstance(mark, Marked):
            marks.append(mark)
            known[id(mark)] = stored_row
            networks.setdefault(mark.ball_id, Network(str(stored_row[0])))
        else:
            unknown.append(stored_row)
    events, stale = run_marked(runtime, messages, marks)
    rows = [row for event in events if isinstance(event, BallEvent)
            and (row := event_row(networks[event.ball_id], event)) is not None]
    # Marks that no longer apply stay, as they were written, after what now applies.
    rows.extend(known[id(mark)] for mark in stale)
    rows.extend(unknown)
    if not dry_run:
        await store.append_judgement(name, start, end, rows)
    return Rejudged(ident, name, start, before, Counts.of(Ledger().apply_all(events)), len(stored_marks),
                    len(stale) + len(unknown))
