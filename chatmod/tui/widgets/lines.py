"""Provides LineList: a scrollable list of one-line rows with a cursor, rendered a visible line at a time.

The stream and the inbox are both LineLists. Only the lines on screen are ever rendered (the line
API), so a list of thousands costs what its visible rows cost, and replacing the rows is an
assignment, not a rebuild of widgets or table cells.
"""

from __future__ import annotations

import time
from collections.abc import Hashable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

__all__ = ["SYNC_EVERY", "LineList", "fit"]

LINE_CACHE = 1024
"""Drawn lines kept for reuse (a screen holds at most a few hundred)."""

SYNC_EVERY = 0.5
"""Seconds a following list's scroll range may lag its rows (it draws the newest rows regardless)."""


def fit(segments: list[Segment], width: int) -> list[Segment]:
    """``segments`` cut to ``width`` cells, the last one ending in "…" when something was cut."""
    used = 0
    for index, segment in enumerate(segments):
        length = cell_len(segment.text)
        if used + length > width:
            room = max(0, width - used - 1)
            kept = set_cell_size(segment.text, room) if room else ""
            return [*segments[:index], Segment(kept.rstrip() + "…", segment.style)]
        used += length
    return segments


class LineList(ScrollView, can_focus=True):
    """Rows of one line each; subclasses say how many (:meth:`set_count`) and draw them (:meth:`row`).

    The cursor is an index, or -1 for "none" (a following list then sticks to its newest row).
    """

    COMPONENT_CLASSES = {"lines--cursor"}

    DEFAULT_CSS = "LineList { overflow-x: hidden; }"

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    FOLLOW = False
    """Whether the list sticks to its newest (last) row while the cursor is not set."""

    class Moved(Message):
        """The cursor moved to a row (by key or click)."""

        def __init__(self, lines: LineList, index: int) -> None:
            super().__init__()
            self.lines = lines
            self.index = index

        @property
        def control(self) -> LineList:
            return self.lines

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cursor = -1
        self._count = 0
        self._styles: dict[str, Style] = {}
        self._lines: LRUCache[Hashable, Strip] = LRUCache(LINE_CACHE)
        self._scrolled_back = False
        self._sync_timer: Timer | None = None
        self._synced_at = float("-inf")
        self._syncing = False

    def style(self, name: str) -> Style:
        """A component class's style (or "" for the widget's own), looked up once per style change.

        Rows are drawn many times a second; asking the CSS engine for each segment's style was a
        tenth of a frame's cost.
        """
        cached = self._styles.get(name)
        if cached is None:
            cached = self._styles[name] = self.get_component_rich_style(name) if name else self.rich_style
        return cached

    def notify_style_update(self) -> None:
        self._styles.clear()
        self._lines.clear()
        super().notify_style_update()

    @property
    def count(self) -> int:
        return self._count

    @property
    def following(self) -> bool:
        """Whether the newest rows are on screen, and stay there as rows arrive."""
        return self.FOLLOW and self.cursor < 0 and not self._scrolled_back

    def set_count(self, count: int) -> None:
        """The rows changed: ``count`` of them now. Repaints what is visible."""
        self._count = count
        if self.cursor >= count:
            self.cursor = count - 1
        since = time.monotonic() - self._synced_at
        if self.following and count > self.scrollable_content_region.height and since < SYNC_EVERY:
            # Following, the view draws its newest rows itself (see _top); the scroll range,
            # whose every change costs the whole screen a layout pass and a second frame,
            # is brought up to date at most once per SYNC_EVERY.
            if self._sync_timer is None:
                self._sync_timer = self.set_timer(SYNC_EVERY - since, self._sync)
        else:
            self._sync()
        self.refresh()

    def _sync(self) -> None:
        if self._sync_timer is not None:
            self._sync_timer.stop()
            self._sync_timer = None
        self._synced_at = time.monotonic()
        self._syncing = True
        try:
            self.virtual_size = Size(self.scrollable_content_region.width, self._count)
            if self.following:
                # After the refresh: the new scroll range applies only once laid out.
                self.call_after_refresh(self._follow_end)
        finally:
            self._syncing = False

    def _follow_end(self) -> None:
        if self.following:
            self._syncing = True
            try:
                self.scroll_end(animate=False, immediate=True, x_axis=False)
            finally:
                self._syncing = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Scrolled up by the moderator (wheel, scrollbar drag, keys of the scroll view): stop
        # following, and let the view show where the scroll went.
        if self.following and not self._syncing and new_value < old_value:
            self._scrolled_back = True
            self._sync()

    def _top(self) -> int:
        """The row at the top of the view."""
        if self.following:
            return max(0, self._count - self.scrollable_content_region.height)
        return self.scroll_offset.y

    def on_mouse_scroll_down(self) -> None:
        if self._scrolled_back and self.scroll_offset.y >= self.max_scroll_y:
            self._scrolled_back = False

    def row(self, index: int, width: int) -> list[Segment]:
        """The segments of row ``index`` (cut to ``width`` by the caller)."""
        raise NotImplementedError

    def row_key(self, index: int) -> Hashable:
        """What row ``index`` looks like, as a cache key: equal keys draw equal lines.

        A following list shifts every visible row up by one per message; with the drawn lines
        cached by key, a frame redraws only the rows that are new.
        """
        raise NotImplementedError

    # -- cursor -----------------------------------------------------------------------------

    def move_to(self, index: int, *, announce: bool = True) -> None:
        if not self._count:
            return
        index = max(0, min(self._count - 1, index))
        if self.following:
            self._sync()  # the scroll range is exact before the view scrolls by hand
        self._scrolled_back = False
        # A row the moderator picked stays picked as rows arrive; End follows the newest again.
        self.cursor = index
        self._reveal(index)
        self.refresh()
        if announce:
            self.post_message(self.Moved(self, index))

    def action_move(self, step: int) -> None:
        start = self.cursor if self.cursor >= 0 else (self._count - 1 if self.FOLLOW else -1)
        self.move_to(start + step)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        if self.FOLLOW:
            self.cursor = -1
            self._scrolled_back = False
            self._sync()
            self.refresh()
        else:
            self.move_to(self._count - 1)

    def _reveal(self, index: int) -> None:
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return  # the border or a scrollbar
        index = self._top() + offset.y
        if 0 <= index < self._count:
            self.move_to(index)

    def on_resize(self) -> None:
        self._sync()

    # -- rendering --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self._top() + y
        base = self.style("")
        if index >= self._count:
            return Strip.blank(width, base)
        selected = index == self.cursor
        key = (self.row_key(index), width, selected)
        strip = self._lines.get(key)
        if strip is None:
            if selected:
                base = base + self.style("lines--cursor")
            # One Strip per line, built from segments already styled and cut to the width: each
            # Strip carries caches of its own, and three per line were a third of a frame.
            segments = Segment.adjust_line_length(list(Segment.apply_style(self.row(index, width), base)), width, base)
            strip = self._lines[key] = Strip(segments, width)
        return strip
