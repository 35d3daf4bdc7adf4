"""kill -9 of a live ``ingest --db`` mid-chat, against the local Mastodon and Jetstream servers:
restarted, it resumes from its stored cursor and joins the stored session, and the stored ledger
is the ledger of the same chat read from a file in posted order (each ball once, nothing lost;
the balls still open in the live chat are those the file's end drops)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from chatmod.cli import main
from chatmod.core.ledger import Ledger
from chatmod.store.rows import event_from_row
from tests.conftest import ROOT
from tests.live.jetstream_server import FakeJetstream, post
from tests.live.mastodon_server import FakeMastodon, status
from tests.live.threaded import Threaded

TAG = "edchat"
COUNT = 150
START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
"""The chat began an hour ago: it is still going (its session open) when the test ends."""


def _script() -> list[tuple[str, str, str, str | None]]:
    """(id, author, text, the id it replies to): a host's question, participants asking the host
    every fourth post, the host answering most of them a post later, and chatter."""
    posts: list[tuple[str, str, str, str | None]] = [("1", "host", "Q1: what are you reading?", None)]
    for number in range(2, COUNT + 1):
        if number % 4 == 0:
            posts.append((str(number), f"user{number % 9}", f"@host how do you teach unit {number}?", None))
        elif number % 4 == 1 and number % 12 != 1:
            asked = str(number - 1)
            posts.append((str(number), "host", f"@user{(number - 1) % 9} like this, unit {asked}", asked))
        else:
            posts.append((str(number), f"user{number % 9}", f"A1 something about {number}", None))
    return posts


def _at(number: int) -> datetime:
    return START + timedelta(seconds=20 * number)


def _ledger(db: Path, *, going: bool = False) -> dict[str, tuple[str, str | None]]:
    """Each ball's status and answer; ``going``: the chat is still going, so a ball open now is
    one its end will drop."""
    with sqlite3.connect(db, timeout=10) as connection:
        rows = connection.execute(
            "SELECT network, ball_id, kind, at, by, message_id, origin, detail FROM ledger ORDER BY seq").fetchall()
    ledger = Ledger().apply_all(e for e in map(event_from_row, rows) if e is not None)
    return {ball.id: ("dropped" if going and ball.status.value == "open" else ball.status.value,
                      ball.answered_message) for ball in ledger}


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=10) as connection:
            return int(connection.execute("SELECT count(*) FROM messages").fetchone()[0])
    except sqlite3.Error:
        return 0  # not created yet


def _ingest(url: str, db: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CHATMOD_TOKEN": "good-token", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "chatmod", "ingest", url, "--db", str(db), *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)


def _kill_mid_chat(process: subprocess.Popen[bytes], db: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _count(db) < 40:
        time.sleep(0.05)
    if _count(db) < 40:
        process.kill()
        pytest.fail(f"the live ingest stored nothing: {process.communicate()[1].decode()[-2000:]}")
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert _count(db) < COUNT, "killed after the whole chat came: nothing was tested"


def _resume_and_compare(url: str, db: Path, archive: Path, tmp_path: Path, team: list[str],
                        wait_published: Callable[[], object]) -> None:
    wait_published()  # the chat went on while nobody listened
    second = _ingest(url, db, "--duration", "4", *team)
    _out, err = second.communicate(timeout=90)
    assert second.returncode == 0, err.decode()[-2000:]
    assert _count(db) == COUNT
    file_db = tmp_path / "file.db"
    assert main(["ingest", str(archive), "--tag", TAG, "--db", str(file_db), *team]) == 0
    expected = _ledger(file_db)
    assert len(expected) == COUNT // 4 and sum(status == "answered" for status, _ in expected.values()) > 20
    assert _ledger(db, going=True) == expected
    with sqlite3.connect(db, timeout=10) as connection:  # one session: the restart joined it
        assert connection.execute("SELECT count(*) FROM sessions").fetchone() == (1,)


def test_mastodon_kill_9_mid_chat_then_a_restart_stores_the_ledger_of_the_chat_in_file_order(
        tmp_path: Path) -> None:
    def entry(ident: str, author: str, text: str, parent: str | None) -> dict[str, Any]:
        mentions = [{"id": "id-host", "username": "host", "acct": "host", "url": "https://example.social/@host"}]
        extra: dict[str, Any] = {"created_at": _at(int(ident)).isoformat().replace("+00:00", "Z")}
        if text.startswith("@host"):
            extra["mentions"] = mentions
        if parent is not None:
            extra.update(in_reply_to_id=parent, in_reply_to_account_id=f"id-user{int(parent) % 9}")
        return status(ident, text, TAG, author, **extra)

    statuses = [entry(*line) for line in _script()]
    fake = Threaded(FakeMastodon())
    with fake.running():
        async def publish() -> None:
            await fake.server.subscribed.wait()
            for item in statuses:
                try:
                    await fake.server.update(item, TAG)
                except ConnectionClosed:
                    pass  # nobody listening: it is in the timeline only
                await asyncio.sleep(0.02)

        done = fake.soon_future(publish)
        url = f"mastodon+ws://127.0.0.1:{fake.server.port}/{TAG}"
        db = tmp_path / "live.db"
        _kill_mid_chat(_ingest(url, db, "--host", "host"), db)
        archive = tmp_path / "chat.jsonl"
        archive.write_text("".join(json.dumps(item) + "\n" for item in statuses), encoding="utf-8")
        _resume_and_compare(url, db, archive, tmp_path, ["--host", "host"], lambda: done.result(60))


def test_jetstream_kill_9_mid_chat_then_a_restart_stores_the_ledger_of_the_chat_in_file_order(
        tmp_path: Path) -> None:
    did = {"host": "did:plc:host", **{f"user{n}": f"did:plc:user{n}" for n in range(9)}}

    def event(ident: str, author: str, text: str, parent: str | None) -> dict[str, Any]:
        stamp = int(_at(int(ident)).timestamp() * 1_000_000)
        # The host answers a participant's post: its record's URI.
        reply = f"at://{did[f'user{int(parent) % 9}']}/app.bsky.feed.post/{parent}" if parent is not None else None
        made = post(did[author], ident, f"{text} #{TAG}", stamp, reply_to=reply,
                    mentions=(("host", did["host"]),) if text.startswith("@host") else ())
        made["commit"]["record"]["createdAt"] = _at(int(ident)).isoformat().replace("+00:00", "Z")
        return made

    events = [event(*line) for line in _script()]
    fake = Threaded(FakeJetstream())
    with fake.running():
        async def publish() -> None:
            await fake.server.connected.wait()
            for item in events:
                fake.server.publish(item)
                await asyncio.sleep(0.02)

        done = fake.soon_future(publish)
        url = f"jetstream+ws://127.0.0.1:{fake.server.port}?tag={TAG}"
        team = ["--host", did["host"], "--appview", "off"]
        db = tmp_path / "live.db"
        _kill_mid_chat(_ingest(url, db, *team), db)
        archive = tmp_path / "chat.jsonl"
        archive.write_text("".join(json.dumps(item) + "\n" for item in events), encoding="utf-8")
        _resume_and_compare(url, db, archive, tmp_path, team, lambda: done.result(60))
