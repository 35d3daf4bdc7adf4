"""A live ingest stopped mid-chat and started again gives one session, each ball judged once."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chatmod.core.handles import HostTeam
from chatmod.core.models import Message
from chatmod.ingest import ingest_live
from chatmod.run.settle import settle
from chatmod.sources.queue import QueueSource
from chatmod.store import Store

TEAM = HostTeam(["mshost"])


def _chat(now: datetime) -> list[Message]:
    rows = [
        ("q1", 0, "mshost", "Q1: what are you reading? #edchat"),
        ("b1", 1, "bob", "@mshost how do you choose books? #edchat"),
        ("c1", 2, "carol", "@mshost any tips for audiobooks? #edchat"),
        ("a1", 3, "dave", "A1 poetry #edchat"),
        ("h1", 4, "mshost", "@bob by cover, honestly #edchat"),
        ("e1", 5, "erin", "@mshost will you share a list? #edchat"),
    ]
    start = now - timedelta(minutes=20)
    return [Message(network="twitter", id=i, author=a, created_at=start + timedelta(minutes=m), text=t,
                    reply_to_id="b1" if i == "h1" else None, reply_to_author="bob" if i == "h1" else None)
            for i, m, a, t in rows]


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


async def test_a_live_ingest_stopped_and_started_again_judges_the_session_once(tmp_path: Path) -> None:
    db, messages = tmp_path / "chat.db", _chat(datetime.now(UTC))

    def source_of(batch: list[Message]) -> QueueSource:
        source = QueueSource()
        source.push(batch)
        return source

    first = source_of(messages[:3])
    result, run = await ingest_live(lambda _cursor: first, db, TEAM, max_messages=3, tag="edchat")
    assert run.messages == 3 and result.judged == 3
    # Stopped mid-chat (Ctrl-C, a crash): the session is stored open, nothing dropped.
    assert _rows(db, "SELECT count(*) FROM ledger_events WHERE kind = 'dropped'") == [(0,)]

    # Started again: the source brings the chat from a little before where it stopped (as a
    # resumed cursor or a gap fill does), so c1 comes twice.
    second = source_of([messages[2], messages[2], *messages[3:]])
    result, run = await ingest_live(lambda _cursor: second, db, TEAM, max_messages=4, tag="edchat")
    assert run.messages == 4  # distinct messages: c1 twice counts once
    assert _rows(db, "SELECT count(*) FROM sessions") == [(1,)]
    assert _rows(db, "SELECT ball_id FROM ledger_events WHERE kind = 'opened' ORDER BY ball_id") == [
        ("b1",), ("c1",), ("e1",)]
    assert _rows(db, "SELECT ball_id, by FROM ledger_events WHERE kind = 'answered'") == [("b1", "mshost")]

    async with await Store.open(db) as store:  # once the chat's time is up
        assert await settle(store, datetime.now(UTC) + timedelta(hours=4)) == 2
        (summary,) = await store.session_summaries()
        assert (summary["chat"], summary["messages"], summary["balls"], summary["dropped"]) == (
            "#edchat @mshost", 6, 3, 2)


CHAT = "#edchat @mshost"


async def _killed_while_the_last_waited(store: Store, at: datetime, last: tuple[str, str, str]) -> list[Message]:
    """What a run killed while its last message waited to be judged in order leaves: every
    message stored (they are stored as they arrive), the session as far as it was judged (q1,
    then bob's ball b1). ``last``: (id, author, text) of the message that waited, a minute on."""
    from chatmod.core.events import BallOpened
    from chatmod.store import SessionRow
    from chatmod.store.rows import event_row, iso, message_row

    rows = [("q1", "mshost", "Q1: what are you reading? #edchat"), ("b1", "bob", "@mshost how do you choose books? #edchat"),
            last]
    messages = [Message(network="twitter", id=i, author=a, created_at=at + timedelta(minutes=m), text=t,
                        reply_to_id="b1" if a == "mshost" and m else None,
                        reply_to_author="bob" if a == "mshost" and m else None)
                for m, (i, a, t) in enumerate(rows)]
    q1, b1, _ = messages
    await store.write(messages=[message_row(m) for m in messages], chat=CHAT)
    await store.write(events=[event_row(b1.network, BallOpened("b1", "bob", True, 1, 1, b1.created_at))], chat=CHAT)
    await store.write_sessions(CHAT, iso(q1.created_at), iso(b1.created_at), [SessionRow(
        key=iso(q1.created_at), start=iso(q1.created_at), end=iso(b1.created_at), planned_start=None,
        off_schedule=False, moved_from=None)], TEAM)
    return messages


async def test_messages_stored_but_not_yet_judged_when_a_run_died_are_judged_when_the_session_is_settled(
        tmp_path: Path) -> None:
    from chatmod.store.rows import iso

    start = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
    async with await Store.open(tmp_path / "chat.db") as store:
        *_, c1 = await _killed_while_the_last_waited(store, start, ("c1", "carol", "@mshost any tips for audiobooks? #edchat"))
        await settle(store, start + timedelta(days=1))
        (summary,) = await store.session_summaries()
        assert (summary["end"], summary["messages"], summary["balls"], summary["dropped"]) == (
            iso(c1.created_at), 3, 2, 2)


async def test_a_resumed_run_writes_the_verdicts_on_messages_the_last_run_stored_but_had_not_judged(
        tmp_path: Path) -> None:
    from chatmod.core.runtime import ChatRuntime
    from chatmod.run.driver import ChatDriver
    from chatmod.run.history import ongoing
    from chatmod.run.record import Recorder
    from chatmod.store.rows import iso

    db = tmp_path / "chat.db"
    now = datetime.now(UTC)
    async with await Store.open(db) as store:
        q1, _, h1 = await _killed_while_the_last_waited(store, now - timedelta(minutes=10),
                                                        ("h1", "mshost", "@bob by the cover #edchat"))
        driver = ChatDriver(QueueSource(), lambda: ChatRuntime(TEAM))
        driver.resume(await ongoing(store, CHAT, now, timedelta(hours=3)))
        recorder = Recorder(db, tag="edchat")
        await recorder.open(TEAM, driver.ongoing, store=store)
        driver.attach(recorder)
        await recorder.close()
        ledger = await store.session_ledger(CHAT, iso(q1.created_at), iso(h1.created_at))
        ball = ledger.get("b1")
        assert ball is not None and ball.answered_message == "h1"
        assert [row[2] for row in await store.session_event_rows(CHAT, iso(q1.created_at), iso(h1.created_at))
                ].count("opened") == 1  # what was stored already is kept once
