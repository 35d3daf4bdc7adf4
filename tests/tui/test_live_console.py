"""The console on a Source that is not a file: a live chat, its connection, and the clock."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta

from chatmod.core.ledger import Status
from chatmod.sources.base import Capabilities, ConnectionState, Link, Source, SourceItem
from chatmod.tui.app import ChatmodApp, ConsoleOptions
from tests.conftest import START, at, chat
from tests.tui.conftest import TEAM, Wall, chat_session

SIZE = (120, 36)
ROWS = [
    ("q1", "0:00", "mshost", "Q1: what is your favourite tool? #edchat"),
    ("b1", "1:00", "bob", "@mshost how do you grade kahoot quizzes? #edchat"),
    ("a1", "1:30", "carol", "A1 flipgrid #edchat"),
]


class LiveTestSource(Source):
    """A live chat the test writes: items it pushes arrive at once; its clock is the test's."""

    capabilities = Capabilities(live=True)

    def __init__(self) -> None:
        self.clock = START
        self.items: deque[SourceItem] = deque()
        self.started = self.closed = False

    def push(self, items: Iterable[SourceItem]) -> None:
        self.items.extend(items)

    def poll(self, limit: int = 5000) -> list[SourceItem]:
        return [self.items.popleft() for _ in range(min(limit, len(self.items)))]

    def now(self) -> datetime:
        return self.clock

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.closed = True


class BrokenSource(LiveTestSource):
    """Its connection code has a bug: the first poll raises."""

    def poll(self, limit: int = 5000) -> list[SourceItem]:
        raise RuntimeError("frame decoder exploded")


def live_app(source: LiveTestSource, tick: float | None = None, wall: Wall | None = None) -> ChatmodApp:
    options = ConsoleOptions(title="#edchat · live", moderator="sam", tag="edchat")
    if wall is None:
        return ChatmodApp(chat_session(source, TEAM), options, tick=tick)
    return ChatmodApp(chat_session(source, TEAM), options, tick=tick, wall=wall)


async def step(app: ChatmodApp, pilot, wall: Wall) -> None:
    """A second of the console's time: what the source has is read and every panel repainted."""
    wall.t += 1
    app.advance()
    await pilot.pause()


def footer_keys(app: ChatmodApp) -> set[str]:
    return {str(key.description) for key in app.query("FooterKey")}


async def test_a_live_chat_shows_its_connection_and_offers_no_replay_keys() -> None:
    source, wall = LiveTestSource(), Wall()
    app = live_app(source, wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        source.push([ConnectionState(Link.CONNECTING, "to chat.example")])
        await step(app, pilot, wall)
        status = str(app.query_one("#status").render())
        assert "connecting" in status and "to chat.example" in status
        source.push([ConnectionState(Link.LIVE), *chat(ROWS)])
        source.clock = at("2:00")
        await step(app, pilot, wall)
        assert "● live" in str(app.query_one("#status").render())
        assert [row.ball_id for row in app.query_one("#inbox").rows_shown] == ["b1"]
        keys = footer_keys(app)
        assert {"Claim", "Pause", "Help"} <= keys
        # Seek, speed and play move a replay's clock; a live chat has none to move.
        assert not app.check_action("seek", ()) and not app.check_action("play", ())
        assert app.check_action("act", ("claim",))
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert "Claim ball" in titles and not {"Seek…", "Faster replay", "Play or stop the replay"} & titles
        await pilot.press("s")  # bound, but not on this source: nothing opens
        await pilot.pause()
        assert app.screen is app.screen_stack[0]


async def test_silence_ends_a_live_session_and_drops_its_open_balls() -> None:
    source, wall = LiveTestSource(), Wall()
    app = live_app(source, wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        source.push(chat(ROWS))
        source.clock = at("2:00")
        await step(app, pilot, wall)
        assert app.session.state.ball("b1").status is Status.OPEN  # type: ignore[union-attr]
        # No message for longer than the gap, counted from when the last one (posted at 1:30)
        # was read, at 2:00: the chat's time, not this machine's clock, decides.
        source.clock = at("2:00") + timedelta(hours=3)
        await step(app, pilot, wall)
        assert app.session.state.ball("b1").status is Status.OPEN  # type: ignore[union-attr]
        source.clock = at("2:00") + timedelta(hours=3, seconds=1)
        await step(app, pilot, wall)
        assert app.session.state.ball("b1").status is Status.DROPPED  # type: ignore[union-attr]
        assert app.session.state.ended
        assert "Dropped" in str(app.query_one("#inbox-box").border_title)


async def test_the_console_starts_and_reads_a_live_source_on_its_own() -> None:
    source = LiveTestSource()
    source.push(chat(ROWS[:2]))
    app = live_app(source, tick=0.05)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(40):
            await asyncio.sleep(0.05)
            if app.session.state.received == 2:
                break
        assert source.started and app.session.state.received == 2
        await pilot.press("q")
    assert source.closed


async def test_a_source_that_fails_is_shown_not_swallowed() -> None:
    app = live_app(BrokenSource(), tick=0.05)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(40):
            await asyncio.sleep(0.05)
            if app._notifications:
                break
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("frame decoder exploded" in m for m in messages), messages
        assert app.is_running  # the moderator keeps what is on screen
        assert "failed" in str(app.query_one("#status").render())


async def test_a_ball_caught_without_the_hashtag_is_marked_in_the_stream_and_the_inbox() -> None:
    source, wall = LiveTestSource(), Wall()
    app = live_app(source, wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        messages = chat([*ROWS, ("u1", "1:40", "dave", "@mshost and for younger kids?")])
        source.push([ConnectionState(Link.LIVE), *messages[:-1], messages[-1].model_copy(update={"untagged": True})])
        source.clock = at("2:00")
        await step(app, pilot, wall)
        inbox = app.query_one("#inbox")
        marks = {row.ball_id: "(untagged)" in inbox.cells(i)[3] for i, row in enumerate(inbox.rows_shown)}
        assert marks == {"b1": False, "u1": True}
        stream = app.query_one("#stream")
        lines = ["".join(segment.text for segment in stream.row(i, 200)) for i in range(len(stream.entries))]
        assert [line for line in lines if "(untagged)" in line] == [next(line for line in lines if "dave" in line)]


async def test_a_server_whose_clock_lags_ours_by_months_still_shows_an_open_inbox() -> None:
    source, wall = LiveTestSource(), Wall()
    source.clock = START + timedelta(days=279, hours=3)  # a replaying server, or our clock is off
    app = live_app(source, wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        source.push(chat(ROWS))
        await step(app, pilot, wall)
        source.clock += timedelta(minutes=5)
        await step(app, pilot, wall)
        assert [row.ball_id for row in app.query_one("#inbox").rows_shown] == ["b1"]
        assert app.session.state.ball("b1").status is Status.OPEN  # type: ignore[union-attr]
        assert app.session.now() == at("1:30") + timedelta(minutes=5)  # the chat's time, not ours
        assert "6698:" not in str(app.query_one("#status").render())


async def test_a_dead_link_ends_no_session() -> None:
    source, wall = LiveTestSource(), Wall()
    app = live_app(source, wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        source.push([*chat(ROWS), ConnectionState(Link.RECONNECTING, "in 60 s")])
        source.clock = at("1:30")
        await step(app, pilot, wall)
        source.clock = at("1:30") + timedelta(hours=5)  # down all that time: nothing known of the chat
        await step(app, pilot, wall)
        assert app.session.state.ball("b1").status is Status.OPEN  # type: ignore[union-attr]
        source.push([ConnectionState(Link.LIVE)])
        await step(app, pilot, wall)
        source.clock += timedelta(hours=3, seconds=1)  # back up, and silent for the whole gap
        await step(app, pilot, wall)
        assert app.session.state.ball("b1").status is Status.DROPPED  # type: ignore[union-attr]
