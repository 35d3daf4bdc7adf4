"""The console on a live Mastodon chat: through a reset with the gap filled, an untagged reply to
the host caught, stored with --db."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chatmod.core.handles import HostTeam
from chatmod.ingest import ingest
from chatmod.run.record import Recorder
from chatmod.sources.backoff import Backoff
from chatmod.sources.live_url import MastodonURL
from chatmod.sources.mastodon import MastodonSource
from chatmod.sources.mastodon_rest import MastodonREST
from chatmod.tui.app import ChatmodApp, ConsoleOptions
from tests.live.mastodon_server import FakeMastodon, reply_to_host
from tests.live.test_live_cli import TAG, _chat
from tests.tui.conftest import chat_session


def _recent(statuses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chat as if it were happening now (the console's clock is the wall clock)."""
    start = datetime.now(UTC) - timedelta(minutes=5)
    return [{**entry, "created_at": (start + timedelta(minutes=i)).isoformat(timespec="milliseconds")
             .replace("+00:00", "Z")} for i, entry in enumerate(statuses)]


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def _assert_same_chat(live: Path, from_file: Path) -> None:
    """The live run stored the messages, sessions and ledger the file's ingest stored, but for
    the end of the session: the console was quit mid-chat, so its open balls are still open (the
    file's ended with the file, dropping them)."""
    for sql in ("SELECT id, author, created_at, text, reply_to_id FROM messages ORDER BY id",
                "SELECT chat, start, end, team FROM sessions",
                ("SELECT ball_id, kind, at, by, message_id FROM ledger_events WHERE kind <> 'dropped'"
                " ORDER BY ball_id, kind")):
        assert _rows(live, sql) == _rows(from_file, sql), sql
    assert _rows(live, "SELECT count(*) FROM ledger_events WHERE kind = 'dropped'") == [(0,)]


async def _until(check: Any, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


async def test_the_console_follows_a_live_chat_through_a_reset_and_stores_what_a_file_would(tmp_path: Path) -> None:
    chat = _chat()
    statuses = _recent([*chat, reply_to_host("105", "A1 history, and you?", chat[0], author="dave")])
    db = tmp_path / "live.db"
    async with FakeMastodon() as server:
        server.accounts["good-token"] = {"id": "id-host", "username": "host", "acct": "host"}  # the host's token
        url = MastodonURL("127.0.0.1", server.port, TAG, secure=False)
        source = MastodonSource(url, "good-token", backoff=Backoff(base=0.02, cap=0.05, floor=0.01),
                                rest=MastodonREST(url, "good-token"), team=["host"])
        options = ConsoleOptions(title=f"#{TAG} · live", moderator="sam", tag=TAG, recorder=Recorder(db))
        app = ChatmodApp(chat_session(source, HostTeam(["host"])), options, tick=0.05)
        async with app.run_test(size=(120, 36)) as pilot:
            await asyncio.wait_for(server.subscribed.wait(), 10)
            for entry in statuses[:2]:
                await server.update(entry, TAG)
            await _until(lambda: app.session.state.received == 2)
            assert "● live" in str(app.query_one("#status").render())
            # The link drops without a close frame; the host answers while chatmod is away.
            server.status_for_upgrade = 503
            server.subscribed.clear()
            server.reset()
            await _until(lambda: "reconnecting" in str(app.query_one("#status").render()))
            server.post(statuses[2])
            server.status_for_upgrade = None
            await asyncio.wait_for(server.subscribed.wait(), 10)
            await server.update(statuses[3], TAG)
            await _until(lambda: app.session.state.received == 4)
            # 103 came from the timeline (104 too, when the fill ran after it was posted), once each.
            await _until(lambda: re.search(r"● live .*[12] messages?", str(app.query_one("#status").render())),
                         timeout=3)
            await pilot.pause(0.2)
            assert app.session.state.received == 4
            assert app.session.state.ball("102").answered_by == "host"  # type: ignore[union-attr]
            # A reply to the host without the hashtag: only the host's mentions carry it.
            await asyncio.wait_for(server.notifying.wait(), 10)
            await server.mention(statuses[4])
            await _until(lambda: app.session.state.received == 5)
            inbox = app.query_one("#inbox")
            await _until(lambda: any(row.ball_id == "105" and row.untagged
                                     for row in inbox.rows_shown))  # type: ignore[attr-defined]
            await pilot.press("q")
    archive = tmp_path / "chat.jsonl"
    archive.write_text("".join(json.dumps(entry) + "\n" for entry in statuses), encoding="utf-8")
    await ingest(str(archive), tmp_path / "file.db", HostTeam(["host"]))  # what `chatmod ingest FILE` does
    _assert_same_chat(db, tmp_path / "file.db")
    assert _rows(db, "SELECT ball_id, kind FROM ledger_events WHERE kind IN ('answered', 'dropped') ORDER BY 1") == [
        ("102", "answered")]
    assert _rows(db, "SELECT id FROM messages WHERE untagged") == [("105",)]


async def test_the_console_follows_a_bluesky_chat_through_a_reset_resumed_by_cursor(tmp_path: Path) -> None:
    from chatmod.sources.jetstream import JetstreamSource
    from chatmod.sources.live_url import JetstreamURL
    from tests.live.jetstream_server import FakeJetstream, post

    host, bob, carol = "did:plc:host", "did:plc:bob", "did:plc:carol"
    second = 1_000_000
    start = int((datetime.now(UTC) - timedelta(minutes=5)).timestamp()) * second
    question = f"at://{host}/app.bsky.feed.post/q1"
    events = [
        post(host, "q1", "Q1: what do you teach? #EdChat", start + 60 * second),
        post(bob, "b1", "@host.bsky.social how do you plan? #edchat", start + 90 * second,
             mentions=(("host.bsky.social", host),)),
        # While chatmod is away: the host answers, and a reply to the host forgets the hashtag.
        post(host, "a1", "Every Sunday night #edchat", start + 120 * second, reply_to=f"at://{bob}/app.bsky.feed.post/b1"),
        post(carol, "c1", "do you plan alone?", start + 150 * second, reply_to=question),
        post(bob, "b2", "A1 maths #edchat", start + 180 * second),
    ]
    db = tmp_path / "live.db"
    async with FakeJetstream() as server:
        url = JetstreamURL("127.0.0.1", server.port, "EdChat", secure=False)
        source = JetstreamSource(url, team_dids={host}, backoff=Backoff(base=0.02, cap=0.05, floor=0.01))
        options = ConsoleOptions(title="#EdChat · live", moderator="sam", tag="EdChat", recorder=Recorder(db))
        app = ChatmodApp(chat_session(source, HostTeam([host])), options, tick=0.05)
        async with app.run_test(size=(120, 36)) as pilot:
            await asyncio.wait_for(server.connected.wait(), 10)
            server.publish(*events[:2])
            await _until(lambda: app.session.state.received == 2)
            assert "● live" in str(app.query_one("#status").render())
            server.refuse = 503
            server.connected.clear()
            server.reset()
            await _until(lambda: "reconnecting" in str(app.query_one("#status").render()))
            server.publish(*events[2:4])
            server.refuse = None
            await asyncio.wait_for(server.connected.wait(), 10)
            assert f"cursor={start + 90 * second - 5 * second}" in server.requests[-1].path
            server.publish(events[4])
            await _until(lambda: app.session.state.received == 5)
            await pilot.pause(0.2)
            assert app.session.state.received == 5  # b1 came again from the cursor: passed on once
            assert app.session.state.ball(f"at://{bob}/app.bsky.feed.post/b1").answered_by == host  # type: ignore[union-attr]
            inbox = app.query_one("#inbox")
            await _until(lambda: any(row.ball_id.endswith("/c1") and row.untagged
                                     for row in inbox.rows_shown))  # type: ignore[attr-defined]
            await pilot.press("q")
    assert _rows(db, "SELECT cursor FROM cursors") == [(str(start + 180 * second),)]
    archive = tmp_path / "chat.jsonl"
    archive.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    await ingest(str(archive), tmp_path / "file.db", HostTeam([host]))
    _assert_same_chat(db, tmp_path / "file.db")
    assert _rows(db, "SELECT id FROM messages WHERE untagged") == [(f"at://{carol}/app.bsky.feed.post/c1",)]


async def test_a_refused_token_is_said_whole_once_beside_the_status_line() -> None:
    async with FakeMastodon() as server:
        url = MastodonURL("127.0.0.1", server.port, TAG, secure=False)
        source = MastodonSource(url, "wrong-token", backoff=Backoff(base=0.02, cap=0.05, floor=0.01),
                                rest=MastodonREST(url, "wrong-token"), team=["host"])
        app = ChatmodApp(chat_session(source, HostTeam(["host"])), ConsoleOptions(title=f"#{TAG} · live", moderator="sam", tag=TAG),
                         tick=0.05)
        async with app.run_test(size=(120, 36)) as pilot:
            await _until(lambda: app.loaded and app.failure is not None)
            failure = app.failure
            assert failure is not None and "401" in failure and "check --token" in failure
            await _until(lambda: "✗ failed" in str(app.query_one("#status").render()))
            status = str(app.query_one("#status").render())
            assert "✗ failed" in status and "check --token" in status  # the line gives it room
            await pilot.pause(0.3)
            assert len([n for n in app._notifications if failure in n.message]) == 1  # and the whole of it, once
