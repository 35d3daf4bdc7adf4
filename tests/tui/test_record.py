"""The console's record (--db) is the chat's log: what the moderator sees is what is stored, at
any moment, and a mark stands through quitting, a crash and a rejudge."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from chatmod.cli import main
from chatmod.core.ledger import Status
from chatmod.core.runtime import Action
from chatmod.run.record import Recorder
from chatmod.store import Store
from tests.tui.conftest import Wall, make_app
from tests.tui.test_app import SIZE, at_minute, inbox_ids


async def _stored(db: Path) -> dict[str, tuple[Status, str | None]]:
    """Every stored ball's status and who closed it, as the stored log leaves it."""
    async with await Store.open(db) as store:
        found = {}
        for summary in await store.session_summaries():
            ledger = await store.session_ledger(str(summary["chat"]), str(summary["start"]), str(summary["end"]))
            found.update({ball.id: (ball.status, ball.answered_by) for ball in ledger})
        return found


async def cli(*args: str) -> int:
    """A chatmod command, as a user runs it after the console (it runs its own event loop)."""
    return await asyncio.to_thread(main, list(args))


async def _sessions(db: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert await cli("sessions", "--db", str(db), "--json") == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


async def _answer_b1_and_play_to_the_end(db: Path) -> None:
    """A console recording into ``db``: b1 marked answered (by direct message) at minute 4, then
    the replay played to its end and the console quit."""
    wall = Wall()
    app = make_app(wall=wall, recorder=Recorder(db, tag="edchat"))
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        await pilot.press("a")
        await pilot.pause()
        await at_minute(app, pilot, wall, 30)
        await pilot.press("q")


async def test_three_dismissals_survive_a_crash_the_end_of_the_session_quitting_and_a_rejudge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, wall = tmp_path / "chat.db", Wall()
    recorder = Recorder(db)
    app = make_app(wall=wall, recorder=recorder)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        assert inbox_ids(app) == ["b1", "c1"]
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        await at_minute(app, pilot, wall, 11)
        assert inbox_ids(app) == ["d1"]
        await pilot.press("d")
        await pilot.pause()
        # What a kill -9 now would leave: the log is written within the second, marks at once.
        await recorder.settled()
        dismissed = dict.fromkeys(("b1", "c1", "d1"), (Status.DISMISSED, None))
        assert await _stored(db) == dismissed
        await at_minute(app, pilot, wall, 30)  # the replay ends, and the session with it
        assert app.session.finished
        await pilot.press("q")
    assert await _stored(db) == dismissed
    (session,) = await _sessions(db, capsys)
    assert (session["messages"], session["balls"], session["dropped"]) == (11, 3, 0)
    assert await cli("followups", "--db", str(db)) == 0
    assert "nothing to follow up" in capsys.readouterr().err
    assert await cli("rejudge", "--db", str(db)) == 0
    assert await _stored(db) == dismissed


async def test_a_ball_marked_answered_stays_answered_when_the_session_ends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "chat.db"
    await _answer_b1_and_play_to_the_end(db)
    stored = await _stored(db)
    assert stored == {"b1": (Status.ANSWERED, "sam"), "c1": (Status.DROPPED, None), "d1": (Status.ANSWERED, "mshost")}
    (session,) = await _sessions(db, capsys)
    assert (session["balls"], session["dropped"]) == (3, 1)
    assert await cli("report", "--db", str(db), "--session", str(session["id"]), "--format", "json") == 0
    (reported,) = json.loads(capsys.readouterr().out)["sessions"]
    assert (len(reported["answered"]), len(reported["dropped"])) == (2, 1)


async def test_quitting_mid_chat_drops_nothing_until_the_sessions_time_is_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta

    from chatmod.run.settle import settle
    from tests.conftest import at

    db, wall = tmp_path / "chat.db", Wall()
    app = make_app(wall=wall, recorder=Recorder(db, tag="edchat"))  # as watch --db gives it
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        await pilot.press("q")
    open_balls = {"b1": (Status.OPEN, None), "c1": (Status.OPEN, None)}
    assert await _stored(db) == open_balls
    async with await Store.open(db) as store:
        # Within three hours of the last message the chat may still be going: nothing ends.
        assert await settle(store, at("2:00") + timedelta(hours=2, minutes=59)) == 0
    assert await _stored(db) == open_balls
    # Any command that reads the ledger after that (today is long after) ends the session first.
    (session,) = await _sessions(db, capsys)
    assert (session["chat"], session["messages"], session["balls"], session["dropped"]) == ("#edchat @mshost", 6, 2, 2)
    assert await _stored(db) == {"b1": (Status.DROPPED, None), "c1": (Status.DROPPED, None)}
    async with await Store.open(db) as store:
        assert await settle(store, at("9:00:00")) == 0  # once: nothing is judged twice


async def test_a_console_resumed_mid_chat_joins_the_stored_session_with_its_marks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta

    from chatmod.run.history import ongoing
    from tests.conftest import at
    from tests.tui.conftest import ROWS, replay_session

    db, wall = tmp_path / "chat.db", Wall()
    first = make_app(wall=wall, recorder=Recorder(db, tag="edchat"))
    async with first.run_test(size=SIZE) as pilot:
        await at_minute(first, pilot, wall, 4)
        await pilot.press("d")  # b1
        await pilot.pause()
        await pilot.press("q")  # mid-chat: Q2 is six minutes away

    async with await Store.open(db) as store:
        history = await ongoing(store, "#edchat @mshost", at("5:00"), timedelta(hours=3))
    assert [m.id for m in history.messages] == ["q1", "rt1", "c1", "b1", "a1", "r1"]
    assert [(mark.ball_id, type(mark).__name__) for mark in history.marks] == [("b1", "BallDismissed")]

    later, wall = [row for row in ROWS if at(row[1]) > at("5:00")], Wall()
    session = replay_session(later, wall=wall)
    session.resume(history)
    second = make_app(wall=wall, session=session, recorder=Recorder(db, tag="edchat"))
    async with second.run_test(size=SIZE) as pilot:
        await at_minute(second, pilot, wall, 1)
        assert 1 in second.session.state.questions and 2 in second.session.state.questions
        assert second.session.state.ball("b1").status is Status.DISMISSED  # type: ignore[union-attr]
        await at_minute(second, pilot, wall, 30)
        assert second.session.finished
        await pilot.press("q")

    assert await _stored(db) == {"b1": (Status.DISMISSED, None), "c1": (Status.DROPPED, None),
                                 "d1": (Status.ANSWERED, "mshost")}
    (session_row,) = await _sessions(db, capsys)  # one session, not two overlapping
    assert (session_row["messages"], session_row["balls"], session_row["dropped"]) == (11, 3, 1)
    import sqlite3

    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM ledger_events WHERE kind = 'opened'").fetchone() == (3,)


async def test_a_stored_session_watched_again_shows_its_marks(tmp_path: Path) -> None:
    from chatmod.cli.sources import load_session
    from chatmod.run.history import History
    from tests.tui.conftest import chat_session

    db = tmp_path / "chat.db"
    await _answer_b1_and_play_to_the_end(db)
    loaded = await asyncio.to_thread(load_session, db, 1, [], [], None, tmp_path / "chats.toml")
    assert not isinstance(loaded, int) and [type(m).__name__ for m in loaded.marks] == ["BallAnswered"]
    from chatmod.sources.replay import ReplaySource

    wall = Wall()
    session = chat_session(ReplaySource(lambda: list(loaded.messages), speed=60.0, wall=wall), loaded.team)
    session.resume(History(marks=loaded.marks))  # what watch --db --session does
    again = make_app(wall=wall, session=session)
    async with again.run_test(size=SIZE) as pilot:
        await at_minute(again, pilot, wall, 30)
        ball = again.session.state.ball("b1")
        assert ball is not None and (ball.status, ball.answered_by) == (Status.ANSWERED, "sam")


async def test_a_ball_reopened_during_the_session_is_dropped_when_its_time_is_up(tmp_path: Path) -> None:
    from chatmod.run.settle import settle
    from tests.conftest import at

    db, wall = tmp_path / "chat.db", Wall()
    app = make_app(wall=wall, recorder=Recorder(db, tag="edchat"))
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        await pilot.press("d", "d")  # b1 and c1 dismissed...
        await pilot.pause()
        app.session.act(Action.REOPEN, "b1", "sam")  # ...and b1 reopened: the only open ball
        assert app.session.state.ball("b1").status is Status.OPEN  # type: ignore[union-attr]
        await pilot.press("q")
    async with await Store.open(db) as store:
        assert await settle(store, at("9:00:00")) == 1
    assert await _stored(db) == {"b1": (Status.DROPPED, None), "c1": (Status.DISMISSED, None)}
