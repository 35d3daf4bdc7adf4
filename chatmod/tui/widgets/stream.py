"""Provides the stream: every message on one line, labelled with its question, newest at the bottom.

A line-API ``ScrollView``: only the visible lines are rendered, each from its entry on demand, so a
burst costs one repaint per frame however many messages it brings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import tzinfo

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from chatmod.core.ledger import Status
from chatmod.tui.shown import shown
from chatmod.tui.state import Entry

__all__ = ["StreamView"]

# A ball's line says what became of it; an open one keeps its ? or →.
_MARKERS: dict[Status | None, tuple[str, Style]] = {
    Status.ANSWERED: ("✓", Style(color="green", bold=True)),
    Status.DROPPED: ("✗", Style(color="red", bold=True)),
    Status.DISMISSED: ("–", Style(dim=True)),
}


class StreamView(ScrollView, can_focus=True):
    """The chat, one message per line. Follows the newest line unless the cursor is moved up."""

    COMPONENT_CLASSES = {
        "stream--time",
        "stream--label",
        "stream--author",
        "stream--team",
        "stream--addressed",
        "stream--question",
        "stream--repost",
        "stream--featured",
        "stream--opens",
        "stream--cursor",
    }

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor(-10)", "Page up", show=False),
        Binding("pagedown", "cursor(10)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Newest", show=False),
    ]

    cursor: reactive[int] = reactive(-1, always_update=True)
    """Index of the selected line; -1 follows the newest."""

    class Selected(Message):
        """The moderator selected a line (cursor or click)."""

        def __init__(self, entry: Entry) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, *, zone: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._entries: Sequence[Entry] = ()
        self._zone = zone
        self.featured: frozenset[str] = frozenset()
        self.status_of: Callable[[str], Status | None] = lambda message_id: None
        """Where a ball stands, by message id (None for messages that are not balls)."""

    @property
    def entries(self) -> Sequence[Entry]:
        return self._entries

    @property
    def selected(self) -> Entry | None:
        if not self._entries:
            return None
        index = self.cursor if self.cursor >= 0 else len(self._entries) - 1
        return self._entries[min(index, len(self._entries) - 1)]

    def show(self, entries: Sequence[Entry]) -> None:
        """Replace the lines shown (the filtered window of the stream)."""
        selected = self.selected if self.cursor >= 0 else None
        self._entries = entries
        if selected is not None:
            # Keep the selected message selected as lines arrive or scroll out of the window.
            try:
                self.cursor = next(i for i, e in enumerate(entries) if e is selected)
            except StopIteration:
                self.cursor = -1
        self.virtual_size = Size(self.size.width, len(entries))
        if self.cursor < 0:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._entries))
        if self.cursor < 0:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    # -- keys -------------------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        if not self._entries:
            return
        index = self.cursor if self.cursor >= 0 else len(self._entries) - 1
        index = max(0, min(len(self._entries) - 1, index + step))
        self._select(index)

    def action_first(self) -> None:
        if self._entries:
            self._select(0)

    def action_last(self) -> None:
        self.cursor = -1
        self.scroll_end(animate=False, x_axis=False)
        self.refresh()

    def _select(self, index: int) -> None:
        # Moving to the newest line means "follow" again.
        self.cursor = -1 if index == len(self._entries) - 1 else index
        self.scroll_to_region_line(index)
        self.refresh()
        self.post_message(self.Selected(self._entries[index]))

    def scroll_to_region_line(self, index: int) -> None:
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)

    def on_click(self, event: Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self._entries):
            self._select(index)

    # -- rendering --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self.rich_style
        if index >= len(self._entries):
            return Strip.blank(width, base)
        entry = self._entries[index]
        strip = Strip(self._segments(entry), None).crop_extend(0, width, base)
        if index == self.cursor:
            strip = strip.apply_style(self.get_component_rich_style("stream--cursor"))
        return strip

    def _segments(self, entry: Entry) -> list[Segment]:
        style = self.get_component_rich_style
        message = entry.message
        at = message.created_at.astimezone(self._zone) if self._zone else message.created_at.astimezone()
        label = f"Q{entry.thread}" if entry.thread is not None else ""
        author_style = style("stream--author")
        text_style = Style()
        if entry.team:
            author_style = text_style = style("stream--team")
        elif entry.to_host:
            text_style = style("stream--addressed")
            author_style = author_style + text_style
        if entry.repost:
            text_style = author_style = style("stream--repost")
        if entry.opens is not None:
            text_style = style("stream--opens")
        if message.author.lower() in self.featured:
            author_style = style("stream--featured")
        status = self.status_of(message.id) if entry.to_host else None
        marker, marker_style = _MARKERS.get(status, ("", Style()))
        if not marker:
            marker = "↻" if entry.repost else ("?" if entry.question else ("→" if entry.to_host else " "))
            marker_style = style("stream--question") if entry.question else text_style
        segments = [
            Segment(f"{at:%H:%M} ", style("stream--time")),
            Segment(f"{label:<4}", style("stream--label")),
            Segment(marker + " ", marker_style),
            Segment(shown(message.author, 40), author_style),
            Segment("  ", None),
        ]
        text = shown(message.text)
        if entry.repost:
            text = f"reposted {shown(message.repost_of_author or '', 40)}: {text}".strip()
        segments.append(Segment(text, text_style))
        return segments
