"""Provides the inbox (open balls, longest wait first) and the question board.

Both are drawn a line at a time from plain rows: an update replaces the rows and repaints what is
visible, with no table cells to rebuild (a DataTable rebuild cost more than the rest of a frame).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from chatmod.tui.shown import shown, who
from chatmod.tui.widgets.lines import LineList, fit

if TYPE_CHECKING:
    from chatmod.tui.state import InboxRow, QuestionRow

__all__ = ["Inbox", "QuestionBoard", "clock"]


def wait_clock(span: timedelta) -> str:
    """A wait, in at most six characters: m:ss, then 1h05 past an hour, then 3d07 past a day
    (the inbox's column holds it whatever the wait)."""
    seconds = max(0, int(span.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    hours, minutes = divmod(seconds // 60, 60)
    if hours < 100:
        return f"{hours}h{minutes:02d}"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}" if days < 1000 else "999d+"


def clock(span: timedelta) -> str:
    """A wait or an elapsed time as m:ss (h:mm:ss past an hour)."""
    seconds = max(0, int(span.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


# Keyed by the enums' values (Level and Status are StrEnums), so this module loads no engine.
_LEVEL_STYLE = {"fresh": Style(), "amber": Style(color="yellow", bold=True), "red": Style(color="red", bold=True)}
_STATUS_STYLE = {"answered": Style(color="green"), "dismissed": Style(dim=True), "dropped": Style(color="red")}
_STATUS_MARK = {"answered": "✓", "dismissed": "–", "dropped": "✗"}
_QUESTION = Style(color="red", bold=True)
_BOLD = Style(bold=True)
_CLAIMED = Style(color="cyan", italic=True)
_DIM = Style(dim=True)

WAIT, QUESTION, FROM = 8, 4, 15
"""Column widths of the inbox: the message takes the rest."""
HEADER = f"{'Wait':>{WAIT - 1}} {'Q':<{QUESTION}}  {'From':<{FROM - 2}} Message"


class Inbox(LineList):
    """Open balls, questions first, then the longest wait; the selected ball stays selected."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows_shown: list[InboxRow] = []
        self.names: Mapping[str, str] = {}
        """Bluesky DID → handle, as lookups name people."""

    @property
    def selected(self) -> InboxRow | None:
        if 0 <= self.cursor < len(self.rows_shown):
            return self.rows_shown[self.cursor]
        return None

    def show(self, rows: Sequence[InboxRow]) -> None:
        selected = self.selected
        self.rows_shown = list(rows)
        if selected is not None:
            ids = [row.ball_id for row in self.rows_shown]
            # The selection follows its ball; when the ball leaves (answered), the next one takes its place.
            self.cursor = ids.index(selected.ball_id) if selected.ball_id in ids else min(self.cursor, len(ids) - 1)
        elif self.rows_shown and self.cursor < 0:
            self.cursor = 0
        self.set_count(len(self.rows_shown))

    def cells(self, index: int) -> list[str]:
        """Row ``index`` as text, column by column (wait, question, from, message)."""
        segments = self.row(index, 200)
        return [segments[0].text, segments[1].text, segments[2].text + segments[3].text, "".join(s.text for s in segments[4:])]

    def row_key(self, index: int) -> Hashable:
        # What the row shows, read now: the ball it lists is the ledger's own, and changes.
        row = self.rows_shown[index]
        ball = row.ball
        return (ball.id, ball.status, ball.claimed_by, ball.question, ball.thread, who(ball.author, self.names), row.text,
                row.waited, row.level, row.untagged)

    def row(self, index: int, width: int) -> list[Segment]:
        row = self.rows_shown[index]
        if row.status == "open":
            wait = Segment(f"{wait_clock(row.waited):>{WAIT - 1}} ", _LEVEL_STYLE[row.level])
        else:
            # A closed ball says what became of it, and how long it had waited by then.
            mark = _STATUS_MARK.get(row.status, "")
            wait = Segment(f"{mark + ' ' + wait_clock(row.waited):>{WAIT - 1}} ", _STATUS_STYLE.get(row.status, Style()))
        label = f"Q{row.thread}" if row.thread is not None else "–"
        segments = [
            wait,
            Segment(f"{label:<{QUESTION}} ", _DIM if row.thread is None else Style()),
            Segment("? " if row.question else "  ", _QUESTION),
            Segment(f"{who(row.author, self.names, FROM - 3):<{FROM - 3}} ", _BOLD if row.question else Style()),
        ]
        if row.claimed_by:
            segments.append(Segment(f"✋{shown(row.claimed_by, 12)} ", _CLAIMED))
        if row.untagged:
            segments.append(Segment("(untagged) ", _DIM))
        segments.append(Segment(shown(row.text, width + 1)))
        return fit(segments, width)


class QuestionBoard(Widget):
    """Q1..Qn: time run (against the plan when there is one), answers, participants."""

    DEFAULT_CSS = """
    QuestionBoard { width: 25; }
    QuestionBoard.-planned { width: 33; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()

    def show(self, rows: Sequence[QuestionRow], current: int | None, elapsed: dict[int, timedelta]) -> None:
        planned = any(row.planned is not None for row in rows)
        self.set_class(planned, "-planned")
        width = 13 if planned else 5
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {'Q':<4} {'Time':>{width}} {'Ans':>4} {'Ppl':>4}\n", style="bold")
        for row in rows:
            run = elapsed.get(row.number, timedelta(0))
            time = clock(run)
            style = ""
            if row.planned is not None:
                time = f"{time} of {clock(row.planned)}"
                if row.number == current and run > row.planned:
                    style = "bold yellow"
            now = row.number == current
            text.append(f"{'▶' if now else ' '}{'Q' + str(row.number):<4} ", style="bold" if now else "")
            text.append(f"{time:>{width}}", style=style)
            text.append(f" {row.answers:>4} {len(row.participants):>4}\n")
        text.rstrip()
        if text.plain != self._text.plain or text.spans != self._text.spans:
            self._text = text
            self.refresh()

    @property
    def lines(self) -> list[str]:
        return self._text.plain.splitlines()

    def render(self) -> Text:
        return self._text
