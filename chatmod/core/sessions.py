"""Provides the split of an archive into sessions: by the chat's schedule, and by activity.

A scheduled session takes the messages from ``lead`` before its planned start to ``tail`` after
its planned end. What is left is grouped by silence (``gap``); a group of at least
``min_messages`` is a session found by activity, flagged off-schedule, and, when a scheduled
session near it had no messages at all, marked as moved from that one (a holiday shifts a chat
by a week). Smaller groups (reminders, follow-ups) stay outside every session: kept, and shown
apart. Without a schedule every group of messages is a session, as before schedules existed.

:func:`plan_sessions` turns the split into the :class:`SessionPlan` the chat runtime follows when
a chat is read whole (an archive, a stored chat): then ``analyze``, ``report``, ``ingest`` and a
replay in the console cut the same sessions, and chatter outside them is no session. A live chat
cannot know whether chatter outside its schedule will grow into a session; there the runtime
follows the schedule's windows and splits the rest by silence.

Pure: times in, spans out.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chatmod.core.schedule import Occurrence

__all__ = ["PlannedSession", "SessionPlan", "SessionRules", "SessionSpan", "joining_point", "plan_sessions",
           "split_sessions"]


@dataclass(frozen=True, slots=True)
class SessionRules:
    lead: timedelta = timedelta(minutes=30)
    """Early arrivals: messages this long before the planned start belong to the session."""
    tail: timedelta = timedelta(minutes=60)
    """Late replies: messages this long after the planned end belong to the session."""
    gap: timedelta = timedelta(hours=3)
    """Outside the schedule, this much silence separates two groups of messages."""
    min_messages: int = 20
    """An off-schedule group this big is a session; a smaller one is reminders and chatter."""
    min_scheduled: int = 5
    """A scheduled session with fewer messages did not happen ("no chat today, see you next week")."""
    moved_within: timedelta = timedelta(days=14)
    """How far from an empty scheduled session a found one may be to count as moved from it."""


@dataclass(frozen=True, slots=True)
class SessionSpan:
    """One session: its first and last message, and how it was found."""

    first: int
    """Index of its first message in the sorted times."""
    last: int
    """Index of its last message (inclusive)."""
    planned: Occurrence | None
    """The scheduled occurrence it is; None when found by activity (off schedule)."""
    moved_from: Occurrence | None = None
    """For an off-schedule session: the empty scheduled one it most likely replaces."""

    @property
    def off_schedule(self) -> bool:
        return self.planned is None


@dataclass(frozen=True, slots=True)
class PlannedSession:
    """One session of a chat read whole: the messages posted from ``first`` to ``last``."""

    first: datetime
    last: datetime
    planned: Occurrence | None
    """The scheduled occurrence it is; None when found by activity."""
    moved_from: Occurrence | None = None


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """Where the sessions of a chat read whole are, in time order (they never overlap)."""

    sessions: tuple[PlannedSession, ...]

    @classmethod
    def of(cls, times: Sequence[datetime], spans: Iterable[SessionSpan]) -> SessionPlan:
        """The plan of ``spans`` found over ``times``."""
        return cls(tuple(PlannedSession(times[s.first], times[s.last], s.planned, s.moved_from) for s in spans))

    def at(self, moment: datetime) -> PlannedSession | None:
        """The session a message posted at ``moment`` belongs to; None when it is outside every one."""
        index = bisect.bisect_right(self.sessions, moment, key=lambda s: s.first) - 1
        if index >= 0 and moment <= self.sessions[index].last:
            return self.sessions[index]
        return None


def plan_sessions(
    times: Sequence[datetime],
    occurrences: Sequence[Occurrence] | None = None,
    rules: SessionRules = SessionRules(),
) -> SessionPlan:
    """The plan of :func:`split_sessions` over ``times`` (sorted, aware)."""
    return SessionPlan.of(times, split_sessions(times, occurrences, rules))


def joining_point(occurrences: Iterable[Occurrence], now: datetime, rules: SessionRules = SessionRules()) -> datetime | None:
    """Where a live run started at ``now`` begins reading a chat: the start of the scheduled
    session under way (its early arrivals included), or None when none is."""
    for occurrence in occurrences:
        if occurrence.start - rules.lead <= now <= occurrence.end + rules.tail:
            return occurrence.start - rules.lead
    return None


def split_sessions(
    times: Sequence[datetime],
    occurrences: Sequence[Occurrence] | None = None,
    rules: SessionRules = SessionRules(),
) -> list[SessionSpan]:
    """Sessions over ``times`` (sorted, aware), in order. Messages in no span are outside."""
    if occurrences is None:
        return [SessionSpan(a, b, None) for a, b in _groups(times, range(len(times)), rules.gap)]
    spans: list[SessionSpan] = []
    taken = bytearray(len(times))  # one byte a message: archives run to millions
    used: set[int] = set()
    position = 0
    for number, occurrence in enumerate(occurrences):
        low, high = occurrence.start - rules.lead, occurrence.end + rules.tail
        while position < len(times) and times[position] < low:
            position += 1
        first = position
        while position < len(times) and times[position] <= high:
            taken[position] = 1
            position += 1
        if position - first >= rules.min_scheduled:
            spans.append(SessionSpan(first, position - 1, occurrence))
            used.add(number)
        else:
            for index in range(first, position):
                taken[index] = 0
    loose = (i for i, was in enumerate(taken) if not was)
    empty = [o for n, o in enumerate(occurrences) if n not in used]
    for a, b in _groups(times, loose, rules.gap):
        if b - a + 1 < rules.min_messages:
            continue
        moved_from = _nearest(empty, times[a], rules.moved_within)
        if moved_from is not None:
            # Moved, so most likely held at the usual wall-clock time on another day: keep to
            # that window, as a scheduled session would, so morning reminders stay outside.
            a, b = _window(times, a, b, moved_from, rules)
        spans.append(SessionSpan(a, b, None, moved_from))
    spans.sort(key=lambda span: span.first)
    return spans


def _window(times: Sequence[datetime], a: int, b: int, usual: Occurrence, rules: SessionRules) -> tuple[int, int]:
    """The part of messages a..b inside the usual session window on the day they peak."""
    zone = usual.local_start.tzinfo
    duration = usual.end - usual.start
    best = (a, b)
    best_count = 0
    for day in sorted({times[i].astimezone(zone).date() for i in range(a, b + 1)}):
        start = datetime.combine(day, usual.local_start.timetz().replace(tzinfo=None)).replace(tzinfo=zone)
        low, high = start - rules.lead, start + duration + rules.tail
        inside = [i for i in range(a, b + 1) if low <= times[i] <= high]
        if len(inside) > best_count:
            best, best_count = (inside[0], inside[-1]), len(inside)
    return best if best_count >= rules.min_messages else (a, b)


def _groups(times: Sequence[datetime], indices: Iterable[int], gap: timedelta) -> list[tuple[int, int]]:
    # Runs of consecutive indices whose times are within ``gap`` of each other.
    groups: list[tuple[int, int]] = []
    start = previous = None
    for i in indices:
        if previous is not None and (i != previous + 1 or times[i] - times[previous] > gap):
            groups.append((start, previous))  # type: ignore[arg-type]
            start = None
        if start is None:
            start = i
        previous = i
    if start is not None:
        groups.append((start, previous))  # type: ignore[arg-type]
    return groups


def _nearest(empty: Sequence[Occurrence], at: datetime, within: timedelta) -> Occurrence | None:
    best = min(empty, key=lambda o: abs(o.start - at), default=None)
    return best if best is not None and abs(best.start - at) <= within else None
