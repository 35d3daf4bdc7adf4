"""Provides chat schedules: when each session of a recurring chat starts and ends.

A schedule is an iCalendar RRULE over the chat's local wall-clock time in its time zone, so a
chat at 13:00 America/New_York stays at 13:00 local across daylight-saving changes. Two local
times need a rule of their own:

- a time that does not exist (clocks spring forward over it) is moved forward by the gap:
  02:30 on the spring-forward night becomes 03:30;
- a time that happens twice (clocks fall back) is the first of the two (the daylight one).

Pure: no clock; callers pass the moments they care about.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

__all__ = ["Occurrence", "Schedule", "ScheduleError", "resolve_local"]


class ScheduleError(ValueError):
    """A schedule that cannot be used: bad RRULE, unknown time zone, bad duration."""


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One planned session, in UTC."""

    start: datetime
    end: datetime
    local_start: datetime
    """The planned wall-clock start in the chat's zone (aware)."""


def resolve_local(wall: datetime, zone: ZoneInfo) -> datetime:
    """``wall`` (naive local time) as an aware time in ``zone``, by the rules above."""
    first = wall.replace(tzinfo=zone, fold=0)
    # A wall time that does not exist does not survive the round trip through UTC.
    back = first.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != wall:
        return back  # moved forward by the gap (fold=0 used the offset from before the change)
    return first


@dataclass(frozen=True, slots=True)
class Schedule:
    """``rrule`` (e.g. ``FREQ=MONTHLY;BYDAY=1FR``) from ``start`` (naive local) in ``zone``."""

    rrule: str
    start: datetime
    zone: str
    duration: timedelta

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None:
            raise ScheduleError("the start is a local wall-clock time: give it without a zone")
        if self.duration <= timedelta(0) or self.duration > timedelta(hours=24):
            raise ScheduleError("the duration must be between 1 minute and 24 hours")
        self.tz  # noqa: B018 - validates the zone now
        try:
            rrulestr(self.rrule, dtstart=self.start)
        except (ValueError, TypeError) as error:
            raise ScheduleError(f"not an RRULE: {self.rrule!r} ({error})") from None

    @property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ScheduleError(f"unknown time zone {self.zone!r} (use a name like America/New_York)") from None

    def between(self, after: datetime, before: datetime) -> Iterator[Occurrence]:
        """Occurrences whose window overlaps [after, before) (aware datetimes), in order."""
        zone = self.tz
        rule = rrulestr(self.rrule, dtstart=self.start)
        # Local wall times are naive: widen the search by a day each side for zone offsets.
        low = after.astimezone(zone).replace(tzinfo=None) - self.duration - timedelta(days=1)
        high = before.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
        for wall in rule.between(low, high, inc=True):
            local = resolve_local(wall, zone)
            start = local.astimezone(UTC)
            end = start + self.duration
            if end > after and start < before:
                yield Occurrence(start, end, local)

    def upcoming(self, now: datetime, count: int) -> list[Occurrence]:
        """The next ``count`` occurrences that have not ended by ``now``."""
        found: list[Occurrence] = []
        horizon = now
        while len(found) < count and horizon < now + timedelta(days=366 * 50):
            step = horizon + timedelta(days=400)
            for occurrence in self.between(horizon, step):
                if occurrence.end > now and (not found or occurrence.start > found[-1].start):
                    found.append(occurrence)
                    if len(found) == count:
                        break
            horizon = step
        return found
