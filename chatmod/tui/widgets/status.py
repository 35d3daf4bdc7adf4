"""Provides the status line: one line of text, repainted without a layout pass."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

__all__ = ["StatusLine"]


class StatusLine(Widget):
    """A line of ``Text`` (never markup). Setting :attr:`text` repaints it; its size never changes,
    so unlike ``Static.update`` it costs the screen no new layout."""

    DEFAULT_CSS = "StatusLine { height: 1; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()

    @property
    def text(self) -> Text:
        return self._text

    @text.setter
    def text(self, value: Text) -> None:
        if value.plain != self._text.plain or value.spans != self._text.spans:
            self._text = value
            self.refresh()

    def render(self) -> Text:
        return self._text
