"""What the console shows fits its columns: long waits, long lines, edits, where exports go."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from chatmod.tui.widgets.stream import StreamView
from chatmod.tui.widgets.tables import WAIT, Inbox, wait_clock
from tests.conftest import chat
from tests.tui.conftest import Wall, make_app, stream_text

SIZE = (100, 30)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(59, "0:59"), (3599, "59:59"), (3600, "1h00"), (4 * 3600 + 33 * 60, "4h33"), (99 * 3600, "99h00"),
     (100 * 3600, "4d04"), (10**9, "999d+")],
)
def test_a_wait_fits_the_column_however_long(seconds: int, shown: str) -> None:
    assert wait_clock(timedelta(seconds=seconds)) == shown and len(shown) <= WAIT - 3


async def test_an_hour_long_wait_keeps_the_inbox_columns_in_place() -> None:
    rows = [("b1", "0:00", "bob", "@mshost how do you grade? #edchat"),
            ("c1", "1:30:00", "carol", "@mshost hi there #edchat")]
    wall = Wall()
    app = make_app(rows, wall=wall, speed=60.0)
    async with app.run_test(size=SIZE) as pilot:
        wall.t = 90.5  # 1:30:30 of chat time, before the replay ends
        app.advance()
        await pilot.pause()
        inbox = app.query_one("#inbox", Inbox)
        first, second = inbox.cells(0), inbox.cells(1)
        assert first[0].strip() == "1h30" and second[0].strip() == "0:30"
        # The From column starts at the same place on both rows.
        lines = [line for line in stream_lines(inbox) if "bob" in line or "carol" in line]
        assert lines[0].index("bob") == lines[1].index("carol")


def stream_lines(widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.scrollable_content_region.height)]


async def test_a_line_cut_short_says_so_with_an_ellipsis() -> None:
    rows = [("a1", "0:00", "carol", "A1 " + "word " * 60 + "#edchat")]
    wall = Wall()
    app = make_app(rows, wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        wall.t = 1
        app.advance()
        await pilot.pause()
        line = next(line for line in stream_text(app) if "carol" in line)
        assert line.rstrip().endswith("…") and len(line) <= SIZE[0]


async def test_an_edit_or_a_deletion_redraws_its_line() -> None:
    from chatmod.sources.queue import QueueSource
    from chatmod.tui.app import ChatmodApp, ConsoleOptions
    from tests.tui.conftest import chat_session

    source = QueueSource()
    app = ChatmodApp(chat_session(source), ConsoleOptions(title="t", moderator="sam"), tick=None)
    [message] = chat([("b1", "0:00", "bob", "@mshost great chat #edchat")])
    async with app.run_test(size=SIZE) as pilot:
        source.push([message])
        app.advance()
        await pilot.pause()
        assert any("great chat #edchat" in line for line in stream_text(app))
        source.push([message.model_copy(update={"text": "@mshost great chat, how do I join? #edchat"})])
        app.advance()
        await pilot.pause()
        app.query_one("#stream", StreamView).refresh()
        await pilot.pause()
        assert any("how do I join?" in line for line in stream_text(app))
        source.push([message.model_copy(update={"text": "@mshost great chat, how do I join? #edchat",
                                                "deleted": True})])
        app.advance()
        await pilot.pause()
        assert any("(deleted)" in line for line in stream_text(app))


async def test_export_says_the_full_path_it_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wall = Wall()
    monkeypatch.chdir(tmp_path)
    app = make_app(wall=wall, export_dir=Path("reports-dir-relative"))
    (tmp_path / "reports-dir-relative").mkdir()
    async with app.run_test(size=SIZE) as pilot:
        wall.t = 13
        app.advance()
        await pilot.pause()
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        notices = [n.message for n in app._notifications]
    assert any(f"Report written to {tmp_path}/reports-dir-relative/chatmod-edchat-" in n for n in notices), notices
