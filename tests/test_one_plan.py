"""One place decides a chat's sessions: with a schedule, the sessions are the windows that held a
session (and sessions found by activity); chatter outside them is no session. ``analyze``,
``report``, ``ingest`` and a console replay of the same archive agree on the sessions and the
ledger, whatever order the archive lists its messages in."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chatmod.chats import ChatBook
from chatmod.cli import main
from chatmod.core.events import Event
from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Ledger
from chatmod.core.runtime import ChatRuntime
from chatmod.core.sessions import plan_sessions
from chatmod.formats import read_source
from chatmod.sources.replay import ReplaySource, message_times
from chatmod.store.rows import event_from_row
from chatmod.tui.session import ChatSession
from chatmod.tui.state import ConsoleState
from tests.tui.conftest import Wall

HOUR = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)  # 13:00 in New York, a first Friday
TEAM = HostTeam(["edhost"])


def _archive(path: Path) -> Path:
    records: list[dict[str, object]] = []

    def post(at: datetime, author: str, text: str, reply_to: str | None = None) -> None:
        record: dict[str, object] = {"network": "twitter", "id": str(100 + len(records)), "author": author,
                                     "created_at": at.isoformat(), "text": text}
        if reply_to is not None:
            record["reply_to_id"] = reply_to
        records.append(record)

    # The morning of the chat: a question to the host, four hours early. Chatter, not a session.
    post(HOUR - timedelta(hours=4), "ann", "@edhost what time does it start today? #edchat")
    minute = [HOUR + timedelta(minutes=m) for m in range(10)]
    post(minute[0], "edhost", "Q1: what are you reading this term? #edchat")
    post(minute[1], "bea", "@edhost how do you pick books for a mixed class? #edchat")  # 102: answered
    post(minute[2], "cal", "A1 poetry, always poetry #edchat")
    post(minute[3], "dee", "@edhost could you share your reading list? #edchat")  # 104: dropped
    post(minute[4], "edhost", "@bea by interest first, then level #edchat", reply_to="102")
    post(minute[5], "eve", "A1 graphic novels #edchat")
    # Two days on: a little chatter, and next month a scheduled hour nobody held.
    post(HOUR + timedelta(days=2), "fay", "@edhost will there be a recording? #edchat")
    post(HOUR + timedelta(days=2, minutes=5), "gus", "@fay I hope so #edchat")
    post(datetime(2026, 4, 3, 17, 5, tzinfo=UTC), "hal", "@edhost no chat this month? #edchat")
    # Listed out of order, as a merged export can be.
    order = [0, 2, 1, 3, 5, 4, 6, 8, 7, 9]
    path.write_text("".join(json.dumps(records[i]) + "\n" for i in order), encoding="utf-8")
    return path


@pytest.fixture
def chat_files(tmp_path: Path) -> tuple[Path, Path]:
    chats = tmp_path / "chats.toml"
    assert main(["chats", "--chats-file", str(chats), "add", "edchat", "--tag", "edchat", "--host", "edhost",
                 "--rrule", "FREQ=MONTHLY;BYDAY=1FR", "--start", "2026-01-02T13:00", "--tz", "America/New_York"]) == 0
    return chats, _archive(tmp_path / "chat.jsonl")


def _summary(ledger: Ledger) -> dict[str, str]:
    return {ball.id: ball.status.value for ball in ledger}


EXPECTED = {"102": "answered", "104": "dropped"}


def test_chatter_outside_the_schedule_is_no_session_in_analyze_or_report(
        chat_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    chats, archive = chat_files
    capsys.readouterr()
    assert main(["analyze", str(archive), "--chat", "edchat", "--chats-file", str(chats)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == 10  # every message, in time order
    assert [r["created_at"] for r in records] == sorted(r["created_at"] for r in records)
    outside = {r["id"] for r in records if r["session"] is None}
    assert outside == {"100", "107", "108", "109"}
    assert not any(r["to_host"] for r in records if r["session"] is None)
    assert {r["id"]: r["status"] for r in records if r["to_host"]} == EXPECTED

    assert main(["report", str(archive), "--chat", "edchat", "--chats-file", str(chats), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["sessions"]) == 1 and report["outside"] == 4
    assert (report["totals"]["balls"], report["totals"]["dropped"]) == (2, 1)
    assert main(["report", str(archive), "--chat", "edchat", "--chats-file", str(chats), "--format", "md"]) == 0
    assert "4 messages fell outside the chat's sessions" in capsys.readouterr().out


def test_ingest_and_a_console_replay_cut_the_same_session(chat_files: tuple[Path, Path], tmp_path: Path) -> None:
    chats, archive = chat_files
    db = tmp_path / "h.db"
    assert main(["ingest", str(archive), "--chat", "edchat", "--chats-file", str(chats), "--db", str(db)]) == 0
    with sqlite3.connect(db) as connection:
        sessions = connection.execute("SELECT start, planned_start FROM sessions").fetchall()
        rows = connection.execute(
            "SELECT network, ball_id, kind, at, by, message_id, origin, detail FROM ledger_events ORDER BY seq"
        ).fetchall()
    assert sessions == [("2026-03-06T18:00:00.000Z", "2026-03-06T18:00:00.000Z")]
    assert _summary(Ledger().apply_all(e for e in map(event_from_row, rows) if e is not None)) == EXPECTED

    # The console builds its runtime for an archive the same way (chatmod/cli/console.py).
    chat = ChatBook.load(chats).chats["edchat"]

    def open_items() -> object:
        return read_source(str(archive))[1]

    schedule = list(chat.schedule.between(HOUR - timedelta(days=1), HOUR + timedelta(days=60)))
    plan = plan_sessions(message_times(open_items), schedule)  # type: ignore[arg-type]
    source = ReplaySource(open_items, speed=None, wall=Wall())  # type: ignore[arg-type]
    session = ChatSession(source, lambda: ChatRuntime(TEAM, schedule=schedule, plan=plan), lambda: ConsoleState(TEAM))
    events: list[Event] = []
    session.sinks.append(lambda _message, made: events.extend(made))
    while not session.finished:
        session.tick()
    assert _summary(Ledger().apply_all(events)) == EXPECTED
    shown = [entry.message.id for entry in session.state.entries]
    assert "109" in shown  # chatter outside a session is still on screen, and raises no ball
    assert session.runtime.session == 1


def test_without_the_plan_a_live_schedule_still_splits_chatter_by_silence(chat_files: tuple[Path, Path]) -> None:
    # A live chat cannot know whether chatter will grow into a session: the morning question
    # is a session of its own there, ended by the scheduled hour's start.
    from chatmod.core.models import Message

    chat = ChatBook.load(chat_files[0]).chats["edchat"]
    runtime = ChatRuntime(TEAM, schedule=chat.schedule.between(HOUR - timedelta(days=1), HOUR + timedelta(days=1)))
    early = Message(network="twitter", id="1", author="ann", created_at=HOUR - timedelta(hours=4),
                    text="@edhost what time does it start today? #edchat")
    on_time = Message(network="twitter", id="2", author="edhost", created_at=HOUR, text="Q1: hello #edchat")
    assert any(type(e).__name__ == "BallOpened" for e in runtime.receive(early))
    started = [e for e in runtime.receive(on_time) if type(e).__name__ == "SessionStarted"]
    assert runtime.session == 2 and started[0].planned == HOUR  # type: ignore[attr-defined]


def test_a_real_monthly_chat_has_the_same_sessions_in_report_and_ingest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import corpus_file

    archive = corpus_file("pstweetchat.csv")
    chats, db = tmp_path / "chats.toml", tmp_path / "h.db"
    assert main(["chats", "--chats-file", str(chats), "add", "pstweetchat", "--tag", "#PSTweetChat", "--host",
                 "JeffHicks", "--rrule", "FREQ=MONTHLY;BYDAY=1FR", "--start", "2019-10-04T13:00",
                 "--tz", "America/New_York"]) == 0
    capsys.readouterr()
    assert main(["report", str(archive), "--chat", "pstweetchat", "--chats-file", str(chats),
                 "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert main(["ingest", str(archive), "--chat", "pstweetchat", "--chats-file", str(chats), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["sessions", "--db", str(db), "--json"]) == 0
    stored = json.loads(capsys.readouterr().out)
    # Once a month for three years and a half: the scheduled hours, not every burst of chatter.
    assert len(report["sessions"]) == len(stored) == 38
    assert report["totals"]["balls"] == sum(s["balls"] for s in stored)
    assert report["totals"]["dropped"] == sum(s["dropped"] for s in stored)
