"""Provides the stream: every message on one line, labelled with its question, newest at the bottom."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style

from chatmod.core.text import fold_handle
from chatmod.tui.shown import shown, who
from chatmod.tui.widgets.lines import LineList, fit

if TYPE_CHECKING:
    from chatmod.tui.state import Entry

__all__ = ["StreamView"]

# A ball's line says what became of it (by its status's value); an open one keeps its ? or →.
_MARKERS: dict[str | None, tuple[str, Style]] = {
    "answered": ("✓", Style(color="green", bold=True)),
    "dropped": ("✗", Style(color="red", bold=True)),
    "dismissed": ("–", Style(dim=True)),
}


class StreamView(LineList):
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
    }

    FOLLOW = True

    def __init__(self, *, zone: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._entries: Sequence[Entry] = ()
        self._zone = zone
        self.featured: frozenset[str] = frozenset()
        self.names: Mapping[str, str] = {}
        """Bluesky DID → handle, as lookups name people (a line shows the handle once known)."""
        self.status_of: Callable[[str], str | None] = lambda message_id: None
        """Where a ball stands (its status's value), by message id; None for other messages."""

    @property
    def entries(self) -> Sequence[Entry]:
        return self._entries

    @property
    def selected(self) -> Entry | None:
        """The line the moderator picked (None while the stream just follows the newest)."""
        if 0 <= self.cursor < len(self._entries):
            return self._entries[self.cursor]
        return None

    def show(self, entries: Sequence[Entry]) -> None:
        """Replace the lines shown (the filtered window of the stream)."""
        selected = self.selected if self.cursor >= 0 else None
        self._entries = entries
        if selected is not None:
            # Keep the selected message selected as lines arrive or scroll out of the window.
            self.cursor = next((i for i, e in enumerate(entries) if e is selected), -1)
        self.set_count(len(entries))

    def row_key(self, index: int) -> Hashable:
        entry = self._entries[index]
        message = entry.message
        status = self.status_of(message.id) if entry.to_host else None
        # The text and the deleted mark are in the key: an edit or a deletion redraws the line.
        # The engine's reading too: a live line is shown before the engine has read it.
        return (message.id, message.network, status, fold_handle(message.author) in self.featured,
                message.text, message.deleted, who(message.author, self.names), entry.thread, entry.to_host,
                entry.question, entry.opens)

    def row(self, index: int, width: int) -> list[Segment]:
        entry = self._entries[index]
        style = self.style
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
        if fold_handle(message.author) in self.featured:
            author_style = style("stream--featured")
        status = self.status_of(message.id) if entry.to_host else None
        marker, marker_style = _MARKERS.get(status, ("", Style()))
        if not marker:
            marker = "↻" if entry.repost else ("?" if entry.question else ("→" if entry.to_host else " "))
            marker_style = style("stream--question") if entry.question else text_style
        text = shown(message.text, width + 1)
        if entry.repost:
            text = f"reposted {shown(message.repost_of_author or '', 40)}: {text}".strip()
        if message.deleted:
            text = f"(deleted) {text}"
        if message.untagged:
            text = f"(untagged) {text}"
        return fit([
            Segment(f"{at:%H:%M} ", style("stream--time")),
            Segment(f"{label:<4}", style("stream--label")),
            Segment(marker + " ", marker_style),
            Segment(who(message.author, self.names), author_style),
            Segment("  ", None),
            Segment(text, text_style),
        ], width)
