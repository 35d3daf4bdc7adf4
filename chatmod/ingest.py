"""Provides ``chatmod ingest``: an archive into the database in batches, then judged.

Messages are written as they are read, one transaction per batch, in whatever order the archive
has them; nothing is held but the current batch. The ingested span is then split into sessions
(by the chat's schedule, or by silence) and the engine reads each session back from the database
in time order, writing the ledger events in batches. Every step is idempotent, so a re-run after
a crash completes the work without duplicating any of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from chatmod.chats import Chat
from chatmod.core.engine import EngineConfig
from chatmod.core.events import BallAnswered, BallDropped, BallEvent, BallOpened, Event
from chatmod.core.handles import HostTeam
from chatmod.core.models import Message, Network, Rejected
from chatmod.core.runtime import ChatRuntime
from chatmod.core.sessions import SessionRules, SessionSpan, split_sessions
from chatmod.formats import read_source
from chatmod.formats.base import Deletion, Item
from chatmod.sources.ordering import Run
from chatmod.store import SessionRow, Store
from chatmod.store.db import MessageTimes
from chatmod.store.rows import event_row, iso, message_from_row, message_row

__all__ = ["BATCH", "IngestResult", "ingest"]

BATCH = 1000
"""Messages (or ledger events) per transaction."""

Progress = Callable[[str, int], None]
"""Called after each committed batch with the phase ("reading" or "judging") and the count so far."""


@dataclass(slots=True)
class IngestResult:
    read: int = 0
    changed: int = 0
    """Messages that were new to the database, or changed (edited, deleted) since last time."""
    deletions: int = 0
    judged: int = 0
    events: int = 0
    """Ledger events new to the database."""
    run: Run = field(default_factory=Run)
    sessions: int = 0
    outside: int = 0
    """Messages in the ingested span that belong to no session (reminders, follow-ups)."""
    first: datetime | None = None
    last: datetime | None = None
    network: Network | None = None
    """The network of the first message read."""
    judged_by: HostTeam | None = None


async def ingest(
    source: str,
    db: Path,
    team: HostTeam | None = None,
    input_format: str | None = None,
    progress: Progress | None = None,
    config: EngineConfig | None = None,
    keep: Callable[[Message], bool] | None = None,
    chat: Chat | None = None,
    rules: SessionRules | None = None,
) -> IngestResult:
    """Store every message of ``source`` in ``db``, split the span into sessions (by the chat's
    schedule when given, else by silence), and with a host team judge each session. Without
    ``team``, the chat's host team on the network of the messages read judges them.

    Raises InputError (unreadable source) and StoreError (unusable database).
    """
    result = IngestResult()
    _, items = read_source(source, input_format)
    async with await Store.open(db) as store:
        await _store_messages(store, items, result, progress, keep)
        if result.first is not None and result.last is not None:
            if team is None and chat is not None:
                team = chat.team(result.network or Network.TWITTER)
            result.judged_by = team
            await _judge(store, team, chat, config or EngineConfig(), rules or SessionRules(), result, progress)
    return result


def _batches(
    items: Iterable[Item], result: IngestResult, keep: Callable[[Message], bool] | None
) -> Iterator[tuple[list[tuple[object, ...]], list[tuple[str, str]]]]:
    """(message rows, deletions) of BATCH messages at a time; rejections go to ``result``."""
    rows: list[tuple[object, ...]] = []
    deletions: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, Message):
            if keep is not None and not keep(item):
                result.run.off_tag += 1
                continue
            rows.append(message_row(item))
            if result.network is None:
                result.network = item.network
            at = item.created_at
            if result.first is None or at < result.first:
                result.first = at
            if result.last is None or at > result.last:
                result.last = at
            if len(rows) >= BATCH:
                yield rows, deletions
                rows, deletions = [], []
        elif isinstance(item, Rejected):
            result.run.reject(item)
        elif isinstance(item, Deletion):
            deletions.append((item.network.value, item.id))
            result.deletions += 1
    yield rows, deletions


async def _store_messages(
    store: Store,
    items: Iterable[Item],
    result: IngestResult,
    progress: Progress | None,
    keep: Callable[[Message], bool] | None,
) -> None:
    # The next batch is read and parsed in a worker thread while the event loop drives the
    # write of the previous one (SQLite runs without the GIL): the two overlap on two cores.
    # A batch counts as stored only once its commit has returned.
    batches = _batches(items, result, keep)
    writing: asyncio.Future[tuple[int, int]] | None = None
    written = 0
    while True:
        batch = await asyncio.to_thread(next, batches, None)
        if writing is not None:
            result.changed += (await writing)[0]
            result.read += written
            if progress is not None:
                progress("reading", result.read)
        if batch is None:
            return
        rows, deletions = batch
        writing, written = asyncio.ensure_future(store.write(messages=rows, deletions=deletions)), len(rows)


async def _judge(
    store: Store,
    team: HostTeam | None,
    chat: Chat | None,
    config: EngineConfig,
    rules: SessionRules,
    result: IngestResult,
    progress: Progress | None,
) -> None:
    assert result.first is not None and result.last is not None
    # Whole sessions around what was read: a day either side for scheduled chats (sessions are
    # hours long), a silence gap otherwise (sessions end after that much of it).
    reach = timedelta(days=1) if chat is not None else rules.gap
    start, end = iso(result.first - reach), iso(result.last + reach)
    times = await store.message_times(start, end)
    if not times:
        return
    occurrences = None
    if chat is not None:
        occurrences = list(chat.schedule.between(times[0] - reach, times[-1] + reach))
    # Which stored messages make up sessions is a whole-archive decision (a scheduled session
    # needs a few messages, a small off-schedule group is reminders); the runtime then judges
    # those messages, and decides itself where each of their sessions ends.
    spans = split_sessions(times, occurrences, rules)
    result.sessions = len(spans)
    result.outside = len(times) - sum(span.last - span.first + 1 for span in spans)
    rows = [_session_row(span, times) for span in spans]
    await store.write_sessions(chat.name if chat else "", start, end, rows, team)
    if team is None:
        return

    held = [span.planned for span in spans if span.planned is not None]
    runtime = ChatRuntime(team, config=config, rules=rules, schedule=held)
    # SQLite (in aiosqlite's thread) fetches the next chunk and writes the last batch of events
    # while the runtime judges here: the two overlap instead of taking turns.
    writing: asyncio.Future[tuple[int, int]] | None = None
    networks: dict[str, Network] = {}
    pending: list[tuple[object, ...]] = []
    network = Network.TWITTER

    async def keep(events: list[Event]) -> None:
        nonlocal pending, writing
        for event in events:
            if not isinstance(event, BallEvent):
                continue
            if isinstance(event, BallOpened):
                networks[event.ball_id] = network
            row = event_row(networks.get(event.ball_id, network), event)
            if row is not None:
                pending.append(row)
            if isinstance(event, BallDropped | BallAnswered) and event.ball_id in networks:
                # Closed by the engine: nothing more will be written about it in this run.
                del networks[event.ball_id]
        if len(pending) >= BATCH:
            await settle()
            writing = asyncio.ensure_future(store.write(events=pending))
            pending = []

    async def settle() -> None:
        nonlocal writing
        if writing is not None:
            result.events += (await writing)[1]
            writing = None

    index = 0
    current = 0  # the span being read
    chunks = store.message_rows(start, end)
    upcoming = asyncio.ensure_future(anext(chunks, None))
    while (chunk := await upcoming) is not None:
        upcoming = asyncio.ensure_future(anext(chunks, None))
        await asyncio.sleep(0)  # let the fetch reach SQLite's thread before judging starts
        for row in chunk:
            while current < len(spans) and index > spans[current].last:
                current += 1
            if current < len(spans) and index >= spans[current].first:
                message = message_from_row(row)
                network = message.network
                await keep(runtime.receive(message))
                result.judged += 1
            index += 1
        if progress is not None:
            progress("judging", result.judged)
    await keep(runtime.finish())
    await settle()
    result.events += (await store.write(events=pending))[1]


def _session_row(span: SessionSpan, times: MessageTimes) -> SessionRow:
    planned = iso(span.planned.start) if span.planned is not None else None
    moved = iso(span.moved_from.start) if span.moved_from is not None else None
    return SessionRow(
        key=planned or f"found:{moved or times.stamp(span.first)}",
        start=times.stamp(span.first),
        end=times.stamp(span.last),
        planned_start=planned,
        off_schedule=span.off_schedule,
        moved_from=moved,
    )
