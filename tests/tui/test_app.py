"""The console driven as a moderator would: keys, mouse and command palette (Textual Pilot)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from textual.binding import Binding

from chatmod.core.ledger import Status
from chatmod.tui.app import ChatmodApp
from chatmod.tui.screens.modals import ConversationScreen, HelpScreen
from chatmod.tui.widgets.stream import StreamView
from chatmod.tui.widgets.tables import Inbox
from tests.tui.conftest import Wall, make_app, stream_text

SIZE = (120, 36)


async def at_minute(app: ChatmodApp, pilot, wall: Wall, minute: float) -> None:
    """Move the replay to ``minute`` of the chat (the demo speed is 60x: a chat minute a second)."""
    wall.t = minute
    app.advance()
    await pilot.pause()


def inbox_ids(app: ChatmodApp) -> list[str]:
    return [row.ball_id for row in app.query_one("#inbox", Inbox).rows_shown]


async def test_the_inbox_shows_who_is_waiting_and_for_how_long():
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        inbox = app.query_one("#inbox", Inbox)
        assert inbox_ids(app) == ["b1", "c1"]  # the question first
        cells = inbox.cells(0)
        assert cells[0].strip() == "3:00" and "bob" in cells[2] and cells[2].startswith("?")
        assert "kahoot" in cells[3]
        assert "2 open" in str(app.query_one("#inbox-box").border_title)
        assert inbox.row(0, 100)[0].style.color.name == "yellow"  # 3 minutes: past the 2-minute threshold


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["c"], ("claimed_by", "sam")),
        (["c", "u"], ("claimed_by", None)),
        (["a"], ("status", Status.ANSWERED)),
        (["d"], ("status", Status.DISMISSED)),
        (["d", "v", "down", "o"], ("status", Status.OPEN)),  # closed balls follow the open ones
        (["z"], ("snoozed_until", "set")),
    ],
)
async def test_every_ball_action_works_by_key(keys, expected):
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        ball = app.session.state.ball("b1")
        field, value = expected
        if value == "set":
            assert ball.snoozed_until is not None
            assert "b1" not in inbox_ids(app)
        else:
            assert getattr(ball, field) == value


async def test_an_answered_ball_leaves_the_inbox_and_the_counts_follow():
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        await pilot.press("a")
        await pilot.pause()
        assert inbox_ids(app) == ["c1"]
        assert "1 answered" in str(app.query_one("#inbox-box").border_title)


async def test_an_action_that_does_not_apply_says_why_and_changes_nothing():
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        await pilot.press("o")  # b1 is open: it cannot be reopened
        await pilot.pause()
        assert app.session.state.ball("b1").status is Status.OPEN
        assert any("cannot be reopen" in n.message for n in app._notifications)


async def test_actions_work_from_the_command_palette():
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"claim ball")
        await asyncio.sleep(0.3)  # the palette searches in a worker
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.state.ball("b1").claimed_by == "sam"


async def test_actions_work_with_the_mouse():
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        inbox = app.query_one("#inbox", Inbox)
        await pilot.click(inbox, offset=(10, 1))  # the second row
        await pilot.pause()
        assert inbox.selected is not None and inbox.selected.ball_id == "c1"
        claim = next(key for key in app.query("FooterKey") if key.description == "Claim")
        await pilot.click(claim)
        await pilot.pause()
        assert app.session.state.ball("c1").claimed_by == "sam"
        assert app.session.state.ball("b1").claimed_by is None


async def test_enter_opens_the_conversation_of_a_ball_and_escape_closes_it():
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 13)
        await pilot.press("v")  # closed balls too: d1 was answered by the host
        await pilot.pause()
        inbox = app.query_one("#inbox", Inbox)
        inbox.move_to(inbox_ids(app).index("d1"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConversationScreen)
        shown = " ".join(str(w.render()) for w in app.screen.query(".card"))
        assert "what about printers" in shown and "printers are fine" in shown
        verdict = str(app.screen.query_one("#verdict").render())
        # Why it was judged so, for the host to check and overrule.
        assert verdict == ("Addressed: a host-team handle leads its @-block; asks a question; "
                           "answered by mshost (a reply to it).")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ConversationScreen)


async def test_the_conversation_of_a_stream_message_shows_what_it_replies_to():
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        stream = app.query_one("#stream", StreamView)
        stream.focus()
        await pilot.press("up")  # from the newest line (r1) ...
        await pilot.press("down")  # ... and back to it
        await pilot.pause()
        assert stream.selected is not None and stream.selected.message.id == "r1"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConversationScreen)
        assert "flipgrid for reading" in " ".join(str(w.render()) for w in app.screen.query(".card"))


async def test_pausing_the_stream_holds_new_lines_behind_a_counter_and_loses_nothing():
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 1.5)
        stream = app.query_one("#stream", StreamView)
        before = [e.message.id for e in stream.entries]
        await pilot.press("space")
        await at_minute(app, pilot, wall, 11)
        assert [e.message.id for e in stream.entries] == before
        assert "PAUSED · 4 new" in str(stream.border_subtitle)  # r1, q2, a2, d1
        assert inbox_ids(app) == ["b1", "d1", "c1"]  # the ledger keeps up while the stream is paused
        await pilot.press("space")
        await pilot.pause()
        assert [e.message.id for e in stream.entries] == ["q1", "rt1", "c1", "b1", "a1", "r1", "q2", "a2", "d1"]
        assert stream.border_subtitle is None


async def test_replay_stops_speeds_up_and_seeks():
    wall = Wall()
    app = make_app(wall=wall, speed=60.0)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 2)
        await pilot.press("p")  # stop the clock
        await at_minute(app, pilot, wall, 30)
        assert app.session.state.received == 6
        await pilot.press("p", "plus")
        await pilot.pause()
        assert app.session.speed is None  # 60x, then as fast as possible
        await pilot.press("s")
        await pilot.pause()
        await pilot.press(*"Q2", "enter")
        await pilot.pause()
        assert app.session.state.now.minute == 10 and app.session.state.current_question == 2
        await pilot.press("s")
        await pilot.pause()
        await pilot.press(*"-9m", "enter")
        await pilot.pause()
        assert app.session.state.received == 4  # back at 1:00: q1, rt1, c1 and b1
        assert "what about printers" not in "".join(stream_text(app))


async def test_a_bad_seek_says_what_it_accepts():
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 2)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press(*"soon", "enter")
        await pilot.pause()
        assert any("12:30, +5m" in n.message for n in app._notifications)


async def test_one_question_search_and_reposts_filter_the_stream():
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 13)
        stream = app.query_one("#stream", StreamView)
        await pilot.press("2")
        await pilot.pause()
        assert {e.thread for e in stream.entries} == {2}
        await pilot.press("0", "r")
        await pilot.pause()
        assert "rt1" not in [e.message.id for e in stream.entries]
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"flipgrid", "enter")
        await pilot.pause()
        assert [e.message.id for e in stream.entries] == ["a1", "r1"]
        assert "flipgrid" in str(stream.border_title)


async def test_mute_hides_an_author_and_feature_highlights_one():
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        await pilot.press("m")  # the selected ball is bob's
        await pilot.pause()
        stream = app.query_one("#stream", StreamView)
        assert "bob" not in {e.author for e in stream.entries}
        assert inbox_ids(app) == ["c1"]
        await pilot.press("f")  # now alice's ball is selected
        await pilot.pause()
        assert "alice" in stream.featured


async def test_export_writes_the_sessions_report(tmp_path: Path):
    wall = Wall()
    app = make_app(wall=wall, export_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 13)
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
    written = list(tmp_path.glob("chatmod-edchat-*.md"))
    assert len(written) == 1
    assert "kahoot" in written[0].read_text(encoding="utf-8")


async def test_an_export_mid_chat_says_what_the_console_shows(tmp_path: Path):
    from chatmod.core.runtime import Action

    wall = Wall()
    app = make_app(wall=wall, export_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 13)
        app.session.act(Action.DISMISS, "c1", "sam")
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
    (written,) = tmp_path.glob("chatmod-edchat-*.md")
    text = written.read_text(encoding="utf-8")
    # Bob's question is still open mid-chat, not dropped; the dismissed ball stays dismissed.
    assert "1 answered (median 1m), none dropped, 1 dismissed, 1 still open" in text
    still_open = text.split("## Still open (1)")[1].split("## Dropped")[0]
    assert "kahoot" in still_open and "love this chat" not in still_open
    assert "Nothing dropped" in text and "love this chat" in text.split("## Dismissed")[1]


_KEY_NAMES = {"enter": "Enter", "tab": "Tab", "space": "Space"}


def help_keys(text: str) -> set[str]:
    """The keys in the help's key column ("m / f" is two keys, "1-9, 0" is ten)."""
    keys: set[str] = set()
    for line in text.splitlines():
        match = re.match(r"^ {2,}(\S(?:.*?\S)?) {2}\S", line)
        if match is None:
            continue
        for part in re.split(r" / |, ", match.group(1)):
            if re.fullmatch(r"\d-\d", part):
                keys.update(str(n) for n in range(int(part[0]), int(part[2]) + 1))
            else:
                keys.add(part)
    return keys


def shown_text(widget) -> str:
    """The lines a widget shows on screen, as plain text."""
    from textual.geometry import Region

    size = widget.size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, size.width, size.height)))


def test_help_keys_reads_the_key_column() -> None:
    text = "Inbox: open balls\n       c  claim\n   m / f  mute / feature\n  1-9, 0  only Qn\n"
    assert help_keys(text) == {"c", "m", "f", *"1234567890"}


async def test_help_lists_every_key():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = shown_text(app.screen.query_one("Static"))
        assert "Esc (or q) closes this help" in " ".join(text.split())
        listed = help_keys(text)
        # Every key bound in the console, as the footer shows it, has a line in the help.
        for binding in app.BINDINGS:
            assert isinstance(binding, Binding)
            shown = binding.key_display or _KEY_NAMES.get(binding.key.split(",")[0], binding.key.split(",")[0])
            assert shown in listed, f"{shown!r} ({binding.description}) is missing from the help"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_quit_leaves_the_app():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_actions_are_recorded_in_the_database_with_who_and_when(tmp_path: Path):
    import sqlite3

    from chatmod.run.record import Recorder

    db = tmp_path / "chat.db"
    wall = Wall()
    app = make_app(wall=wall, recorder=Recorder(db))
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        await pilot.press("c", "a")
        await pilot.pause()
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT ball_id, kind, by, origin, at FROM ledger_events WHERE ball_id = 'b1'"
                                  " ORDER BY seq").fetchall()
    # The engine's events and the marks in the order they happened: the ball opens, then is marked.
    assert [row[:4] for row in rows] == [("b1", "opened", "bob", "engine"), ("b1", "claimed", "sam", "moderator"),
                                         ("b1", "answered", "sam", "moderator")]
    assert rows[1][4].startswith("2026-03-03T17:04:00")  # the chat time of the replay, not the wall clock


async def test_an_unusable_database_is_reported_and_the_console_goes_on(tmp_path: Path):
    from chatmod.run.record import Recorder

    wall = Wall()
    app = make_app(wall=wall, recorder=Recorder(tmp_path / "missing" / "chat.db"))
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        assert any("will not be recorded" in n.message and "missing" in n.message for n in app._notifications)
        await pilot.press("c")
        await pilot.pause()
        assert app.session.state.ball("b1").claimed_by == "sam"


async def test_when_the_replay_ends_the_inbox_becomes_the_follow_up_list():
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 30)
        assert app.session.finished
        inbox = app.query_one("#inbox", Inbox)
        assert [(row.ball_id, row.status) for row in inbox.rows_shown] == [("b1", Status.DROPPED), ("c1", Status.DROPPED)]
        assert str(app.query_one("#inbox-box").border_title).startswith("Dropped")
        assert inbox.cells(0)[0].strip() == "✗ 19:00"  # b1 waited from 1:00 to the last message, at 20:00
        assert "ended" in str(app.query_one("#status").render())
        await pilot.press("a")  # answered after all (say, by direct message): off the list
        await pilot.pause()
        assert [row.ball_id for row in inbox.rows_shown] == ["c1"]


async def test_two_quick_actions_are_both_recorded(tmp_path: Path):
    import sqlite3

    from chatmod.run.record import Recorder

    db = tmp_path / "chat.db"
    wall = Wall()
    app = make_app(wall=wall, recorder=Recorder(db))
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 4)
        app.action_act("claim")  # two actions in one tick: their writes overlap
        app.action_act("dismiss")
        await pilot.press("down", "c")
        await pilot.pause()
        assert not any("Not recorded" in n.message for n in app._notifications)
    with sqlite3.connect(db) as connection:
        kinds = connection.execute("SELECT ball_id, kind FROM ledger_events WHERE origin = 'moderator'"
                                   " ORDER BY seq").fetchall()
    assert kinds == [("b1", "claimed"), ("b1", "dismissed"), ("c1", "claimed")]


async def test_on_the_stream_actions_apply_only_to_the_line_picked():
    wall = Wall()
    app = make_app(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 13)
        stream = app.query_one("#stream", StreamView)
        stream.focus()
        await pilot.press("m")  # nothing picked: nobody is muted
        await pilot.pause()
        assert not app.muted
        await pilot.click(stream, offset=(20, 1 + [e.message.id for e in stream.entries].index("b1")))
        await pilot.pause()
        assert stream.selected is not None and stream.selected.message.id == "b1"  # the line clicked
        await at_minute(app, pilot, wall, 14)
        assert stream.selected.message.id == "b1"  # still picked as the replay goes on
        await pilot.press("a")
        await pilot.pause()
        assert app.session.state.ball("b1").status is Status.ANSWERED


async def test_featuring_a_non_ascii_author_highlights_their_lines():
    rows = [("q1", "0:00", "mshost", "Q1: hi #edchat"), ("s1", "0:10", "Straße", "@mshost A1 hallo #edchat")]
    wall = Wall()
    app = make_app(rows, wall=wall, featured=frozenset({"Straße"}))
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 0.5)
        stream = app.query_one("#stream", StreamView)
        author = stream.row(1, 100)[3]
        assert author.text == "Straße" and author.style == stream.style("stream--featured")


async def test_scrolling_the_stream_back_stops_following_and_end_resumes():
    rows = [("q1", "0:00", "mshost", "Q1: go #edchat")] + [(f"a{i}", f"0:{i + 1:02d}", f"p{i}", f"A1 answer {i}") for i in range(58)]
    wall = Wall()
    app = make_app(rows, wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await at_minute(app, pilot, wall, 0.5)
        stream = app.query_one("#stream", StreamView)
        assert stream.following and stream._top() > 0
        await pilot.pause(0.6)  # the scroll range catches up with the rows (twice a second)
        stream.scroll_to(y=0, animate=False, immediate=True)  # as a scrollbar drag or the wheel does
        await pilot.pause()
        assert not stream.following and stream._top() == 0
        await at_minute(app, pilot, wall, 1)
        assert stream._top() == 0  # new lines do not pull the view back down
        stream.focus()
        await pilot.press("end")
        await pilot.pause()
        assert stream.following and stream._top() == len(stream.entries) - stream.scrollable_content_region.height
