"""Untrusted text is shown literally everywhere in the console: no markup, no terminal escapes."""

from __future__ import annotations

from datetime import UTC

from chatmod.core.handles import HostTeam
from chatmod.sources.replay import ReplaySource
from chatmod.tui.app import ChatmodApp, ConsoleOptions
from chatmod.tui.screens.modals import ConversationScreen
from chatmod.tui.shown import MARK, shown
from chatmod.tui.widgets.stream import StreamView
from chatmod.tui.widgets.tables import Inbox
from tests.tui.conftest import Wall, chat_session
from tests.tui.hostile import ESCAPES, FORBIDDEN_OUTPUT, INVISIBLE, MARKUP, hostile_chat


def hostile_app(wall: Wall) -> ChatmodApp:
    messages = hostile_chat()
    team = HostTeam(["mshost"])
    session = chat_session(ReplaySource(lambda: list(messages), speed=60.0, wall=wall), team)
    return ChatmodApp(session, ConsoleOptions(title="[bold]#edchat[/]", moderator="[red]me", zone=UTC),
                      wall=wall, tick=None)


def terminal_output(app: ChatmodApp) -> str:
    """What the app would write to a terminal for the whole screen right now."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


class TestShown:
    def test_markup_stays_literal(self):
        for bad in MARKUP:
            assert shown(bad) == bad.strip()

    def test_escapes_and_controls_are_removed_with_their_payloads(self):
        for bad in ESCAPES:
            out = shown(f"a{bad}b")
            assert not any(ch in out for ch in "\x1b\x9b\x07\r"), repr(out)
        assert shown("a\x1b]52;c;cm0gLXJmIH4=\x07b") == "ab"

    def test_invisible_characters_are_marked(self):
        for bad in INVISIBLE:
            assert shown(f"@m{bad}srivera") == f"@m{MARK}srivera"

    def test_emoji_joiners_are_kept(self):
        assert shown("👩\u200d💻") == "👩\u200d💻"

    def test_one_line_and_bounded(self):
        assert shown("a\nb\tc") == "a b c"
        assert len(shown("x" * 100_000, limit=300)) == 300


async def test_every_widget_shows_hostile_text_literally():
    wall = Wall()
    app = hostile_app(wall)
    async with app.run_test(size=(160, 60)) as pilot:
        wall.t = 1.0
        app.advance()
        await pilot.pause()
        stream = app.query_one("#stream", StreamView)
        stream_lines = ["".join(seg.text for seg in stream.row(i, 300)) for i in range(len(stream.entries))]
        inbox = app.query_one("#inbox", Inbox)
        inbox_cells = [cell for index in range(inbox.count) for cell in inbox.cells(index)]
        for bad in MARKUP:
            assert any(bad.strip() in line for line in stream_lines), bad
            assert any(bad.strip() in cell for cell in inbox_cells), bad
        assert any(f"m{MARK}srivera" in line for line in stream_lines)
        assert "[bold]#edchat[/]" in str(app.query_one("#status").render())
        output = terminal_output(app)
        for forbidden in FORBIDDEN_OUTPUT:
            assert forbidden not in output, repr(forbidden)


async def test_clicking_hostile_markup_runs_nothing():
    wall = Wall()
    app = hostile_app(wall)
    async with app.run_test(size=(160, 60)) as pilot:
        wall.t = 1.0
        app.advance()
        await pilot.pause()
        stream = app.query_one("#stream", StreamView)
        for y in range(stream.scrollable_content_region.height):
            await pilot.click(stream, offset=(40, y + 1))
        await pilot.pause()
        assert app.is_running
        assert app.return_code is None


async def test_conversations_and_notifications_show_hostile_text_literally():
    wall = Wall()
    app = hostile_app(wall)
    async with app.run_test(size=(160, 60)) as pilot:
        wall.t = 1.0
        app.advance()
        await pilot.pause()
        inbox = app.query_one("#inbox", Inbox)
        for index in range(len(inbox.rows_shown)):
            inbox.move_to(index)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ConversationScreen)
            output = terminal_output(app)
            for forbidden in FORBIDDEN_OUTPUT:
                assert forbidden not in output
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("m")  # a notification names the (hostile) author
        await pilot.pause()
        assert app.is_running
        for forbidden in FORBIDDEN_OUTPUT:
            assert forbidden not in terminal_output(app)
