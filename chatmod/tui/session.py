"""Provides a replayed session: the feed, the replay clock, the console state and the moderators'
actions, kept in step. No Textual: the app calls :meth:`ReplaySession.tick` on a timer.

Seeking backwards rebuilds the state from the archive's start, applying each recorded moderator
action at the chat time it was taken, so the ledger at any moment equals what it was live then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chatmod.core.events import Event
from chatmod.core.ledger import LedgerError
from chatmod.sources.replay import END_OF_TIME, SPEEDS, Feed, ReplayClock
from chatmod.tui.state import Action, ConsoleState

__all__ = ["ReplaySession", "TakenAction"]

END_GRACE = timedelta(minutes=1)
"""Chat time between an archive's last message and the end of its replayed session."""

_CATCH_UP = 5000
"""Messages read per tick when the clock is far ahead (fast replay, a seek): keeps frames coming."""


@dataclass(frozen=True, slots=True)
class TakenAction:
    at: datetime
    action: Action
    ball_id: str
    by: str


class ReplaySession:
    """A replay of one archive under a moderator's control.

    Args:
        feed: the archive's messages in time order.
        make_state: a fresh console state (called again when seeking backwards).
        speed: the starting speed (None: as fast as possible).
        wall: the wall time now (monotonic seconds).
    """

    def __init__(
        self, feed: Feed, make_state: Callable[[], ConsoleState], speed: float | None = 1.0, wall: float = 0.0
    ) -> None:
        self.feed = feed
        self._make_state = make_state
        self.state = make_state()
        start = feed.next_at or END_OF_TIME
        self.start = start
        """When the archive's first message was posted."""
        self.clock = ReplayClock(start, speed, wall=wall)
        self.actions: list[TakenAction] = []
        self._applied: set[int] = set()
        self.finished = False

    # -- time -------------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self.clock.playing

    @property
    def speed(self) -> float | None:
        return self.clock.speed

    def now(self, wall: float) -> datetime:
        """The chat time the moderator sees: the clock, or the newest message at full speed."""
        position = self.clock.position(wall)
        if position == END_OF_TIME or self.finished:
            return self.state.now or self.feed.next_at or END_OF_TIME
        return position

    def tick(self, wall: float) -> int:
        """Read what the clock has reached; returns how many messages were read."""
        if self.finished:
            return 0
        until = self.clock.position(wall)
        read = self._advance(until, _CATCH_UP)
        last = self.state.now
        # The archive has ended; the session ends a little after its last message, as a live
        # chat ends in silence, so the last balls show before they are dropped.
        if self.feed.exhausted and (last is None or until >= last + END_GRACE or until == END_OF_TIME):
            self._apply_actions(END_OF_TIME)
            self.state.finish()
            self.finished = True
            if self.state.now is not None:
                self.clock.seek(self.state.now, wall)
            self.clock.pause(wall)
        return read

    def toggle_play(self, wall: float) -> None:
        if self.clock.playing:
            self.clock.pause(wall)
        else:
            self.clock.play(wall)

    def faster(self, wall: float, step: int = 1) -> float | None:
        """Next speed up (or down with a negative step) in :data:`SPEEDS`."""
        speed = self.clock.speed
        if speed is None or speed in SPEEDS:
            index = SPEEDS.index(speed) + step
        else:
            # A speed from the command line (say 120): the next one up or down from it.
            finite = [s for s in SPEEDS if s is not None]
            if step > 0:
                index = next((i for i, s in enumerate(finite) if s > speed), len(finite))
            else:
                index = max((i for i, s in enumerate(finite) if s < speed), default=0)
        index = max(0, min(len(SPEEDS) - 1, index))
        if self.clock.speed is None and self.state.now is not None:
            self.clock.seek(self.state.now, wall)
        self.clock.set_speed(SPEEDS[index], wall)
        return SPEEDS[index]

    def seek(self, at: datetime, wall: float) -> None:
        """Jump to chat time ``at``: forwards by reading on, backwards by rebuilding."""
        if self.state.now is not None and at < self.state.now:
            self.feed.restart()
            self.state = self._make_state()
            self._applied = set()
            self.finished = False
        playing = self.clock.playing
        self.clock.seek(at, wall)
        while self._advance(at, _CATCH_UP * 10):
            pass
        if at >= END_OF_TIME.replace(year=9000):
            # "end": everything is read; the clock waits at the last message, not at the end of time.
            self.clock.seek(self.state.now or self.start, wall)
        if not playing:
            self.clock.pause(wall)

    def seek_question(self, number: int, wall: float) -> bool:
        """Jump to where question ``number`` opened (reading on to find it); False if it never
        does, and the replay stays where it was."""
        was = self.clock.position(wall) if not self.finished else self.state.now
        opened = self.state.questions.get(number)
        if opened is None and self.state.current_question is not None and number < self.state.current_question:
            self.seek(self.start, wall)
            opened = self.state.questions.get(number)
        while opened is None and not self.feed.exhausted:
            next_at = self.feed.next_at
            if next_at is None:
                break
            self.seek(next_at, wall)
            opened = self.state.questions.get(number)
        if opened is None:
            if was is not None and was != END_OF_TIME:
                self.seek(was, wall)
            return False
        self.seek(opened.opened_at, wall)
        return True

    # -- moderators -------------------------------------------------------------------------

    def act(self, action: Action, ball_id: str, by: str, wall: float) -> Event:
        """Apply an action at the current chat time, and remember it for seeks. Raises LedgerError."""
        at = self.now(wall)
        event = self.state.act(action, ball_id, by, at)
        self._applied.add(len(self.actions))
        self.actions.append(TakenAction(at, action, ball_id, by))
        return event

    # -- internals --------------------------------------------------------------------------

    def _advance(self, until: datetime, limit: int) -> int:
        read = 0
        while read < limit:
            # Actions recorded before a seek back are applied at their own time, between messages.
            action = self._next_action(until)
            stop = action[1].at if action is not None else until
            batch = self.feed.take(stop, limit - read)
            self.state.ingest(batch)
            read += len(batch)
            if read >= limit:
                break
            if action is not None:
                self._apply(*action)
            elif not batch:
                break
        return read

    def _next_action(self, until: datetime) -> tuple[int, TakenAction] | None:
        waiting = [(i, a) for i, a in enumerate(self.actions) if i not in self._applied and a.at <= until]
        return min(waiting, key=lambda pair: pair[1].at) if waiting else None

    def _apply_actions(self, until: datetime) -> None:
        while (action := self._next_action(until)) is not None:
            self._apply(*action)

    def _apply(self, index: int, taken: TakenAction) -> None:
        self._applied.add(index)
        try:
            self.state.act(taken.action, taken.ball_id, taken.by, taken.at)
        except LedgerError:
            pass  # the ball was not open (or not closed) at that moment in this run
