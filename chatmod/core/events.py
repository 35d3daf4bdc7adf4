"""Provides the events the runtime emits. Live, replay, reports and the hub all consume these.

Every event is immutable and carries the time it happened (message time, or the moderator's
action time), so applying the same events in the same order always rebuilds the same ledger.
Events about one ball share the :class:`BallEvent` base (``ball_id`` and ``at``); the ones a
moderator takes by hand are also :class:`ModeratorEvent` (``by``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from chatmod.core.models import Message, Network, ReplySource

__all__ = [
    "Analyzed",
    "AnsweredHow",
    "BallAnswered",
    "BallClaimed",
    "BallDismissed",
    "BallDropped",
    "BallEvent",
    "BallOpened",
    "BallReopened",
    "BallSnoozed",
    "BallUnclaimed",
    "Event",
    "Marked",
    "MessageDeleted",
    "MessageEdited",
    "ModeratorEvent",
    "QuestionOpened",
    "Reason",
    "SessionEnded",
    "SessionStarted",
]


class AnsweredHow(StrEnum):
    """What makes a host-team message the answer to a ball, so a host can see it and overrule it."""

    REPLY = "reply"
    """It replies to the ball (an explicit or inferred link)."""
    SAME_EXCHANGE = "same_exchange"
    """It replies later in the ball's exchange (a reply chain that descends from the ball)."""
    TO_AUTHOR = "to_author"
    """It speaks to the ball's author in its text, with no reply link."""
    MODERATOR = "moderator"
    """A moderator marked the ball answered by hand."""


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
    planned: datetime | None = None
    """The scheduled start of the occurrence this session is (None: found by activity)."""
    moved_from: datetime | None = None
    """Found by activity: the scheduled start of the empty session it most likely replaces."""


@dataclass(frozen=True, slots=True)
class SessionEnded:
    session: int
    at: datetime


# One of these per message: a named tuple, immutable at no cost (a frozen dataclass sets each
# field through object.__setattr__, and that tripled the engine's cost per message).
class Analyzed(NamedTuple):
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


class BallEvent:
    """Something that happened to one ball: every such event has ``ball_id`` and ``at``."""

    __slots__ = ()
    ball_id: str
    at: datetime


class ModeratorEvent(BallEvent):
    """A ball event a person took by hand (``by``): claims, marks, snoozes."""

    __slots__ = ()
    by: str


@dataclass(frozen=True, slots=True)
class MessageEdited:
    """A message read before came again with other content: what it shows now. Its verdict
    stands (a verdict never flips behind the host's back); views show the new text."""

    message: Message
    at: datetime


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    """The source says a message was deleted: views mark it, its verdict stands."""

    network: Network
    message_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BallOpened(BallEvent):
    ball_id: str
    author: str
    question: bool
    thread: int | None
    session: int
    at: datetime
    burst_of: str | None = None
    """The first ball of the burst this one adds detail to, if any."""


@dataclass(frozen=True, slots=True)
class BallAnswered(BallEvent):
    ball_id: str
    by: str
    """The host-team handle (or moderator) who answered."""
    at: datetime
    message_id: str | None = None
    """The answering message; None when a moderator marked the ball answered by hand."""
    how: AnsweredHow = AnsweredHow.MODERATOR


@dataclass(frozen=True, slots=True)
class BallDropped(BallEvent):
    ball_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BallClaimed(ModeratorEvent):
    ball_id: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BallUnclaimed(ModeratorEvent):
    ball_id: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BallDismissed(ModeratorEvent):
    ball_id: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BallReopened(ModeratorEvent):
    ball_id: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BallSnoozed(ModeratorEvent):
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
    | MessageEdited
    | MessageDeleted
)

Marked = BallClaimed | BallUnclaimed | BallAnswered | BallDismissed | BallReopened | BallSnoozed
"""The events a moderator's action records (BallAnswered also comes from host replies)."""
