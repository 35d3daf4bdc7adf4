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
