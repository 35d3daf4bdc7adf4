"""One archive, three ways through the runtime: analyze, ingest and a console replay agree.

The archive has an edit that turns a comment into a question, a deleted ball, and a five-hour
silence that ends the first session: the cases where the paths used to judge differently.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from chatmod.cli import main
from chatmod.core.events import Event
from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Ledger
from chatmod.core.models import Message
from chatmod.formats import read_source
from chatmod.formats.native import dump_message
from chatmod.sources.replay import ReplaySource
from chatmod.store.rows import event_from_row
from tests.conftest import chat
from tests.tui.conftest import Wall, chat_session

TEAM = HostTeam(["mshost"])
ROWS = [
    ("q1", "0:00", "mshost", "Q1: what brought you here? #edchat"),
    ("b1", "1:00", "bob", "@mshost great chat #edchat"),
    ("c1", "1:30", "carol", "@mshost how do you plan the questions? #edchat"),
    ("d1", "2:00", "dave", "@mshost can I share a link here? #edchat"),
    ("h1", "3:00", "mshost", "@carol a week ahead, with the co-hosts #edchat",
     {"reply_to_id": "c1", "reply_to_author": "carol"}),
    ("e1", "4:00", "erin", "@mshost thanks for hosting! #edchat"),
    # Five quiet hours: the first session is over, and its open balls were dropped.
    ("q2", "5:10:00", "mshost", "Q1: back again, what's new? #edchat"),
    ("f1", "5:11:00", "frank", "@mshost is there a recording? #edchat"),
    ("h2", "5:12:00", "mshost", "@frank yes, on the blog #edchat", {"reply_to_id": "f1", "reply_to_author": "frank"}),
    ("g1", "5:13:00", "gina", "@mshost see you next week #edchat"),
]


def write_archive(path: Path) -> Path:
    messages = chat(ROWS)
    by_id = {m.id: m for m in messages}
    # Bob edits his comment into a question; dave deletes his: later copies, as a stream has them.
    edited = by_id["b1"].model_copy(update={"text": "@mshost great chat, where do I sign up? #edchat", "edited": True})
    deleted = by_id["d1"].model_copy(update={"deleted": True})
    lines = [dump_message(m) for m in [*messages[:6], edited, deleted, *messages[6:]]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ledger_of_analyze(archive: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, tuple[object, ...]]:
    assert main(["analyze", str(archive), "--host", "mshost"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return {r["id"]: (r["status"], r["question"], r["answered_by"], r["answered_how"]) for r in records if r["to_host"]}


def ledger_of_ingest(archive: Path, db: Path) -> dict[str, tuple[object, ...]]:
    assert main(["ingest", str(archive), "--host", "mshost", "--db", str(db)]) == 0
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT network, ball_id, kind, at, by, message_id, origin, detail FROM ledger_events ORDER BY seq"
        ).fetchall()
    return _summary(Ledger().apply_all(e for e in map(event_from_row, rows) if e is not None))


def ledger_of_replay(archive: Path) -> dict[str, tuple[object, ...]]:
    events: list[Event] = []
    source = ReplaySource(lambda: read_source(str(archive))[1], speed=None, wall=Wall())
    session = chat_session(source, TEAM)
    session.sinks.append(lambda _message, made: events.extend(made))
    while not session.finished:
        session.tick()
    return _summary(Ledger().apply_all(events))


def _summary(ledger: Ledger) -> dict[str, tuple[object, ...]]:
    return {b.id: (b.status.value, b.question, b.answered_message, b.answered_how) for b in ledger}


def test_analyze_ingest_and_the_console_keep_the_same_ledger(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    archive = write_archive(tmp_path / "chat.jsonl")
    analyzed = ledger_of_analyze(archive, capsys)
    assert analyzed == {
        "b1": ("dropped", True, None, None),  # judged as the archive has it last: a question
        "c1": ("answered", True, "h1", "reply"),  # the stored ledger keeps why it was answered
        "d1": ("dropped", True, None, None),  # deleted, still a ball the host saw
        "e1": ("dropped", False, None, None),
        "f1": ("answered", True, "h2", "reply"),
        "g1": ("dropped", False, None, None),
    }
    assert ledger_of_ingest(archive, tmp_path / "chat.db") == analyzed
    assert ledger_of_replay(archive) == analyzed


def test_the_replay_shows_the_edit_and_the_deletion(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "chat.jsonl")
    source = ReplaySource(lambda: read_source(str(archive))[1], speed=None, wall=Wall())
    session = chat_session(source, TEAM)
    session.tick()
    shown: dict[str, Message] = {}
    for entry in session.state.entries:
        shown[entry.message.id] = entry.message
    # The first session scrolled by, but its lines stay in the stream window.
    assert shown["b1"].text.endswith("where do I sign up? #edchat") and shown["d1"].deleted
    assert session.state.carried_over == 3  # b1, d1 and e1 carried into the second session
