"""Provides the ledger of balls: the state every view reads, rebuilt from events alone.

A ball is held by at most one person at a time: a claim on a ball someone else holds is refused
with the holder's name, and only the holder lets it go (two co-moderators never answer the same
ball). Every event applied to a ball raises its ``version``, so an action taken on what a screen
showed can be refused when the ball has changed since (:meth:`Ledger.check`, ``seen``).
"""

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

__all__ = ["Ball", "Ledger", "LedgerError", "Refusal", "Status"]


class Status(StrEnum):
    """Where a ball stands. Claims and snoozes are notes on an open ball, not states."""

    OPEN = "open"
    ANSWERED = "answered"
    DISMISSED = "dismissed"
    DROPPED = "dropped"


class Refusal(StrEnum):
    """Why an action was refused, for a screen (or a co-moderator's client) to act on."""

    UNKNOWN = "unknown"
    """No such ball (in this session or the last)."""
    STATE = "state"
    """The ball's status does not allow it (dismissing a dismissed ball)."""
    HELD = "held"
    """Someone else holds the ball (a claim), or does not (an unclaim by another)."""
    CHANGED = "changed"
    """The ball changed since the action's author saw it."""


class LedgerError(ValueError):
    """A moderator action that does not apply: the message says why in words, ``refusal`` as a
    code, and ``ball`` is where the ball stands now (None when there is no such ball)."""

    def __init__(self, message: str, refusal: Refusal = Refusal.STATE, ball: Ball | None = None) -> None:
        super().__init__(message)
        self.refusal = refusal
        self.ball = ball


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
    version: int = 1
    """How many events it has been through: an action taken on an older version is stale."""

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

    def check(self, event: Event, seen: int | None = None) -> None:
        """Raise :class:`LedgerError` unless ``event`` applies to the current state (and, given
        ``seen``, the ball is still at the version its author saw)."""
        if isinstance(event, BallOpened):
            if event.ball_id in self._balls:
                raise LedgerError(f"ball {event.ball_id} is already open", Refusal.STATE, self._balls[event.ball_id])
            return
        allowed = _ALLOWED.get(type(event))
        if allowed is None or not isinstance(event, BallEvent):
            return
        ball = self._balls.get(event.ball_id)
        if ball is None:
            raise LedgerError(f"no ball {event.ball_id}", Refusal.UNKNOWN)
        if seen is not None and seen != ball.version:
            raise LedgerError(f"ball {ball.id} has changed since (it is {ball.status}"
                              f"{f', claimed by {ball.claimed_by}' if ball.claimed_by else ''})", Refusal.CHANGED, ball)
        if ball.status not in allowed:
            raise LedgerError(f"ball {ball.id} is {ball.status}; it cannot be {_DONE[type(event)]}", Refusal.STATE, ball)
        if isinstance(event, BallClaimed) and ball.claimed_by is not None:
            raise LedgerError(f"ball {ball.id} is claimed by {ball.claimed_by}" if ball.claimed_by != event.by
                              else f"ball {ball.id} is claimed by you already", Refusal.HELD, ball)
        if isinstance(event, BallUnclaimed) and ball.claimed_by != event.by:
            raise LedgerError(f"ball {ball.id} is claimed by {ball.claimed_by}; only they can unclaim it"
                              if ball.claimed_by else f"ball {ball.id} is not claimed", Refusal.HELD, ball)

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
        ball.version += 1
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
