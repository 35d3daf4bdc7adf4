"""Replay: archives in time order, the replay clock, and seeking with the ledger rebuilt."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Status
from chatmod.core.models import Rejected
from chatmod.core.runtime import Action
from chatmod.sources.ordering import Run, in_time_order
from chatmod.sources.replay import END_OF_TIME, ReplayClock
from chatmod.tui.seek import SeekError, parse_seek
from chatmod.tui.session import ChatSession
from tests.conftest import START, at, chat
from tests.tui.conftest import Wall, replay_session

TEAM = HostTeam(["mshost"], ["cosam"])
ROWS = [
    ("q1", "0:00", "mshost", "Q1: what is your favourite tool? #edchat"),
    ("b1", "1:00", "bob", "@mshost A1 how do you grade kahoot quizzes?"),
    ("c1", "2:00", "alice", "@mshost love this chat!"),
    ("q2", "10:00", "mshost", "Q2: and your least favourite? #edchat"),
    ("a2", "11:00", "carol", "A2 fax machines"),
    ("d1", "12:00", "dave", "@mshost A2 what about printers?"),
    ("h1", "14:00", "mshost", "@dave printers are fine!", {"reply_to_id": "d1", "reply_to_author": "dave"}),
]


class Replay:
    """A replayed chat driven as the console drives it, each call at a wall time the test gives."""

    def __init__(self, rows, speed: float | None) -> None:
        self.wall = Wall()
        self.chat: ChatSession = replay_session(rows, speed=speed, wall=self.wall, team=TEAM)

    def __getattr__(self, name: str):
        return getattr(self.chat, name)

    def _at(self, wall: float) -> ChatSession:
        self.wall.t = wall
        return self.chat

    def tick(self, wall: float) -> int:
        return self._at(wall).tick()

    def now(self, wall: float):
        return self._at(wall).now()

    def toggle_play(self, wall: float) -> None:
        self._at(wall).toggle_play()

    def act(self, action: Action, ball_id: str, by: str, wall: float):
        return self._at(wall).act(action, ball_id, by)

    def seek(self, target, wall: float) -> None:
        self._at(wall).seek(target)

    def seek_question(self, number: int, wall: float) -> bool:
        return self._at(wall).seek_question(number)

    def faster(self, wall: float, step: int = 1):
        return self._at(wall).faster(step)


def session(rows=ROWS, speed: float | None = 60.0) -> Replay:
    return Replay(rows, speed)


class TestInTimeOrder:
    def test_an_archive_in_order_streams_and_small_disorder_is_sorted(self):
        messages = chat([("a", "0:01", "x", "1"), ("c", "0:03", "x", "3"), ("b", "0:02", "x", "2"), ("d", "0:04", "x", "4")])
        run = Run()
        assert [m.id for m in in_time_order(messages, run, window=2)] == ["a", "b", "c", "d"]
        assert run.read == 4

    def test_a_newest_first_archive_is_reversed(self):
        messages = chat([("c", "0:03", "x", "3"), ("b", "0:02", "x", "2"), ("a", "0:01", "x", "1")])
        assert [m.id for m in in_time_order(messages, Run())] == ["a", "b", "c"]

    def test_repeated_ids_are_read_once_and_rejections_counted(self):
        messages = chat([("a", "0:01", "x", "1"), ("a", "0:01", "x", "1"), ("b", "0:02", "x", "2")])
        run = Run()
        items = [messages[0], Rejected(raw="{", reason="bad JSON", where="line 2"), *messages[1:]]
        out = list(in_time_order(items, run))
        assert [getattr(m, "id", "rejected") for m in out] == ["rejected", "a", "b"]
        assert (run.duplicates, run.rejected_count) == (1, 1)


class TestReplayClock:
    def test_runs_at_its_speed_and_stops_when_paused(self):
        clock = ReplayClock(START, speed=10.0, wall=100.0)
        assert clock.position(101.0) == START + timedelta(seconds=10)
        clock.pause(102.0)
        assert clock.position(200.0) == START + timedelta(seconds=20)
        clock.play(200.0)
        clock.set_speed(60.0, 201.0)
        assert clock.position(202.0) == START + timedelta(seconds=90)

    def test_as_fast_as_possible_releases_everything(self):
        assert ReplayClock(START, speed=None).position(0.0) == END_OF_TIME


class TestReplaySession:
    def test_messages_appear_as_the_clock_reaches_them(self):
        replay = session(speed=60.0)
        replay.tick(1.5)  # 90 s of chat
        assert [e.message.id for e in replay.state.entries] == ["q1", "b1"]
        replay.tick(12.5)
        assert replay.state.now == at("12:00")

    def test_the_end_of_the_archive_ends_the_session_and_drops_what_is_open(self):
        replay = session(speed=None)
        replay.tick(0.0)
        assert replay.finished and not replay.playing
        assert replay.state.dropped == 2  # b1 and c1; d1 was answered
        assert replay.state.ball("d1").status is Status.ANSWERED

    def test_pause_stops_the_replay_and_nothing_is_lost(self):
        replay = session(speed=60.0)
        replay.tick(1.5)
        replay.toggle_play(1.5)
        replay.tick(100.0)
        assert replay.state.received == 2
        replay.toggle_play(100.0)
        replay.tick(111.0)  # 11 s at 60x after 1:30: 12:30
        assert replay.state.received == 6

    def test_seeking_back_rebuilds_the_ledger_as_it_was_then(self):
        replay = session(speed=60.0)
        replay.tick(3.0)  # 3:00
        replay.act(Action.CLAIM, "b1", "sam", 3.0)
        replay.tick(13.0)  # 13:00
        replay.act(Action.DISMISS, "c1", "sam", 13.0)
        replay.seek(at("2:30"), 13.0)
        assert replay.state.ball("b1").claimed_by is None
        assert replay.state.ball("c1").status is Status.OPEN
        assert replay.state.received == 3
        replay.seek(at("3:00"), 13.0)
        assert replay.state.ball("b1").claimed_by == "sam"
        assert replay.state.ball("c1").status is Status.OPEN
        replay.seek(at("13:00"), 13.0)
        assert replay.state.ball("c1").status is Status.DISMISSED

    def test_a_replay_seeked_back_and_played_on_ends_as_the_first_run_did(self):
        first = session(speed=None)
        first.tick(0.0)
        again = session(speed=60.0)
        again.tick(13.0)
        again.seek(at("0:30"), 13.0)
        again.faster(13.0, 10)
        again.tick(14.0)
        assert again.finished
        def statuses(replay):
            return {ball.id: ball.status for ball in replay.state.ledger}

        assert statuses(again) == statuses(first)

    def test_seek_to_a_question_reads_on_until_it_opens(self):
        replay = session(speed=1.0)
        replay.tick(0.0)
        assert replay.seek_question(2, 0.0)
        assert replay.state.now == at("10:00") and replay.state.current_question == 2
        assert replay.seek_question(1, 0.0)
        assert replay.state.now == at("0:00")
        assert not replay.seek_question(7, 0.0)

    def test_speeds_step_up_to_as_fast_as_possible_and_back(self):
        replay = session(speed=30.0)
        assert replay.faster(0.0) == 60.0
        assert replay.faster(0.0) is None
        assert replay.faster(0.0, -1) == 60.0


class TestParseSeek:
    NOW = at("20:00")

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("+5m", at("25:00")), ("-90s", at("18:30")), ("+1h", at("1:20:00")), ("-2", at("18:00")), ("start", START)],
    )
    def test_steps_and_ends(self, text, expected):
        assert parse_seek(text, self.NOW, START) == expected

    def test_a_question(self):
        assert parse_seek("Q3", self.NOW, START) == 3
        assert parse_seek("q 12", self.NOW, START) == 12

    def test_a_time_of_day_in_the_given_zone(self):
        from zoneinfo import ZoneInfo

        target = parse_seek("12:10", self.NOW, START, ZoneInfo("America/New_York"))
        assert target == at("10:00")  # START is 17:00 UTC, 12:00 in New York

    def test_the_end_is_after_everything(self):
        assert parse_seek("end", self.NOW, START) > at("100:00:00")

    @pytest.mark.parametrize("text", ["soon", "Q", "+5 parsecs"])
    def test_nonsense_is_refused_with_the_accepted_forms(self, text):
        with pytest.raises(SeekError, match=r"12:30, \+5m"):
            parse_seek(text, self.NOW, START)

    def test_an_impossible_time_is_refused(self):
        with pytest.raises(SeekError, match="not a time of day"):
            parse_seek("25:00", self.NOW, START)


class TestReviewFindings:
    """Regressions found in review: each broke something a moderator would notice."""

    def test_seeking_to_the_end_under_a_running_clock_reads_everything_and_keeps_time(self):
        replay = session(speed=60.0)
        replay.tick(1.0)
        end = parse_seek("end", replay.now(1.0), START)
        replay.seek(end, 1.0)
        assert replay.state.received == len(ROWS)
        assert replay.now(2.0) < at("30:00")  # the clock waits near the last message, no overflow
        replay.tick(100.0)
        assert replay.finished

    def test_a_question_that_never_opens_leaves_the_replay_where_it_was(self):
        replay = session(speed=60.0)
        replay.tick(3.0)
        assert not replay.seek_question(7, 3.0)
        assert replay.state.now == at("2:00") and replay.state.received == 3

    def test_speed_steps_from_a_speed_not_in_the_list(self):
        replay = session(speed=120.0)
        assert replay.faster(0.0, -1) == 60.0
        replay = session(speed=3.0)
        assert replay.faster(0.0) == 5.0

    def test_a_long_silence_carries_the_dropped_balls_over_and_keeps_their_fate(self):
        rows = [*ROWS, ("q9", "5:00:00", "mshost", "Q1: next week's chat #edchat")]
        replay = session(rows, speed=None)
        replay.tick(0.0)
        state = replay.state
        assert state.carried_over == 2  # b1 and c1 dropped when the first session ended
        assert state.ball("b1").status is Status.DROPPED  # the old lines still show ✗
