"""A live chat stored as it arrives: the cursor with the messages, kill -9, resume, same ledger."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from chatmod.cli import main
from tests.conftest import ROOT
from tests.live.mastodon_server import FakeMastodon, status
from tests.live.test_live_cli import TAG, _chat, _stream_when_subscribed, _url
from tests.live.threaded import Threaded


@pytest.fixture
def server() -> Any:
    fake = Threaded(FakeMastodon())
    with fake.running():
        yield fake


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db, timeout=10) as connection:
        return connection.execute(sql).fetchall()


def test_a_chat_ingested_live_stores_what_the_same_statuses_from_a_file_store(
    server: Threaded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _stream_when_subscribed(server, _chat())
    live_db, file_db = tmp_path / "live.db", tmp_path / "file.db"
    assert main(["ingest", _url(server), "--host", "host", "--token", "good-token", "--max-messages", "4",
                 "--db", str(live_db)]) == 0
    err = capsys.readouterr().err
    assert "4 messages in" in err and "read 4 messages into" in err and "judged 4" in err
    archive = tmp_path / "chat.jsonl"
    archive.write_text("".join(json.dumps(entry) + "\n" for entry in _chat()), encoding="utf-8")
    # The same chat: its hashtag (the live URL names it) and host team.
    assert main(["ingest", str(archive), "--host", "host", "--tag", TAG, "--db", str(file_db)]) == 0
    for sql in (("SELECT network, id, author, author_id, display_name, created_at, text, reply_to_id, "
                "reply_to_author, mentions, hashtags, edited, deleted FROM messages ORDER BY id"),
                "SELECT chat, start, end, team FROM sessions",
                "SELECT network, ball_id, kind, at, by, message_id FROM ledger_events ORDER BY ball_id, kind"):
        assert _rows(live_db, sql) == _rows(file_db, sql), sql
    assert _rows(live_db, "SELECT source, cursor FROM cursors") == [
        (f"mastodon://127.0.0.1:{server.server.port}/{TAG.lower()}", "104@2026-12-03T18:03:00.000Z")]


def _publish(fake: Threaded, count: int, every: float) -> Any:
    """Post ``count`` statuses, streamed while a client is connected, only in the timeline while not."""
    sent: list[int] = []

    async def run() -> None:
        import asyncio

        await fake.server.subscribed.wait()
        for number in range(1, count + 1):
            entry = status(str(number), f"message {number}", TAG, f"user{number % 7}",
                           created_at=f"2026-12-03T18:{number // 60:02d}:{number % 60:02d}.000Z")
            try:
                await fake.server.update(entry, TAG)
                sent.append(number)
            except ConnectionClosed:
                pass  # the client is gone: it is in the timeline only (update put it there)
            await asyncio.sleep(every)

    return fake.soon_future(run), sent


def _ingest(url: str, db: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CHATMOD_TOKEN": "good-token", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "chatmod", "ingest", url, "--host", "host", "--db", str(db), *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)


def test_kill_9_loses_nothing_and_a_restart_resumes_from_the_stored_cursor(server: Threaded, tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    done, _ = _publish(server, 240, every=0.02)
    first = _ingest(_url(server), db)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if db.exists() and _rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'cursors'")[0][0]:
            stored = _rows(db, "SELECT count(*) FROM messages")[0][0]
            if stored >= 40:
                break
    else:
        first.kill()
        pytest.fail(f"the live ingest stored nothing: {first.communicate()[1].decode()[-2000:]}")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    # What was stored is whole, and the cursor never points past it.
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]
    ids = sorted(int(i) for (i,) in _rows(db, "SELECT id FROM messages"))
    ((cursor,),) = _rows(db, "SELECT cursor FROM cursors")
    assert ids == list(range(1, int(cursor.partition("@")[0]) + 1))
    done.result(60)  # the chat went on while nobody listened: those statuses are in the timeline only
    second = _ingest(_url(server), db, "--duration", "3")
    _out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err.decode()
    assert "gap filled:" in err.decode()
    ids = [int(i) for (i,) in _rows(db, "SELECT id FROM messages")]
    assert sorted(ids) == list(range(1, 241))  # none lost, none twice
    assert [cursor.partition("@")[0] for (cursor,) in _rows(db, "SELECT cursor FROM cursors")] == ["240"]
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_ctrl_c_stores_and_judges_what_came_then_exits_130(server: Threaded, tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    _stream_when_subscribed(server, _chat())
    process = _ingest(_url(server), db)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        db.exists() and _rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'messages'")[0][0]
        and _rows(db, "SELECT count(*) FROM messages")[0][0] == 4
    ):
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err.decode()
    assert "(interrupted)" in err.decode() and "judged 4" in err.decode()
    assert _rows(db, "SELECT count(*) FROM ledger_events WHERE kind = 'dropped'") == [(1,)]
