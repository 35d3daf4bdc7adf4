"""Provides the ledger of balls: the state every view reads, rebuilt from events alone."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chatmod.core.events import (
    AnsweredHow,
    BallAnswered,
    BallClaimed,
    BallDismissed,
    BallDropped,
    BallEvent,
    BallOpened,
    BallReopened,
    BallSnoozed,
    BallUnclaimed,
    Event,
)

__all__ = ["Ball", "Ledger", "LedgerError", "Status"]


class Status(StrEnum):
    """Where a ball stands. Claims and snoozes are notes on an open ball, not states."""

    OPEN = "open"
    ANSWERED = "answered"
    DISMISSED = "dismissed"
    DROPPED = "dropped"


class LedgerError(ValueError):
    """A moderator action that does not apply: unknown ball, or not allowed in its state."""


@dataclass(slots=True)
class Ball:
    """One addressed message and what became of it."""

    id: str
    author: str
    question: bool
    thread: int | None
    session: int
    opened_at: datetime
    burst_of: str | None = None
    status: Status = Status.OPEN
    answered_by: str | None = None
    answered_message: str | None = None
    answered_how: AnsweredHow | None = None
    closed_at: datetime | None = None
    claimed_by: str | None = None
    snoozed_until: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    def wait(self, now: datetime) -> float:
        """Seconds the ball waited: until it was closed, or until ``now`` while open."""
        end = self.closed_at if self.closed_at is not None and not self.is_open else now
        return max(0.0, (end - self.opened_at).total_seconds())


# Which states each action may start from.
_ALLOWED: dict[type, tuple[Status, ...]] = {
    BallAnswered: (Status.OPEN, Status.DROPPED),
    BallDismissed: (Status.OPEN, Status.DROPPED),
    BallDropped: (Status.OPEN,),
    BallClaimed: (Status.OPEN,),
    BallUnclaimed: (Status.OPEN,),
    BallSnoozed: (Status.OPEN,),
    BallReopened: (Status.ANSWERED, Status.DISMISSED, Status.DROPPED),
}

_DONE: dict[type, str] = {
    BallAnswered: "marked answered",
    BallDismissed: "dismissed",
    BallDropped: "dropped",
    BallClaimed: "claimed",
    BallUnclaimed: "unclaimed",
    BallSnoozed: "snoozed",
    BallReopened: "reopened",
}


class Ledger:
    """Every ball, by id, in the order they opened. Apply events to advance it."""

    def __init__(self) -> None:
        self._balls: dict[str, Ball] = {}

    def __len__(self) -> int:
        return len(self._balls)

    def __iter__(self) -> Iterator[Ball]:
        return iter(self._balls.values())

    def __contains__(self, ball_id: object) -> bool:
        return ball_id in self._balls

    def get(self, ball_id: str) -> Ball | None:
        return self._balls.get(ball_id)

    def open_balls(self) -> list[Ball]:
        return [ball for ball in self._balls.values() if ball.is_open]

    def check(self, event: Event) -> None:
        """Raise :class:`LedgerError` unless ``event`` applies to the current state."""
        if isinstance(event, BallOpened):
            if event.ball_id in self._balls:
                raise LedgerError(f"ball {event.ball_id} is already open")
            return
        allowed = _ALLOWED.get(type(event))
        if allowed is None or not isinstance(event, BallEvent):
            return
        ball = self._balls.get(event.ball_id)
        if ball is None:
            raise LedgerError(f"no ball {event.ball_id}")
        if ball.status not in allowed:
            raise LedgerError(f"ball {ball.id} is {ball.status}; it cannot be {_DONE[type(event)]}")

    def apply(self, event: Event) -> None:
        """Advance the ledger by one event (events that are not about balls are ignored)."""
        self.check(event)
        if isinstance(event, BallOpened):
            self._balls[event.ball_id] = Ball(
                id=event.ball_id,
                author=event.author,
                question=event.question,
                thread=event.thread,
                session=event.session,
                opened_at=event.at,
                burst_of=event.burst_of,
            )
            return
        if not isinstance(event, BallEvent):
            return
        ball = self._balls[event.ball_id]
        if isinstance(event, BallAnswered):
            ball.status = Status.ANSWERED
            ball.answered_by = event.by
            ball.answered_message = event.message_id
            ball.answered_how = event.how
            ball.closed_at = event.at
            ball.snoozed_until = None
        elif isinstance(event, BallDismissed):
            ball.status = Status.DISMISSED
            ball.closed_at = event.at
            ball.snoozed_until = None
        elif isinstance(event, BallDropped):
            ball.status = Status.DROPPED
            ball.closed_at = event.at
        elif isinstance(event, BallReopened):
            ball.status = Status.OPEN
            ball.answered_by = ball.answered_message = ball.closed_at = ball.answered_how = None
        elif isinstance(event, BallClaimed):
            ball.claimed_by = event.by
        elif isinstance(event, BallUnclaimed):
            ball.claimed_by = None
        elif isinstance(event, BallSnoozed):
            ball.snoozed_until = event.until

    def merge(self, other: Ledger) -> None:
        """Take in the balls of another session's ledger (ids are unique across sessions)."""
        self._balls.update(other._balls)

    def apply_all(self, events: Iterable[Event]) -> Ledger:
        for event in events:
            self.apply(event)
        return self
