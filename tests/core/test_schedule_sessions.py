"""Chat schedules across daylight-saving changes, and the split of an archive into sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatmod.core.schedule import Schedule, ScheduleError
from chatmod.core.sessions import SessionRules, split_sessions

HOUR = timedelta(hours=1)


def _starts(schedule: Schedule, after: datetime, before: datetime) -> list[str]:
    return [o.local_start.strftime("%Y-%m-%d %H:%M %Z") for o in schedule.between(after, before)]


def test_first_friday_keeps_its_wall_clock_time_across_dst() -> None:
    chat = Schedule("FREQ=MONTHLY;BYDAY=1FR", datetime(2019, 10, 4, 13), "America/New_York", HOUR)
    occurrences = list(chat.between(datetime(2020, 2, 1, tzinfo=UTC), datetime(2020, 5, 1, tzinfo=UTC)))
    assert [o.local_start.strftime("%m-%d %H:%M") for o in occurrences] == ["02-07 13:00", "03-06 13:00", "04-03 13:00"]
    assert [o.start.hour for o in occurrences] == [18, 18, 17]  # EST, EST, then EDT
    assert all(o.end - o.start == HOUR for o in occurrences)


def test_nonexistent_local_time_moves_forward_and_ambiguous_takes_the_first() -> None:
    spring = Schedule("FREQ=WEEKLY", datetime(2026, 3, 1, 2, 30), "America/New_York", HOUR)
    assert _starts(spring, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC)) == [
        "2026-03-01 02:30 EST", "2026-03-08 03:30 EDT", "2026-03-15 02:30 EDT"]
    autumn = Schedule("FREQ=WEEKLY", datetime(2026, 10, 18, 1, 30), "Europe/London", HOUR)
    assert _starts(autumn, datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)) == [
        "2026-10-25 01:30 BST", "2026-11-01 01:30 GMT"]


def test_upcoming_lists_what_has_not_ended() -> None:
    chat = Schedule("FREQ=WEEKLY;BYDAY=TU", datetime(2026, 1, 6, 20), "America/Chicago", HOUR)
    now = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # Monday 20:30 in Chicago: Tuesday's is next
    upcoming = chat.upcoming(now, 3)
    assert [o.local_start.strftime("%m-%d") for o in upcoming] == ["11-24", "12-01", "12-08"]


@pytest.mark.parametrize(
    "rrule, zone, duration, match",
    [("FREQ=SOMETIMES", "America/New_York", HOUR, "not an RRULE"),
     ("FREQ=WEEKLY", "Mars/Olympus_Mons", HOUR, "unknown time zone"),
     ("FREQ=WEEKLY", "UTC", timedelta(0), "duration")],
)
def test_bad_schedules_say_what_is_wrong(rrule: str, zone: str, duration: timedelta, match: str) -> None:
    with pytest.raises(ScheduleError, match=match):
        Schedule(rrule, datetime(2026, 1, 1, 12), zone, duration)


def _minutes(start: datetime, *offsets: float) -> list[datetime]:
    return [start + timedelta(minutes=m) for m in offsets]


def test_sessions_follow_the_schedule_and_a_moved_one_is_found_and_flagged() -> None:
    # First Fridays at 13:00; January's is called off ("no chat today") and held a week later.
    chat = Schedule("FREQ=MONTHLY;BYDAY=1FR", datetime(2025, 12, 5, 13), "UTC", HOUR)
    december, january, february = (datetime(2025, 12, 5, 13, tzinfo=UTC), datetime(2026, 1, 2, 13, tzinfo=UTC),
                                   datetime(2026, 2, 6, 13, tzinfo=UTC))
    times = (
        _minutes(december, -20, *range(0, 60, 2), 100)           # a session, 2 early, 1 late
        + _minutes(january, -2)                                    # "no chat today, next Friday!"
        + _minutes(january + timedelta(days=6), 30)                # Thursday's reminder
        + _minutes(january + timedelta(days=7), *range(0, 60, 2))  # held on Jan 9
        + _minutes(february, 5, 10)                                 # too quiet to be a session
    )
    occurrences = list(chat.between(times[0] - HOUR, times[-1] + HOUR))
    spans = split_sessions(times, occurrences, SessionRules())
    assert [(s.first, s.last, s.off_schedule) for s in spans] == [(0, 31, False), (34, 63, True)]
    assert spans[0].planned is not None and spans[0].planned.start == december
    assert spans[1].moved_from is not None and spans[1].moved_from.start == january


def test_without_a_schedule_silence_splits_sessions() -> None:
    start = datetime(2026, 1, 2, 13, tzinfo=UTC)
    times = _minutes(start, 0, 30, 60) + _minutes(start + timedelta(hours=5), 0, 1)
    assert [(s.first, s.last) for s in split_sessions(times)] == [(0, 2), (3, 4)]


def test_a_live_run_joins_the_scheduled_session_under_way_from_its_early_arrivals() -> None:
    from chatmod.core.sessions import joining_point

    weekly = Schedule("FREQ=WEEKLY;BYDAY=TU", datetime(2026, 3, 3, 12, 0), "America/New_York", HOUR)
    start = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)  # 12:00 in New York, daylight time already

    def joins(now: datetime) -> datetime | None:
        return joining_point(weekly.between(now - timedelta(days=1), now + timedelta(minutes=1)), now)

    assert joins(start + timedelta(minutes=10)) == start - timedelta(minutes=30)  # ten minutes in
    assert joins(start + timedelta(minutes=110)) == start - timedelta(minutes=30)  # in the late replies
    assert joins(start - timedelta(minutes=45)) is None  # before the early arrivals: nothing to read
    assert joins(start + timedelta(hours=3)) is None  # long over
