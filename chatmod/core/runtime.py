"""Provides the chat runtime: the one place a chat is run, whatever feeds it.

Messages (new, edited, deleted), moderator actions and the passing of time go in; immutable
events come out. ``analyze``, ``report``, ``ingest``, the console and (later) the hub all run a
chat through :class:`ChatRuntime`, so they agree on every verdict and every session.

Where a session ends is decided here and nowhere else:

- A chat read whole (an archive, a stored chat) follows its :class:`~chatmod.core.sessions.SessionPlan`
  (the schedule's windows that held a session, and sessions found by activity, as
  :func:`~chatmod.core.sessions.split_sessions` finds them): a message belongs to the session
  whose messages span its time, and one outside every session is read (:meth:`Engine.outside`)
  but judged in none: reminders and chatter raise no ball.
- A live chat, with a schedule: a message inside an occurrence's window (``lead`` before its
  start to ``tail`` after its end) belongs to that occurrence's session, which ends when the
  window closes.
- Outside every window (or without a schedule), a session runs until ``gap`` of silence.

A session ends *at its last message*: that is when the chat fell silent, and how long a
dropped ball waited is measured to it. The runtime learns that a session is over either from a
message that falls beyond it, or from :meth:`ChatRuntime.advance` once the clock passes the
session's bound, so a live chat drops its open balls when the silence is long enough, not when
the next week's first message arrives.

One rule for repeated ids: a message is judged the first time it is read in its session. A later
copy with other text (an edit) or marked deleted changes what views show (``MessageEdited``,
``MessageDeleted``), never the verdict; an identical copy is nothing. Sources that read a whole
archive first hand the runtime the latest copy of each message, so an archive's edits are judged
as they stand in the archive (:func:`chatmod.sources.merge_copies`).

Moderator actions are validated against the ledger (:func:`moderate`): the console, the
``followups`` command and the hub write moderator events only through it.

Pure: no clock, no I/O. Time is always an argument.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from chatmod.core.engine import Engine, EngineConfig
from chatmod.core.events import (
    BallAnswered,
    BallClaimed,
    BallDismissed,
    BallReopened,
    BallSnoozed,
    BallUnclaimed,
    Event,
    Marked,
    MessageDeleted,
    MessageEdited,
    SessionStarted,
)
from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Ball, Ledger, LedgerError, Refusal
from chatmod.core.models import Message, Network
from chatmod.core.schedule import Occurrence
from chatmod.core.sessions import PlannedSession, SessionPlan, SessionRules

__all__ = ["SNOOZE", "Action", "ChatRuntime", "moderate", "moderator_event", "run_all", "run_marked"]

SNOOZE = timedelta(minutes=5)
"""How long a snoozed ball stays out of the inbox."""



class Action(StrEnum):
    """What a moderator can do to a ball."""

    CLAIM = "claim"
    UNCLAIM = "unclaim"
    ANSWERED = "answered"
    DISMISS = "dismiss"
    REOPEN = "reopen"
    SNOOZE = "snooze"


def moderator_event(
    action: Action, ball_id: str, by: str, at: datetime, snooze: timedelta = SNOOZE
) -> Marked:
    """The event a moderator's ``action`` on ``ball_id`` records."""
    if action is Action.CLAIM:
        return BallClaimed(ball_id, by, at)
    if action is Action.UNCLAIM:
        return BallUnclaimed(ball_id, by, at)
    if action is Action.ANSWERED:
        return BallAnswered(ball_id, by, at)
    if action is Action.DISMISS:
        return BallDismissed(ball_id, by, at)
    if action is Action.REOPEN:
        return BallReopened(ball_id, by, at)
    return BallSnoozed(ball_id, by, at, at + snooze)


def moderate(
    ledger: Ledger, action: Action, ball_id: str, by: str, at: datetime, snooze: timedelta = SNOOZE
) -> Marked:
    """Check a moderator's action against ``ledger`` and return its event (not yet applied).

    Raises :class:`LedgerError`, saying where the ball stands, when the action does not apply:
    an unknown ball, dismissing a dismissed one, claiming a closed one.
    """
    event = moderator_event(action, ball_id, by, at, snooze)
    ledger.check(event)
    return event


class ChatRuntime:
    """One chat, run: the engine, the sessions and the moderators' actions in step.

    Args:
        team: the host team.
        config: the judgement's time scales.
        rules: how sessions are bounded (``gap``, and a schedule's ``lead`` and ``tail``).
        schedule: the chat's occurrences, if it has a schedule (a live chat).
        plan: the sessions of a chat read whole; given, it decides the sessions (and
            ``schedule`` is not used).
        snooze: how long a snooze lasts.
    """

    def __init__(
        self,
        team: HostTeam,
        *,
        config: EngineConfig | None = None,
        rules: SessionRules | None = None,
        schedule: Iterable[Occurrence] = (),
        plan: SessionPlan | None = None,
        snooze: timedelta = SNOOZE,
    ) -> None:
        self.team = team
        self.rules = rules or SessionRules()
        self.snooze = snooze
        self.engine = Engine(team, config)
        self.previous = Ledger()
        """The last session's balls: a moderator may still mark them, views still show them."""
        self._windows = sorted(schedule, key=lambda o: o.start)
        self._starts = [o.start - self.rules.lead for o in self._windows]
        self._plan = plan
        self._span: PlannedSession | None = None
        self._window: Occurrence | None = None
        self._last: datetime | None = None
        self._stale: datetime | None = None
        """Copies of messages posted before this are old edits (a gap before the session)."""
        self._read: dict[str, int] = {}
        """The current session's message ids, with a fingerprint of what each said last."""
        self._read_before: dict[str, int] = {}
        """The same for the last session: an edit often comes after its session has ended."""
        self.now: datetime | None = None
        """The newest time the runtime was told of (a message, an action, the clock)."""

    # -- what the views read ----------------------------------------------------------------

    @property
    def ledger(self) -> Ledger:
        """The current session's balls (empty between sessions: the last one's are in
        :attr:`previous`)."""
        return self.engine.ledger

    @property
    def session(self) -> int:
        """The current (or last) session's number, from 1; 0 before the first message."""
        return self.engine.session

    @property
    def in_session(self) -> bool:
        return self.engine.in_session

    @property
    def window(self) -> Occurrence | None:
        """The scheduled occurrence the current session is, if it is one."""
        return self._window

    @property
    def ends_after(self) -> datetime | None:
        """The current session is over once time passes this (None between sessions)."""
        if not self.engine.in_session or self._last is None:
            return None
        if self._window is not None:
            return self._window.end + self.rules.tail
        if self._span is not None:
            return self._span.last + self.rules.gap
        return self._last + self.rules.gap

    def ball(self, ball_id: str) -> Ball | None:
        """A ball of this session or of the one before."""
        return self.engine.ledger.get(ball_id) or self.previous.get(ball_id)

    # -- input ------------------------------------------------------------------------------

    def receive(self, message: Message) -> list[Event]:
        """Read one message, in time order (the order it was posted)."""
        # The hot path of every command: kept to plain lookups and comparisons.
        fingerprint = hash((message.text, message.deleted))
        ident = message.id
        known = self._read.get(ident)
        if known is None and self._read_before:
            known = self._read_before.get(ident)
        at = message.created_at
        if known is not None or (self._stale is not None and at < self._stale):
            # A copy of a message already read: in this session, or in one long over (a live
            # source may deliver a little out of order; that much out of order is an old edit).
            return self._repeat(message, known, fingerprint)
        engine = self.engine
        ended: list[Event] | None = None
        if engine.in_session and not self._continues(at):
            ended = self._end()
        if not engine.in_session:
            if self._plan is not None:
                self._span = self._plan.at(at)
                if self._span is None:
                    outside = engine.outside(message)
                    if ended:
                        ended.append(outside)
                        return ended
                    return [outside]
                self._window = self._span.planned
            else:
                self._window = self._window_at(at) if self._windows else None
            self._stale = at - self.rules.gap
        self._read[ident] = fingerprint
        last = self._last
        if last is None or at > last:
            self._last = last = at
            if self.now is None or at > self.now:
                self.now = at
        starting = not engine.in_session
        events = engine.ingest(message)
        if starting and (self._window is not None or self._span is not None):
            planned = self._window.start if self._window is not None else None
            moved = self._span.moved_from if self._span is not None else None
            events = [SessionStarted(e.session, e.at, planned, moved.start if moved is not None else None)
                      if type(e) is SessionStarted else e for e in events]
        if ended:
            ended.extend(events)
            return ended
        return events

    def receive_all(self, messages: Iterable[Message]) -> list[Event]:
        events: list[Event] = []
        for message in messages:
            events.extend(self.receive(message))
        return events

    def delete(self, network: Network, message_id: str, at: datetime) -> list[Event]:
        """The source says a message was deleted."""
        self._tell(at)
        return [MessageDeleted(network, message_id, at)]

    def act(self, action: Action, ball_id: str, by: str, at: datetime, seen: int | None = None) -> Marked:
        """A moderator's action on a ball of this session or the last (as its author saw it, at
        version ``seen``, if given); raises LedgerError."""
        return self.mark(moderator_event(action, ball_id, by, at, self.snooze), seen)

    def mark(self, event: Marked, seen: int | None = None) -> Marked:
        """A moderator's mark (made now, or read back from the log) on a ball of this session or
        the last; raises LedgerError, saying where the ball stands, when it does not apply (or,
        given ``seen``, when the ball is no longer at the version its author saw)."""
        ball_id = event.ball_id
        if ball_id in self.engine.ledger:
            self.engine.ledger.check(event, seen)
            self.engine.act(event)
        elif ball_id in self.previous:
            self.previous.check(event, seen)
            self.previous.apply(event)
        else:
            raise LedgerError(f"no ball {ball_id} in this session or the last", Refusal.UNKNOWN)
        self._tell(event.at)
        return event

    def advance(self, now: datetime) -> list[Event]:
        """Time has passed to ``now``: a session whose bound it passed ends (its open balls are
        dropped), even though no message came to say so."""
        self._tell(now)
        bound = self.ends_after
        if bound is not None and now > bound:
            return self._end()
        return []

    def finish(self) -> list[Event]:
        """The input has ended for good (an archive's end): close the session now."""
        return self._end()

    # -- sessions ---------------------------------------------------------------------------

    def _continues(self, at: datetime) -> bool:
        if self._span is not None:
            return self._span.first <= at <= self._span.last
        if self._window is not None:
            return at <= self._window.end + self.rules.tail
        assert self._last is not None
        return at - self._last <= self.rules.gap and (not self._windows or self._window_at(at) is None)

    def _window_at(self, at: datetime) -> Occurrence | None:
        index = bisect.bisect_right(self._starts, at) - 1
        # Windows may overlap (an hourly chat with a long tail): the latest one started wins.
        for occurrence in reversed(self._windows[max(0, index - 1) : index + 1]):
            if at <= occurrence.end + self.rules.tail:
                return occurrence
        return None

    def _end(self) -> list[Event]:
        if not self.engine.in_session:
            return []
        events = self.engine.end_session(self._last)
        # A fresh ledger keeps memory to one session's worth however long the chat runs.
        self.previous = self.engine.ledger
        self.engine.ledger = Ledger()
        self._window = self._span = None
        self._last = None
        self._read_before, self._read = self._read, {}
        return events

    def _repeat(self, message: Message, known: int | None, fingerprint: int) -> list[Event]:
        if fingerprint == known:
            return []
        if message.id in self._read:
            self._read[message.id] = fingerprint
        elif known is not None:
            self._read_before[message.id] = fingerprint
        at = self.now or message.created_at
        if message.deleted:
            return [MessageDeleted(message.network, message.id, at)]
        return [MessageEdited(message, at)]

    def _tell(self, at: datetime) -> None:
        if self.now is None or at > self.now:
            self.now = at


def run_all(runtime: ChatRuntime, messages: Sequence[Message]) -> list[Event]:
    """Every message, then the end of input: a whole archive through ``runtime``."""
    events = runtime.receive_all(messages)
    events.extend(runtime.finish())
    return events


def run_marked(
    runtime: ChatRuntime, messages: Iterable[Message], marks: Iterable[Marked]
) -> tuple[list[Event], list[Marked]]:
    """A chat run again with its moderators' marks: the messages in time order, each mark at its
    own time (before every message posted after it, and after the session ends if its time is
    past the session's bound), then the end of input. So a mark stands as it stood when it was
    made: the engine's later verdicts on its ball (dropped at the session's end, an answer
    after it was dismissed) never undo it.

    Returns every event, the marks among them where they applied, and the marks that no longer
    apply (their message is no longer a ball, or the ball is no longer in a state they fit).
    """
    waiting = deque(sorted(marks, key=lambda mark: mark.at))  # stable: same time, log order
    events: list[Event] = []
    stale: list[Marked] = []

    def marks_until(moment: datetime | None) -> None:
        while waiting and (moment is None or waiting[0].at < moment):
            mark = waiting.popleft()
            events.extend(runtime.advance(mark.at))
            try:
                events.append(runtime.mark(mark))
            except LedgerError:
                stale.append(mark)

    for message in messages:
        marks_until(message.created_at)
        events.extend(runtime.receive(message))
    marks_until(None)
    events.extend(runtime.finish())
    return events, stale
