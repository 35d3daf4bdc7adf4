"""kill -9 at random moments of a real ingest process: nothing acknowledged is lost, nothing is
duplicated, and a re-run completes the database (reliability.md, test 14)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench.synthetic import write_native

KILLS = int(os.environ.get("CHATMOD_KILLS", "25"))
"""Kills per run: 25 keeps CI quick; CHATMOD_KILLS=1000 runs reliability.md's full loop."""
MESSAGES = 20_000


def _counts(db: Path) -> tuple[int, int, str]:
    with sqlite3.connect(db) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"messages", "ledger_events"} <= tables:
            # Killed before the schema's first migration committed: an empty database, which
            # the next run migrates (the migration is one transaction, so it is all or nothing).
            assert tables == set(), f"a half-made schema: {sorted(tables)}"
            return 0, 0, integrity
        messages = connection.execute("SELECT count(*) FROM messages").fetchone()[0]
        events = connection.execute("SELECT count(*) FROM ledger_events").fetchone()[0]
    return messages, events, integrity


def _ingest(source: Path, db: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "chatmod", "ingest", str(source), "--db", str(db), "--host", "mshost", "--cohost", "cosam"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_kill_9_loop_during_ingest(tmp_path: Path) -> None:
    source = write_native(tmp_path / "chat.jsonl", MESSAGES)
    # A clean ingest first: the reference ledger, and how long a whole run takes here, so that
    # the kills land mid-way on a fast machine and a slow one alike.
    clean = tmp_path / "clean.db"
    started = time.monotonic()
    assert _ingest(source, clean).wait(timeout=300) == 0
    duration = time.monotonic() - started

    db = tmp_path / "chat.db"
    rng = random.Random(14)
    seen_messages = 0
    killed = 0
    for _ in range(KILLS):
        process = _ingest(source, db)
        time.sleep(rng.uniform(0.05, 0.95) * duration)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed += 1
        process.wait()
        if not db.exists():
            continue
        messages, _, integrity = _counts(db)
        assert integrity == "ok"
        # Every batch committed before a kill is still there after it.
        assert messages >= seen_messages
        seen_messages = messages
    assert killed >= KILLS // 2, "the ingest finished too fast for the kills to land mid-way"

    finish = _ingest(source, db)
    _, stderr = finish.communicate(timeout=300)
    assert finish.returncode == 0, stderr.decode()
    messages, events, integrity = _counts(db)
    assert (messages, integrity) == (MESSAGES, "ok")
    # The interrupted database ends with the same ledger as the clean one, row for row: nothing
    # lost, nothing twice.
    query = "SELECT network, ball_id, kind, at, by, message_id, origin, detail FROM ledger_events ORDER BY 1, 2, 3, 4, 5, 6"
    with sqlite3.connect(db) as a, sqlite3.connect(clean) as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()
    assert events > 1000
