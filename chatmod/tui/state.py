"""Provides what the host's console shows, as plain data: no Textual, no clock, no I/O.

:class:`ConsoleState` is a projection of the runtime's events: it keeps what the screen needs (a
bounded window of the stream, the inbox of balls, the question board, the counters of the status
line) and decides nothing itself. It can be fed by a runtime in the same process or by events
that arrive from elsewhere (a co-moderator's console). Time is always an argument (the chat's
time, which in a replay is the replay clock), so a replay rebuilds exactly what the live console
showed at that moment.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import zip_longest

from chatmod.core.events import (
    Analyzed,
    BallEvent,
    Event,
    MessageDeleted,
    MessageEdited,
    ModeratorEvent,
    SessionEnded,
    SessionStarted,
)
from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Ball, Ledger, Status
from chatmod.core.models import Message
from chatmod.core.runtime import SNOOZE, Action
from chatmod.core.text import fold_handle

__all__ = [
    "Action",
    "ConsoleState",
    "Entry",
    "InboxRow",
    "Level",
    "PlanItem",
    "QuestionRow",
    "Thresholds",
]

_LEADING_HANDLES = re.compile(r"^(?:\s*[@＠][\w.@-]+[\s,:]*)+")
"""The @-block a reply starts with: the inbox's From column already says who, and space is short."""

HISTORY = 2000
"""Stream lines kept on screen; older ones stay in the session's messages (and the store)."""


class Level(StrEnum):
    """How urgent an open ball's wait is."""

    FRESH = "fresh"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Waits after which an open ball turns amber, then red."""

    amber: timedelta = timedelta(minutes=2)
    red: timedelta = timedelta(minutes=5)
    snooze: timedelta = SNOOZE
    """How long a snoozed ball stays out of the inbox."""

    def level(self, waited: timedelta) -> Level:
        if waited >= self.red:
            return Level.RED
        if waited >= self.amber:
            return Level.AMBER
        return Level.FRESH


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One planned question: its number, and minutes after the session's start."""

    number: int
    minute: int
    text: str = ""


@dataclass(slots=True)
class Entry:
    """One message of the stream, with the engine's reading of it."""

    message: Message
    thread: int | None
    team: bool
    to_host: bool
    question: bool
    repost: bool
    opens: int | None
    reason: str | None = None
    """Why it is addressed to the host team (``reply``, ``leading``, ``direct``, ``plural``)."""

    @property
    def author(self) -> str:
        return self.message.author


@dataclass(frozen=True, slots=True)
class InboxRow:
    """A ball as the inbox lists it: the ledger's :class:`Ball`, with its text on one line and
    how long it has waited."""

    ball: Ball
    text: str
    waited: timedelta
    level: Level
    untagged: bool = False
    """The ball lacks the chat's hashtag (a live source caught it by its mention of the host)."""

    @property
    def ball_id(self) -> str:
        return self.ball.id

    @property
    def author(self) -> str:
        return self.ball.author

    @property
    def thread(self) -> int | None:
        return self.ball.thread

    @property
    def question(self) -> bool:
        return self.ball.question

    @property
    def claimed_by(self) -> str | None:
        return self.ball.claimed_by

    @property
    def status(self) -> Status:
        return self.ball.status


@dataclass(slots=True)
class QuestionRow:
    """One question of the board."""

    number: int
    text: str
    opened_at: datetime
    answers: int = 0
    participants: set[str] = field(default_factory=set)
    planned: timedelta | None = None
    """How long the plan gives this question (until the next planned one, or the session's end)."""


class ConsoleState:
    """The console's view of one chat, advanced by messages and moderator actions.

    Args:
        team: the host team.
        plan: the chat's question plan, if it has one.
        duration: the session's planned length (for the last planned question's time).
        thresholds: when waits turn amber and red.
        history: stream lines kept.
        carried_over: balls dropped in earlier sessions and still on the follow-up list.
    """

    def __init__(
        self,
        team: HostTeam,
        *,
        plan: Sequence[PlanItem] = (),
        duration: timedelta = timedelta(minutes=60),
        thresholds: Thresholds | None = None,
        history: int = HISTORY,
        carried_over: int = 0,
    ) -> None:
        self.team = team
        self.thresholds = thresholds or Thresholds()
        self.ledger = Ledger()
        """The balls of the session on screen."""
        self.session = 0
        """Its number (0 before the first message)."""
        self.ended = False
        """It has ended: its open balls were dropped, and the inbox is the follow-up list."""
        self.entries: deque[Entry] = deque(maxlen=history)
        """The newest stream lines, oldest first."""
        self.messages: dict[str, Message] = {}
        """Every message of the current session, by id (for conversations and the report)."""
        self.replies: dict[str, list[str]] = {}
        """Message id -> ids of the messages that reply to it, in the current session."""
        self.questions: dict[int, QuestionRow] = {}
        self.current_question: int | None = None
        self.participants: set[str] = set()
        self.received = 0
        """Messages read since the console started (all sessions)."""
        self.rejected = 0
        self.carried_over = carried_over
        self.answered = 0
        self.dropped = 0
        self.dismissed = 0
        self.now: datetime | None = None
        """The chat time of the newest message or action."""
        self.session_start: datetime | None = None
        self.version = 0
        """Bumped on every change, so a view can skip repainting what did not change."""
        self._plan = {item.number: item for item in plan}
        self._planned = _planned_lengths(plan, duration)
        self._recent: deque[datetime] = deque()
        self._session_messages: list[Message] = []
        self._inbox_texts: dict[str, str] = {}
        self._previous = Ledger()
        """The session before the one on screen: its stream lines still show what became of them."""
        self._arrived: dict[str, Entry | None] = {}
        """Lines shown as their message came, not yet read by the engine (None: a copy of a line
        on screen already)."""

    # -- input ------------------------------------------------------------------------------

    def arrive(self, message: Message) -> None:
        """A live message that just came, shown at once; the engine reads it (:meth:`read`) once
        the messages posted before it have had time to come."""
        self.received += 1
        if message.id in self.messages or message.id in self._arrived:
            self._arrived.setdefault(message.id, None)  # a copy of a line already shown
            return
        entry = Entry(message=message, thread=None, team=self.team.matches(message.author, message.author_id),
                      to_host=False, question=False, repost=message.is_repost, opens=None)
        self._arrived[message.id] = entry
        self.entries.append(entry)
        self._tell(message.created_at)
        self.version += 1

    def read(self, message: Message, events: Iterable[Event]) -> None:
        """A message just read, with the events the runtime produced for it."""
        if message.id not in self._arrived:
            self.received += 1
        shown = self._arrived.pop(message.id, None)
        for event in events:
            if type(event) is Analyzed:
                self._take(message, event, shown)
            else:
                self._event(event)
        self.version += 1

    def apply(self, events: Iterable[Event]) -> None:
        """Events not about a message just read: moderators' actions, the clock ending a session,
        edits and deletions."""
        for event in events:
            self._event(event)
        self.version += 1

    def reject(self, count: int = 1) -> None:
        self.rejected += count
        self.version += 1

    # -- what the screen reads --------------------------------------------------------------

    def ball(self, ball_id: str) -> Ball | None:
        """A ball of this session, or of the one before (still on screen in the stream)."""
        return self.ledger.get(ball_id) or self._previous.get(ball_id)

    def inbox(
        self,
        now: datetime,
        *,
        closed: bool = False,
        dropped: bool = False,
        muted: frozenset[str] = frozenset(),
        limit: int | None = None,
    ) -> list[InboxRow]:
        """Open balls, questions first, then the longest wait first; snoozed ones wait out of sight.

        With ``closed``, the session's answered, dismissed and dropped balls follow the open ones;
        with ``dropped``, only the dropped ones do (the follow-up list, once a session has ended).
        ``limit`` keeps the first so many.
        """
        chosen: list[tuple[bool, bool, float, Ball]] = []
        for ball in self.ledger:
            if not ball.is_open and not (closed or (dropped and ball.status is Status.DROPPED)):
                continue
            if ball.is_open and ball.snoozed_until is not None and ball.snoozed_until > now:
                continue
            if muted and fold_handle(ball.author) in muted:
                continue
            chosen.append((not ball.is_open, not ball.question, -ball.wait(now), ball))
        chosen.sort(key=lambda item: item[:3])
        # Only the rows that can be shown are built: a busy chat has hundreds of open balls.
        return [self._inbox_row(ball, -waited, now) for _, _, waited, ball in chosen[:limit]]

    def _inbox_row(self, ball: Ball, waited_s: float, now: datetime) -> InboxRow:
        message = self.messages.get(ball.id)
        text = self._inbox_texts.get(ball.id)
        if text is None:
            raw = message.text if message is not None else ""
            text = self._inbox_texts[ball.id] = _one_line(_LEADING_HANDLES.sub("", raw) or raw)
        waited = timedelta(seconds=waited_s)
        return InboxRow(
            ball=ball,
            text=text,
            waited=waited,
            level=self.thresholds.level(waited) if ball.is_open else Level.FRESH,
            untagged=message is not None and message.untagged,
        )

    @property
    def open_count(self) -> int:
        return sum(1 for ball in self.ledger if ball.is_open)

    def elapsed(self, number: int, now: datetime) -> timedelta:
        """How long question ``number`` has run: until the next question opened, or ``now``."""
        row = self.questions[number]
        later = [q.opened_at for n, q in self.questions.items() if n > number and q.opened_at > row.opened_at]
        end = min(later) if later else now
        return max(timedelta(0), end - row.opened_at)

    def per_minute(self) -> int:
        """Messages in the last minute of chat time."""
        return len(self._recent)

    def session_messages(self) -> list[Message]:
        """The current session's messages, in the order read (for the report)."""
        return list(self._session_messages)

    def entry(self, message_id: str) -> Entry | None:
        """The stream's entry of a message still kept (newest first: a ball is usually recent)."""
        return next((entry for entry in reversed(self.entries) if entry.message.id == message_id), None)

    def conversation(self, message_id: str) -> tuple[list[Message], Message | None, list[Message]]:
        """(what ``message_id`` replies to, oldest first; the message; the replies to it)."""
        message = self.messages.get(message_id)
        if message is None:
            return [], None, []
        parents: list[Message] = []
        parent_id = message.reply_to_id
        while parent_id is not None and parent_id in self.messages and len(parents) < 50:
            parent = self.messages[parent_id]
            parents.append(parent)
            parent_id = parent.reply_to_id
        parents.reverse()
        replies = [self.messages[i] for i in self.replies.get(message_id, ()) if i in self.messages]
        return parents, message, replies

    # -- bookkeeping ------------------------------------------------------------------------

    def _take(self, message: Message, analyzed: Analyzed, shown: Entry | None = None) -> None:
        at = message.created_at
        if analyzed.session == 0:
            # Outside every session (a reminder, chatter between chats): shown, and nothing more.
            self._tell(at)
            if shown is None:
                self.entries.append(Entry(message=message, thread=None, team=analyzed.team, to_host=False,
                                          question=False, repost=analyzed.repost, opens=None, reason=None))
            return
        if self.session_start is None:
            self.session_start = at
        self._tell(at)
        self.messages[message.id] = message
        self._session_messages.append(message)
        recent = self._recent
        recent.append(at)
        while recent and at - recent[0] > timedelta(minutes=1):
            recent.popleft()
        reply_to = analyzed.reply_to_id
        if reply_to is not None:
            self.replies.setdefault(reply_to, []).append(message.id)
        if analyzed.opens is not None:
            number = analyzed.opens
            self.questions[number] = QuestionRow(
                number=number,
                text=_one_line(message.text),
                opened_at=at,
                planned=self._planned.get(number),
            )
            self.current_question = number
        elif analyzed.thread is not None and not analyzed.repost and not analyzed.team:
            row = self.questions.get(analyzed.thread)
            if row is not None:
                row.answers += 1
                row.participants.add(analyzed.author_key)
        if not analyzed.team:
            self.participants.add(analyzed.author_key)
        reason = analyzed.reason.value if analyzed.reason is not None else None
        if shown is not None:  # on screen since it came: now with the engine's reading
            shown.thread, shown.team, shown.to_host, shown.question = (
                analyzed.thread, analyzed.team, analyzed.to_host, analyzed.question)
            shown.repost, shown.opens, shown.reason = analyzed.repost, analyzed.opens, reason
            return
        self.entries.append(
            Entry(
                message=message,
                thread=analyzed.thread,
                team=analyzed.team,
                to_host=analyzed.to_host,
                question=analyzed.question,
                repost=analyzed.repost,
                opens=analyzed.opens,
                reason=reason,
            )
        )

    def _event(self, event: Event) -> None:
        if isinstance(event, SessionStarted):
            if self.session:
                # A new session: the last one's dropped balls carry over, as they do from
                # stored sessions.
                self.carried_over += self.dropped
                self._new_session()
            self.session, self.ended = event.session, False
        elif isinstance(event, SessionEnded):
            self.ended = True
            self._tell(event.at)
        elif isinstance(event, BallEvent):
            ledger = self._previous if event.ball_id in self._previous else self.ledger
            before = ledger.get(event.ball_id)
            previous = before.status if before is not None else None
            ledger.apply(event)
            self._recount(previous, ledger.get(event.ball_id))
            if isinstance(event, ModeratorEvent):
                self._tell(event.at)
        elif isinstance(event, MessageEdited | MessageDeleted):
            self._change(event)

    def _change(self, event: MessageEdited | MessageDeleted) -> None:
        if isinstance(event, MessageEdited):
            message_id = event.message.id
            changed: Message | None = event.message
        else:
            message_id = event.message_id
            on_screen = self.messages.get(message_id)
            changed = on_screen.model_copy(update={"deleted": True}) if on_screen is not None else None
        if changed is None or message_id not in self.messages:
            return  # not on screen any more: nothing to show differently
        self.messages[message_id] = changed
        self._inbox_texts.pop(message_id, None)
        self._session_messages = [changed if m.id == message_id else m for m in self._session_messages]
        for entry in self.entries:
            if entry.message.id == message_id:
                entry.message = changed

    def _tell(self, at: datetime) -> None:
        if self.now is None or at > self.now:
            self.now = at

    def _new_session(self) -> None:
        self._previous, self.ledger = self.ledger, Ledger()
        self._inbox_texts = {}
        self.messages.clear()
        self.replies.clear()
        self.questions.clear()
        self.current_question = None
        self.participants.clear()
        self._session_messages = []
        self.session_start = None
        self.answered = self.dropped = self.dismissed = 0

    def _recount(self, before: Status | None, ball: Ball | None) -> None:
        after = ball.status if ball is not None else None
        if before == after:
            return
        for status, step in ((before, -1), (after, 1)):
            if status is Status.ANSWERED:
                self.answered += step
            elif status is Status.DROPPED:
                self.dropped += step
            elif status is Status.DISMISSED:
                self.dismissed += step


def _planned_lengths(plan: Sequence[PlanItem], duration: timedelta) -> dict[int, timedelta]:
    ordered = sorted(plan, key=lambda item: item.minute)
    lengths: dict[int, timedelta] = {}
    for item, following in zip_longest(ordered, ordered[1:]):
        end = following.minute if following is not None else duration.total_seconds() / 60
        if end > item.minute:
            lengths[item.number] = timedelta(minutes=end - item.minute)
    return lengths


def _one_line(text: str, limit: int = 280) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
