"""Provides a console's chat: the driver (:class:`~chatmod.run.driver.ChatDriver`) with the
console's state kept from what it reads, and the replay controls a screen needs. No Textual:
the app calls it on its own rhythm."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from chatmod.core.events import Event
from chatmod.core.models import Message
from chatmod.core.runtime import ChatRuntime
from chatmod.run.driver import ChatDriver, Sink
from chatmod.sources.base import Source
from chatmod.tui.state import ConsoleState

__all__ = ["ChatSession", "Sink"]


class ChatSession(ChatDriver):
    """One chat as a console runs it.

    Args:
        source: where the items come from.
        make_runtime: a fresh runtime (called again when a seekable source goes back).
        make_state: a fresh console state (likewise).
        sinks: told every event.
    """

    def __init__(
        self,
        source: Source,
        make_runtime: Callable[[], ChatRuntime],
        make_state: Callable[[], ConsoleState],
        sinks: Iterable[Sink] = (),
    ) -> None:
        self._make_state = make_state
        self.state = make_state()
        super().__init__(source, make_runtime, sinks)

    @property
    def start(self) -> datetime:
        replay = self.replay
        return replay.start_at if replay is not None else (self.state.session_start or self.source.now())

    def seek_question(self, number: int) -> bool:
        """Jump to where question ``number`` opened (reading on to find it); False if it never
        does, and the replay stays where it was."""
        replay = self.replay
        if replay is None:
            return False
        was = self.now()
        opened = self.state.questions.get(number)
        if opened is None and self.state.current_question is not None and number < self.state.current_question:
            self.seek(replay.start_at)
            opened = self.state.questions.get(number)
        while opened is None and not replay.feed.done:
            next_at = replay.feed.next_at
            if next_at is None:
                break
            self.seek(next_at)
            opened = self.state.questions.get(number)
        if opened is None:
            self.seek(was)
            return False
        self.seek(opened.opened_at)
        return True

    def _arrived(self, message: Message) -> None:
        self.state.arrive(message)

    def _read(self, message: Message, events: list[Event]) -> None:
        self.state.read(message, events)
        super()._read(message, events)

    def _emit(self, events: list[Event]) -> None:
        self.state.apply(events)
        super()._emit(events)

    def _rejected(self) -> None:
        self.state.reject()

    def _link_changed(self) -> None:
        self.state.version += 1

    def _rewind(self) -> None:
        super()._rewind()
        self.state = self._make_state()
