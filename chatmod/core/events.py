"""Provides the events the engine emits. Live, replay, reports and the hub all consume these.

Every event carries the time it happened (message time, or the moderator's action time), so
applying the same events in the same order always rebuilds the same ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chatmod.core.models import Network, ReplySource

__all__ = [
    "Analyzed",
    "BallAnswered",
    "BallClaimed",
    "BallDismissed",
    "BallDropped",
    "BallOpened",
    "BallReopened",
    "BallSnoozed",
    "BallUnclaimed",
    "Event",
    "QuestionOpened",
    "Reason",
    "SessionEnded",
    "SessionStarted",
]


class Reason(StrEnum):
    """Why a message counts as addressed to the host team."""

    REPLY = "reply"
    """It replies to a host-team message (explicit link)."""
    LEADING = "leading"
    """A host-team handle is the first handle of its leading @-block."""
    DIRECT = "direct"
    """Its text speaks to the host team ("thanks @host", "what do you think, @host?")."""
    PLURAL = "plural"
    """It speaks to everyone in its @-block ("you both"), the host team included."""


@dataclass(frozen=True, slots=True)
class SessionStarted:
    session: int
    at: datetime


@dataclass(frozen=True, slots=True)
class SessionEnded:
    session: int
    at: datetime


# One of these per message: not frozen, because a frozen dataclass sets each field through
# object.__setattr__ and that tripled the engine's cost per message. Treat them as read-only.
@dataclass(slots=True)
class Analyzed:
    """The engine's reading of one message. Everything here is final when emitted."""

    id: str
    network: Network
    author: str
    author_key: str
    created_at: datetime
    session: int
    thread: int | None
    team: bool
    """Posted by the host team."""
    repost: bool
    to_host: bool
    question: bool
    reply_to_id: str | None
    reply_to_author: str | None
    reply_source: ReplySource | None
    reason: Reason | None
    opens: int | None
    """The question number this message opens, for a host-team ``Qn``."""
    answer_tag: int | None
    late: bool
    """Belongs to a question after a later question had already opened."""


@dataclass(frozen=True, slots=True)
class QuestionOpened:
    session: int
    thread: int
    message_id: str
    at: datetime


@dataclass(slots=True)  # read-only by convention, like Analyzed: one per addressed message
class BallOpened:
    ball_id: str
    author: str
    question: bool
    thread: int | None
    session: int
    at: datetime
    burst_of: str | None = None
    """The first ball of the burst this one adds detail to, if any."""


@dataclass(frozen=True, slots=True)
class BallAnswered:
    ball_id: str
    by: str
    """The host-team handle (or moderator) who answered."""
    at: datetime
    message_id: str | None = None
    """The answering message; None when a moderator marked the ball answered by hand."""


@dataclass(frozen=True, slots=True)
class BallDropped:
    ball_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BallClaimed:
    ball_id: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BallUnclaimed:
    ball_id: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BallDismissed:
    ball_id: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BallReopened:
    ball_id: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BallSnoozed:
    ball_id: str
    by: str
    at: datetime
    until: datetime


Event = (
    SessionStarted
    | SessionEnded
    | Analyzed
    | QuestionOpened
    | BallOpened
    | BallAnswered
    | BallDropped
    | BallClaimed
    | BallUnclaimed
    | BallDismissed
    | BallReopened
    | BallSnoozed
)
