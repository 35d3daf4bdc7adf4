"""The SQLite store: idempotent batches, recorded edits and deletes, versions, and clear faults."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC
from pathlib import Path

import pytest

from chatmod.core.handles import HostTeam
from chatmod.ingest import ingest
from chatmod.store import Store, StoreError
from chatmod.store.rows import message_from_row, message_row
from chatmod.store.schema import SCHEMA_VERSION
from tests.conftest import ROOT, chat

DEMO = ROOT / "chatmod" / "demo" / "demo_chat.jsonl"
TEAM = HostTeam(["msrivera"], ["mrokafor"])


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def _write_lines(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


async def test_ingesting_twice_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    first = await ingest(str(DEMO), db, TEAM)
    counts = _rows(db, "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM ledger_events)")
    again = await ingest(str(DEMO), db, TEAM)
    assert first.read == again.read == 326 and first.changed == 326 and first.events > 100
    assert (again.changed, again.events) == (0, 0)
    assert _rows(db, "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM ledger_events)") == counts
    assert counts[0][0] == 326
    assert _rows(db, "PRAGMA journal_mode") == [("wal",)] and _rows(db, "PRAGMA integrity_check") == [("ok",)]


async def test_the_stored_ledger_matches_the_engine(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    await ingest(str(DEMO), db, TEAM)
    kinds = dict(_rows(db, "SELECT kind, count(*) FROM ledger_events GROUP BY kind"))
    # The demo recap: 52 balls, 40 answered, 12 dropped.
    assert kinds == {"opened": 52, "answered": 40, "dropped": 12}


async def test_rejudging_the_demo_changes_nothing_and_a_failed_replacement_keeps_the_old_ledger(
    tmp_path: Path,
) -> None:
    from chatmod.rejudge import rejudge

    db = tmp_path / "chat.db"
    await ingest(str(DEMO), db, TEAM)
    events = "SELECT network, ball_id, kind, at, by, message_id, origin, detail FROM ledger ORDER BY seq"
    log = "SELECT network, ball_id, kind, at, by, message_id, origin, detail FROM ledger_events ORDER BY seq"
    stored = _rows(db, events)
    (outcome,) = await rejudge(db)
    assert outcome.after == outcome.before and outcome.before.balls > 20
    assert _rows(db, events) == stored  # today's engine wrote what today's engine wrote
    assert _rows(db, log) == stored  # the same judgement again: nothing appended
    async with await Store.open(db) as store:
        (session,) = await store.session_summaries()
        bad = ("twitter", "x", "opened", "2020-01-01T00:00:00.000Z", "", "", "nobody", "{}")  # origin fails CHECK
        with pytest.raises(StoreError):
            await store.append_judgement(str(session["chat"]), str(session["start"]), str(session["end"]), [bad])
    assert _rows(db, events) == stored


async def test_messages_read_back_equal(tmp_path: Path) -> None:
    messages = chat([("m1", "0:00", "bob", "@mshost hi [bold]x[/] \u202e", {"hashtags": ("edchat",), "reply_to_id": "h"}),
                     ("m2", "0:01", "carol", "@mshost forgot the tag", {"untagged": True})])
    async with await Store.open(tmp_path / "x.db") as store:
        await store.write(messages=[message_row(m) for m in messages], chat="edchat")
        rows = [row async for chunk in store.message_rows("edchat") for row in chunk]
        assert [row async for chunk in store.message_rows("ellchat") for row in chunk] == []
    assert [message_from_row(r) for r in rows] == messages


async def test_a_resumed_live_run_is_told_the_newest_stored_ids_of_its_network_oldest_first(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "x.db") as store:
        await store.write(messages=[message_row(m) for m in chat(
            [("m3", "0:03", "bob", "c", {}), ("m1", "0:01", "bob", "a", {}), ("m2", "0:02", "bob", "b", {})])])
        assert await store.recent_ids("twitter", 2) == ["m2", "m3"]
        assert await store.recent_ids("mastodon", 2) == []


async def test_edits_and_deletes_are_recorded_not_lost(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    base = {"network": "mastodon", "id": "9", "author": "bob", "created_at": "2026-03-03T17:00:00Z"}
    await ingest(str(_write_lines(tmp_path / "a.jsonl", [{**base, "text": "first version"}])), db)
    await ingest(str(_write_lines(tmp_path / "b.jsonl", [{**base, "text": "second version", "edited": True}])), db)
    await ingest(str(_write_lines(tmp_path / "c.jsonl", [{**base, "text": "second version", "edited": True, "deleted": True}])), db)
    assert _rows(db, "SELECT text, edited, deleted FROM messages") == [("second version", 1, 1)]
    assert _rows(db, "SELECT change, old_text, new_text FROM message_revisions ORDER BY rowid") == [
        ("edited", "first version", "second version"), ("deleted", "second version", "second version")]


async def test_a_bad_row_fails_the_whole_batch_loudly(tmp_path: Path) -> None:
    good = message_row(chat([("m1", "0:00", "bob", "hello")])[0])
    bad = (None, *good[1:])  # network is NOT NULL: INSERT OR IGNORE would have dropped it silently
    async with await Store.open(tmp_path / "x.db") as store:
        with pytest.raises(StoreError, match=r"x\.db"):
            await store.write(messages=[good, bad])
        assert await store.count("messages") == 0
        await store.write(messages=[good])
        assert await store.count("messages") == 1


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    with sqlite3.connect(db) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer chatmod"):
        await Store.open(db)


async def test_a_current_database_is_not_migrated_again(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    async with await Store.open(db):
        pass
    async with await Store.open(db) as store:
        assert await store.integrity() == "ok"
    assert _rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


async def test_a_locked_database_names_the_path(tmp_path: Path) -> None:
    db = tmp_path / "busy.db"
    async with await Store.open(db):
        pass
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        async with await Store.open(db, busy_timeout_ms=50) as store:
            with pytest.raises(StoreError, match=r"busy\.db: another process holds it locked"):
                await store.write(messages=[message_row(chat([("m", "0:00", "bob", "x")])[0])])
    finally:
        holder.execute("ROLLBACK")
        holder.close()


async def test_a_full_disk_writes_nothing_of_the_batch(tmp_path: Path) -> None:
    rows = [message_row(m) for m in chat([(f"m{i}", "0:00", "bob", "x" * 2000) for i in range(200)])]
    async with await Store.open(tmp_path / "full.db") as store:
        await store._db.execute("PRAGMA max_page_count = 40")  # a disk that fills up
        with pytest.raises(StoreError, match="disk is full"):
            await store.write(messages=rows)
        assert await store.count("messages") == 0


async def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"missing.*cannot open it"):
        await Store.open(tmp_path / "missing" / "x.db")


@pytest.mark.parametrize("question, thread, burst_of", [(True, 3, None), (False, None, 'x"\\y'), (True, 12, "1700")])
def test_opened_detail_is_the_json_of_the_ball(question: bool, thread: int | None, burst_of: str | None) -> None:
    from datetime import datetime

    from chatmod.core.events import BallOpened
    from chatmod.core.models import Network
    from chatmod.store.rows import event_row

    event = BallOpened("b1", "bob", question, thread, 1, datetime(2026, 1, 1, tzinfo=UTC), burst_of)
    row = event_row(Network.TWITTER, event)
    assert row is not None and json.loads(str(row[-1])) == {"question": question, "thread": thread, "burst_of": burst_of}


async def test_a_live_write_that_fails_keeps_its_messages_for_the_next_and_says_so_once(tmp_path: Path) -> None:
    from chatmod.ingest import LiveWriter
    from chatmod.sources.queue import QueueSource

    class Live(QueueSource):
        key = "live://test"

        def resume_point(self, items: object) -> str | None:
            return "cursor-1"

    said: list[str] = []
    async with await Store.open(tmp_path / "x.db") as store:
        real_write = store.write
        failures = iter([StoreError("disk full"), StoreError("disk full")])

        async def flaky(**batch: object) -> tuple[int, int]:
            error = next(failures, None)
            if error is not None:
                raise error
            return await real_write(**batch)  # type: ignore[arg-type]

        store.write = flaky  # type: ignore[method-assign]
        writer = LiveWriter(store, Live(), on_error=said.append)
        writer.start()
        writer.take(chat([("m1", "0:01", "bob", "a", {})]))
        while writer.failing is None:
            await asyncio.sleep(0.05)
        writer.take(chat([("m2", "0:02", "bob", "b", {})]))
        await writer.stop()
        assert said == ["disk full (kept in memory; written when the database works again)"] and writer.failing is None
        assert await store.recent_ids("twitter", 10) == ["m1", "m2"] and await store.cursor("live://test") == "cursor-1"


async def test_a_new_judgement_that_would_lose_a_moderators_mark_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    await ingest(str(DEMO), db, TEAM)
    async with await Store.open(db) as store:
        (session,) = await store.session_summaries()
        span = (str(session["chat"]), str(session["start"]), str(session["end"]))
        rows = await store.session_event_rows(*span)
        ball = next(row for row in rows if row[2] == "opened")
        mark = (ball[0], ball[1], "dismissed", "2030-01-01T00:00:00.000Z", "sam", "", "moderator", "{}")
        await store.write(events=[mark], chat=span[0])
        with pytest.raises(ValueError, match="would lose moderators' marks"):
            await store.append_judgement(*span, rows)  # the engine's events alone
        assert await store.session_event_rows(*span) == [*rows, mark]
        await store.append_judgement(*span, [*rows, mark])
        assert await store.session_event_rows(*span) == [*rows, mark]


async def test_an_event_written_after_a_new_judgement_stands_even_if_a_superseded_one_said_the_same(
        tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    await ingest(str(DEMO), db, TEAM)
    async with await Store.open(db) as store:
        (session,) = await store.session_summaries()
        span = (str(session["chat"]), str(session["start"]), str(session["end"]))
        rows = await store.session_event_rows(*span)
        drop = next(row for row in rows if row[2] == "dropped")
        # A judgement that leaves that ball open (a session stored mid-chat, judged again) ...
        assert await store.append_judgement(*span, [row for row in rows if row != drop]) > 0
        assert drop not in await store.session_event_rows(*span)
        # ... and the session's end, written later, drops it again: it stands.
        await store.write(events=[drop], chat=span[0])
        assert (await store.session_event_rows(*span))[-1] == drop
        assert await store.count("ledger_events") == 2 * len(rows)  # nothing deleted or rewritten


async def test_an_ingest_cut_short_stores_whole_batches_leaves_nothing_running_and_a_rerun_finishes(
        tmp_path: Path) -> None:
    from bench.synthetic import write_native

    archive = write_native(tmp_path / "big.jsonl", 6000)
    db = tmp_path / "chat.db"
    loop = asyncio.get_running_loop()
    troubles: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: troubles.append(context))
    main = asyncio.current_task()
    assert main is not None
    seen: list[int] = []

    def progress(_stage: str, count: int) -> None:
        seen.append(count)
        if len(seen) == 2:  # Ctrl-C, as asyncio.run delivers it: the main task is cancelled
            main.cancel()

    with pytest.raises(asyncio.CancelledError):
        await ingest(str(archive), db, HostTeam(["mshost"]), progress=progress)
    main.uncancel()
    await asyncio.sleep(0.2)  # anything left running would fail now, on a closed database
    import gc

    gc.collect()
    assert troubles == []
    stored = _rows(db, "SELECT count(*) FROM messages")[0][0]
    assert stored % 1000 == 0 and 2000 <= stored < 6000  # whole batches: the one under way finished
    result = await ingest(str(archive), db, HostTeam(["mshost"]))
    assert _rows(db, "SELECT count(*) FROM messages") == [(6000,)] and result.sessions == 3
