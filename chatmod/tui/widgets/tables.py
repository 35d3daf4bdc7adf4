"""Provides the inbox (open balls, longest wait first) and the question board, as DataTables.

Every cell is a ``rich.text.Text``: a ``str`` cell would be parsed as markup by DataTable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from rich.text import Text
from textual.widgets import DataTable

from chatmod.core.ledger import Status
from chatmod.tui.shown import shown
from chatmod.tui.state import InboxRow, Level, QuestionRow

__all__ = ["Inbox", "QuestionBoard", "clock"]


def clock(span: timedelta) -> str:
    """A wait or an elapsed time as m:ss (h:mm:ss past an hour)."""
    seconds = max(0, int(span.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


_LEVEL_STYLE = {Level.FRESH: "", Level.AMBER: "bold yellow", Level.RED: "bold red"}
_STATUS_STYLE = {Status.ANSWERED: "green", Status.DISMISSED: "dim", Status.DROPPED: "red"}


class Inbox(DataTable[Text]):
    """Open balls, questions first, then the longest wait; the selected ball stays selected."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.rows_shown: list[InboxRow] = []

    def on_mount(self) -> None:
        self.add_column("Wait", key="wait", width=7)
        self.add_column("Q", key="q", width=3)
        self.add_column("From", key="from", width=14)
        self.add_column("Message", key="text")

    @property
    def selected(self) -> InboxRow | None:
        if not self.rows_shown or self.cursor_row < 0 or self.cursor_row >= len(self.rows_shown):
            return None
        return self.rows_shown[self.cursor_row]

    def on_resize(self) -> None:
        # The message column takes what the others leave: it is cut again for the new width.
        if self.rows_shown:
            self.show(self.rows_shown)

    def show(self, rows: Sequence[InboxRow]) -> None:
        selected = self.selected
        self.rows_shown = list(rows)
        # The message gets what the fixed columns leave, so the table never scrolls sideways.
        width = max(10, self.scrollable_content_region.width - 35)
        self.clear()
        for row in rows:
            if row.status is Status.OPEN:
                wait = Text(clock(row.waited), style=_LEVEL_STYLE[row.level], justify="right")
            else:
                wait = Text(str(row.status), style=_STATUS_STYLE.get(row.status, ""))
            author = Text()
            author.append("? " if row.question else "  ", style="bold red")
            author.append(shown(row.author, 12), style="bold" if row.question else "")
            text = Text(no_wrap=True, overflow="ellipsis")
            if row.claimed_by:
                text.append(f"✋{shown(row.claimed_by, 12)} ", style="italic cyan")
            text.append(shown(row.text, 280))
            text.truncate(width, overflow="ellipsis")
            self.add_row(
                wait,
                Text(f"Q{row.thread}" if row.thread is not None else "–"),
                author,
                text,
                key=row.ball_id,
            )
        if selected is not None:
            for index, row in enumerate(self.rows_shown):
                if row.ball_id == selected.ball_id:
                    self.move_cursor(row=index, animate=False)
                    break


class QuestionBoard(DataTable[Text]):
    """Q1..Qn: answers, participants, time run (against the plan when there is one)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", show_cursor=False)

    def on_mount(self) -> None:
        self._add_columns(planned=False)

    def _add_columns(self, planned: bool) -> None:
        self.clear(columns=True)
        self._planned = planned
        self.add_column("Q", key="q", width=4)
        self.add_column("Time", key="time", width=13 if planned else 5)
        self.add_column("Ans", key="answers", width=3)
        self.add_column("Ppl", key="people", width=3)

    def show(self, rows: Sequence[QuestionRow], current: int | None, elapsed: dict[int, timedelta]) -> None:
        planned = any(row.planned is not None for row in rows)
        if planned != self._planned:
            self._add_columns(planned)
        self.clear()
        for row in rows:
            run = elapsed.get(row.number, timedelta(0))
            time = clock(run)
            style = ""
            if row.planned is not None:
                time = f"{time} of {clock(row.planned)}"
                if row.number == current and run > row.planned:
                    style = "bold yellow"
            now = row.number == current
            self.add_row(
                Text(f"{'▶' if now else ' '}Q{row.number}", style="bold" if now else ""),
                Text(time, style=style),
                Text(str(row.answers), justify="right"),
                Text(str(len(row.participants)), justify="right"),
                key=str(row.number),
            )
