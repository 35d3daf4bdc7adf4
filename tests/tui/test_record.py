"""The console's record (--db) is the chat's log: what the moderator sees is what is stored, at
any moment, and a mark stands through quitting, a crash and a rejudge."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from chatmod.cli import main
from chatmod.core.ledger import Status
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
    db, wall = tmp_path / "chat.db", Wall()
    app = make_app(wall=wall, recorder=Recorder(db))
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        await pilot.press("a")  # b1, answered by direct message
        await pilot.pause()
        await at_minute(app, pilot, wall, 30)
        await pilot.press("q")
    stored = await _stored(db)
    assert stored == {"b1": (Status.ANSWERED, "sam"), "c1": (Status.DROPPED, None), "d1": (Status.ANSWERED, "mshost")}
    (session,) = await _sessions(db, capsys)
    assert (session["balls"], session["dropped"]) == (3, 1)
    assert await cli("report", "--db", str(db), "--session", str(session["id"]), "--format", "json") == 0
    (reported,) = json.loads(capsys.readouterr().out)["sessions"]
    assert (len(reported["answered"]), len(reported["dropped"])) == (2, 1)


async def test_quitting_mid_chat_stores_the_session_as_it_stands_with_nothing_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, wall = tmp_path / "chat.db", Wall()
    app = make_app(wall=wall, recorder=Recorder(db, tag="edchat"))  # as watch --db gives it
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        await pilot.press("q")
    assert await _stored(db) == {"b1": (Status.OPEN, None), "c1": (Status.OPEN, None)}
    (session,) = await _sessions(db, capsys)
    assert (session["chat"], session["messages"], session["balls"], session["dropped"]) == ("#edchat @mshost", 6, 2, 0)
    assert await cli("followups", "--db", str(db)) == 0
    assert "nothing to follow up" in capsys.readouterr().err
