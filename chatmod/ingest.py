"""Provides ``chatmod ingest``: an archive into the database in batches, then judged.

Messages are written as they are read, one transaction per batch, in whatever order the archive
has them; nothing is held but the current batch. The ingested span is then split into sessions
(by the chat's schedule, or by silence) and the engine reads each session back from the database
in time order, writing the ledger events in batches. Every step is idempotent, so a re-run after
a crash completes the work without duplicating any of it.

A live chat (:func:`ingest_live`) is written as it arrives: one transaction a second, or sooner
once a thousand messages wait, holding the source's cursor with the messages it covers. A
``kill -9`` loses at most the last second, and a restart resumes from the stored cursor (the
source fetches what it missed). When the run ends, the span it read is judged as a file's is, so a
chat ingested live and the same statuses ingested from a file give the same sessions and ledger.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chatmod.chats import Chat, chat_key
from chatmod.core.engine import EngineConfig
from chatmod.core.events import (
    Analyzed,
    BallAnswered,
    BallDropped,
    BallEvent,
    BallOpened,
    Event,
    SessionStarted,
)
from chatmod.core.handles import HostTeam
from chatmod.core.models import Message, Network, Rejected
from chatmod.core.runtime import ChatRuntime
from chatmod.core.sessions import SessionPlan, SessionRules, SessionSpan, split_sessions
from chatmod.formats import read_source
from chatmod.formats.base import Deletion, Item
from chatmod.run.log import FLUSH_SECONDS, LogWriter, kept
from chatmod.sources.base import ConnectionState, EndOfInput, Source, SourceItem
from chatmod.sources.live import LiveRun, run_live
from chatmod.sources.ordering import Run
from chatmod.store import SessionRow, Store
from chatmod.store.db import MessageTimes
from chatmod.store.rows import event_row, iso, message_from_row, message_row, session_key

__all__ = ["BATCH", "IngestResult", "LiveWriter", "ingest", "ingest_live", "judge_read"]

BATCH = 1000
"""Messages (or ledger events) per transaction."""

RECALLED = 50_000
"""Stored messages a resumed live run is told of (a reply to one of them is the chat's)."""

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
    chat: str = ""
    """The chat it was stored under (:func:`chatmod.chats.chat_key`)."""


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
    tag: str | None = None,
) -> IngestResult:
    """Store every message of ``source`` in ``db`` under ``chat`` (or the ad hoc chat of ``tag``
    and ``team``), split the span into sessions (by the chat's schedule when given, else by
    silence), and with a host team judge each session. Without ``team``, the chat's host team on
    the network of the messages read judges them.

    Raises InputError (unreadable source) and StoreError (unusable database).
    """
    result = IngestResult(chat=chat_key(chat, tag, team))
    _, items = read_source(source, input_format)
    async with await Store.open(db) as store:
        await _store_messages(store, items, result, progress, keep)
        await judge_read(store, result, team, chat, config, rules, progress)
    return result


async def judge_read(
    store: Store,
    result: IngestResult,
    team: HostTeam | None,
    chat: Chat | None,
    config: EngineConfig | None = None,
    rules: SessionRules | None = None,
    progress: Progress | None = None,
) -> None:
    """Split what ``result`` read into sessions and judge them, by ``team`` or else by the chat's
    host team on the network read (neither: sessions are stored, unjudged)."""
    if result.first is None or result.last is None:
        return
    if team is None and chat is not None:
        team = chat.team(result.network or Network.TWITTER)
    result.judged_by = team
    await _judge(store, team, chat, config or EngineConfig(), rules or SessionRules(), result, progress)


async def ingest_live(
    open_source: Callable[[str | None], Source],
    db: Path,
    team: HostTeam | None = None,
    *,
    chat: Chat | None = None,
    keep: Callable[[Message], bool] | None = None,
    progress: Progress | None = None,
    max_messages: int | None = None,
    duration: float | None = None,
    on_state: Callable[[ConnectionState], object] | None = None,
    on_error: Callable[[str], object] | None = None,
    config: EngineConfig | None = None,
    rules: SessionRules | None = None,
    tag: str | None = None,
) -> tuple[IngestResult, LiveRun]:
    """Store and judge a live chat in ``db`` as it arrives, as the console does with ``--db``
    (:class:`~chatmod.run.driver.ChatDriver` into :class:`~chatmod.run.record.Recorder`): the
    messages, the ledger as the runtime makes it and the source's cursor, a batch a second. A
    restart resumes from the stored cursor and joins the stored session if it is still going
    (it is read again: one session, each ball judged once); a session whose time is up is ended
    first. Without a host team (none given, no chat), the chat is stored unjudged.

    ``open_source(cursor)`` makes the source, resuming after the cursor stored by an earlier run
    (None on the first). ``on_error`` hears of a write that failed and will be tried again.
    Raises StoreError (unusable database, or still failing at the end).
    """
    async with await Store.open(db) as store:
        source = await resume_source(store, open_source)
        if team is None and chat is not None:
            team = chat.team(source.network or Network.TWITTER)
        result = IngestResult(chat=chat_key(chat, tag, team), judged_by=team)
        if team is None:
            writer = LiveWriter(store, source, result, keep, progress, on_error)
            writer.start()
            try:
                run = await run_live(source, source.label, max_messages=max_messages, duration=duration,
                                     on_items=writer.take, on_state=on_state, keep=False)
            finally:
                await writer.stop()
            await judge_read(store, result, None, chat, config, rules, progress)  # sessions, unjudged
            return result, run
        run = await _run_judged(store, source, team, result, chat=chat, keep=keep, progress=progress,
                                max_messages=max_messages, duration=duration, on_state=on_state, on_error=on_error,
                                config=config, rules=rules or SessionRules(), tag=tag)
    return result, run


async def _run_judged(
    store: Store,
    source: Source,
    team: HostTeam,
    result: IngestResult,
    *,
    chat: Chat | None,
    keep: Callable[[Message], bool] | None,
    progress: Progress | None,
    max_messages: int | None,
    duration: float | None,
    on_state: Callable[[ConnectionState], object] | None,
    on_error: Callable[[str], object] | None,
    config: EngineConfig | None,
    rules: SessionRules,
    tag: str | None,
) -> LiveRun:
    from chatmod.run.driver import ChatDriver
    from chatmod.run.history import ongoing
    from chatmod.run.record import Recorder
    from chatmod.run.settle import settle

    now = datetime.now(UTC)

    def chat_named(name: str) -> Chat | None:
        return chat if chat is not None and chat.name == name else None

    await settle(store, now, chat_named, rules)
    schedule = list(chat.schedule.between(now - timedelta(days=1), now + timedelta(days=8))) if chat else []
    driver = ChatDriver(source, lambda: ChatRuntime(team, config=config, rules=rules, schedule=schedule))
    driver.resume(await ongoing(store, result.chat, now, rules.gap))
    recorder = Recorder(store.path, on_error=on_error, chat=chat, tag=tag)
    await recorder.open(team, driver.ongoing, store=store)

    def counted(message: Message | None, events: Sequence[Event]) -> None:
        for event in events:
            if type(event) is Analyzed:
                result.judged += 1
            elif type(event) is SessionStarted:
                result.sessions += 1
        if message is not None:
            at = message.created_at
            result.first = at if result.first is None or at < result.first else result.first
            result.last = at if result.last is None or at > result.last else result.last

    # Told what reading the stored session back produced: what the last run stored but had not
    # judged yet is judged and written now (the rest is there already, and kept once).
    driver.attach(recorder)
    driver.attach(counted)
    store_items = recorder.store_live(source, result, progress)
    assert store_items is not None

    def take(items: list[Item]) -> None:
        store_items(items)
        # A live source that ends has stopped, not the chat: its session ends by its own time.
        driver.feed(item for item in items if not isinstance(item, EndOfInput)
                    and (keep is None or not isinstance(item, Message) or keep(item)))

    async def clock() -> None:
        while True:  # the chat's time passes between messages too: a session ends on time
            await asyncio.sleep(FLUSH_SECONDS)
            driver.advance()

    ticking = asyncio.create_task(clock(), name="chatmod live clock")
    try:
        run = await run_live(source, source.label, max_messages=max_messages, duration=duration,
                             on_items=take, on_state=on_state, keep=False)
    finally:
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking
        driver.flush()  # this run reads no more: what waits to be judged in order is judged now
        await recorder.close()
    # A run stopped after its chat was over (an archive-like replay, a late start) ends it now,
    # as the next command would; one stopped mid-chat leaves it open for the next run to join.
    await settle(store, datetime.now(UTC), chat_named, rules)
    return run


async def resume_source(store: Store, open_source: Callable[[str | None], Source]) -> Source:
    """The live source, resuming after the cursor ``store`` keeps for it (``open_source(cursor)``;
    None when it has none), knowing the names an earlier run learnt."""
    probe = open_source(None)
    key = probe.key
    resume = await store.cursor(key) if key is not None else None
    source = probe if resume is None else open_source(resume)
    source.know(await store.identities())
    if resume is not None and source.network is not None:
        source.recall(await store.recent_ids(source.network.value, RECALLED))
    return source


async def resumed(db: Path, open_source: Callable[[str | None], Source]) -> Source:
    """:func:`resume_source` for a database opened just for it (the console records later)."""
    async with await Store.open(db) as store:
        return await resume_source(store, open_source)


class LiveWriter:
    """A live source's items, as it hands them on (:meth:`take`), into the chat's log
    (:class:`~chatmod.run.log.LogWriter`: a batch a second, with the source's cursor), from
    :meth:`start` to :meth:`stop`; ``result`` counts what was written. A write that fails loses
    nothing and ``on_error`` hears of it at once; the last one raises StoreError.
    """

    def __init__(self, store: Store, source: Source, result: IngestResult | None = None,
                 keep: Callable[[Message], bool] | None = None, progress: Progress | None = None,
                 on_error: Callable[[str], object] | None = None, log: LogWriter | None = None) -> None:
        self.result = result if result is not None else IngestResult()
        self._source, self._keep, self._progress = source, keep, progress
        if log is None:
            log = LogWriter(store, self.result.chat, source=source,
                            on_error=(lambda error: on_error(kept(error))) if on_error is not None else None)
        else:  # a log that also holds the events of a chat being run (the console's)
            log.follow(source)
        log.written = self._count
        self.log = log

    @property
    def failing(self) -> str | None:
        """The error of the last write, until one succeeds."""
        return self.log.failing

    def take(self, items: Sequence[SourceItem]) -> None:
        for rows, deletions in _batches(items, self.result, self._keep):
            self.log.add(rows, deletions)
        self.log.moved_to(self._source.resume_point(items))

    def start(self) -> None:
        self.log.start()

    async def stop(self) -> None:
        await self.log.stop()

    def _count(self, read: int, changed: int, events: int) -> None:
        self.result.changed += changed
        self.result.read += read
        self.result.events += events
        if self._progress is not None and read:
            self._progress("reading", self.result.read)


def _batches(
    items: Iterable[Item | SourceItem], result: IngestResult, keep: Callable[[Message], bool] | None
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
    try:
        while True:
            batch = await asyncio.to_thread(next, batches, None)
            if writing is not None:
                result.changed += (await writing)[0]
                writing = None
                result.read += written
                if progress is not None:
                    progress("reading", result.read)
            if batch is None:
                return
            rows, deletions = batch
            writing, written = (
                asyncio.ensure_future(store.write(messages=rows, deletions=deletions, chat=result.chat)), len(rows))
    finally:
        await _let_finish(writing)


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
    times = await store.message_times(result.chat, start, end)
    if not times:
        return
    occurrences = None
    if chat is not None:
        occurrences = list(chat.schedule.between(times[0] - reach, times[-1] + reach))
    # Which stored messages make up sessions is a whole-archive decision (a scheduled session
    # needs a few messages, a small off-schedule group is reminders); the runtime then judges
    # those messages, and decides itself where each of their sessions ends.
    spans = split_sessions(times, occurrences, rules)
    plan = SessionPlan.of(times, spans)
    result.sessions = len(spans)
    result.outside = len(times) - sum(span.last - span.first + 1 for span in spans)
    rows = [_session_row(span, times, scheduled=occurrences is not None) for span in spans]
    await store.write_sessions(result.chat, start, end, rows, team)
    if team is None:
        return

    runtime = ChatRuntime(team, config=config, rules=rules, plan=plan)
    # SQLite (in aiosqlite's thread) fetches the next chunk and writes the last batch of events
    # while the runtime judges here: the two overlap instead of taking turns.
    writing: asyncio.Future[tuple[int, int]] | None = None
    networks: dict[str, Network] = {}
    pending: list[tuple[object, ...]] = []
    network = Network.TWITTER

    def keep(events: list[Event]) -> bool:
        """Take the events to write; True once a batch of them is ready."""
        for event in events:
            kind = type(event)
            if kind is Analyzed:
                if event.session:  # type: ignore[union-attr]  # 0: outside every session
                    result.judged += 1
                continue
            if not isinstance(event, BallEvent):
                continue
            if kind is BallOpened:
                networks[event.ball_id] = network
            row = event_row(networks.get(event.ball_id, network), event)
            if row is not None:
                pending.append(row)
            if (kind is BallDropped or kind is BallAnswered) and event.ball_id in networks:
                # Closed by the engine: nothing more will be written about it in this run.
                del networks[event.ball_id]
        return len(pending) >= BATCH

    async def write_batch() -> None:
        nonlocal pending, writing
        await settle()
        writing = asyncio.ensure_future(store.write(events=pending, chat=result.chat))
        pending = []

    async def settle() -> None:
        nonlocal writing
        if writing is not None:
            result.events += (await writing)[1]
            writing = None

    chunks = store.message_rows(result.chat, start, end)
    upcoming = asyncio.ensure_future(anext(chunks, None))
    try:
        while (chunk := await upcoming) is not None:
            upcoming = asyncio.ensure_future(anext(chunks, None))
            await asyncio.sleep(0)  # let the fetch reach SQLite's thread before judging starts
            for row in chunk:
                message = message_from_row(row)
                network = message.network
                if keep(runtime.receive(message)):
                    await write_batch()
            if progress is not None:
                progress("judging", result.judged)
        keep(runtime.finish())
        await settle()
        result.events += (await store.write(events=pending, chat=result.chat))[1]
    finally:
        await _let_finish(upcoming)
        await _let_finish(writing)


async def _let_finish(task: asyncio.Future[Any] | None) -> None:
    """A run cut short (Ctrl-C, an error) lets the read or write under way finish before the
    database closes: a batch is stored whole or not at all, and nothing is left running."""
    if task is None or task.done():
        return
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.shield(task)


def _session_row(span: SessionSpan, times: MessageTimes, *, scheduled: bool) -> SessionRow:
    planned = iso(span.planned.start) if span.planned is not None else None
    moved = iso(span.moved_from.start) if span.moved_from is not None else None
    return SessionRow(
        key=session_key(times.stamp(span.first), planned, moved),
        start=times.stamp(span.first),
        end=times.stamp(span.last),
        planned_start=planned,
        off_schedule=scheduled and span.off_schedule,  # without a schedule there is none to be off
        moved_from=moved,
    )
