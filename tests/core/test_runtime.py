"""The chat runtime: sessions end in one place (by the clock too), repeats, moderator actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatmod.core.events import (
    BallDropped,
    BallEvent,
    BallOpened,
    MessageDeleted,
    MessageEdited,
    ModeratorEvent,
    SessionEnded,
    SessionStarted,
)
from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Ledger, LedgerError, Status
from chatmod.core.models import Message
from chatmod.core.runtime import Action, ChatRuntime, moderate
from chatmod.core.schedule import Schedule
from chatmod.core.sessions import SessionRules
from tests.conftest import at, chat

TEAM = HostTeam(["mshost"], ["cosam"])


def kinds(events: list) -> list[str]:
    return [type(e).__name__ for e in events]


class TestTheClockEndsSessions:
    def test_a_runtime_fed_no_more_messages_drops_open_balls_once_the_gap_has_passed(self) -> None:
        runtime = ChatRuntime(TEAM, rules=SessionRules(gap=timedelta(minutes=30)))
        runtime.receive_all(chat([("q", "0:00", "mshost", "Q1: hi? #c"), ("b", "1:00", "bob", "@mshost how?")]))
        assert runtime.ends_after == at("1:00") + timedelta(minutes=30)
        assert runtime.advance(at("31:00")) == []  # exactly at the bound: not yet
        assert runtime.ball("b").status is Status.OPEN  # type: ignore[union-attr]
        events = runtime.advance(at("31:01"))
        assert kinds(events) == ["BallDropped", "SessionEnded"]
        # The session ended when it fell silent: that is what the dropped ball waited for.
        assert events[0] == BallDropped("b", at("1:00")) and events[1] == SessionEnded(1, at("1:00"))
        assert runtime.ball("b").status is Status.DROPPED  # type: ignore[union-attr]
        assert not runtime.in_session and runtime.ends_after is None
        assert runtime.advance(at("59:00")) == []  # nothing more to end

    def test_the_next_message_after_the_gap_starts_session_two(self) -> None:
        runtime = ChatRuntime(TEAM, rules=SessionRules(gap=timedelta(minutes=30)))
        runtime.receive_all(chat([("b", "0:00", "bob", "@mshost how?")]))
        events = runtime.receive(chat([("c", "45:00", "carol", "hello")])[0])
        assert kinds(events)[:3] == ["BallDropped", "SessionEnded", "SessionStarted"]
        assert runtime.session == 2
        # The last session's balls can still be marked (a moderator catching up).
        runtime.act(Action.ANSWERED, "b", "sam", at("46:00"))
        assert runtime.ball("b").status is Status.ANSWERED  # type: ignore[union-attr]

    def test_a_scheduled_session_runs_its_window_whatever_the_silence(self) -> None:
        # 12:00-13:00 UTC daily; messages from 11:30 to 14:00 belong to the session.
        schedule = Schedule("FREQ=DAILY", datetime(2026, 3, 1, 12, 0), "UTC", timedelta(minutes=60))
        occurrences = list(schedule.between(datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC)))
        rules = SessionRules(gap=timedelta(minutes=10))
        runtime = ChatRuntime(TEAM, rules=rules, schedule=occurrences)
        base = datetime(2026, 3, 3, 11, 40, tzinfo=UTC)

        def message(ident: str, minutes: int, author: str, text: str) -> Message:
            return Message(network="twitter", id=ident, author=author, created_at=base + timedelta(minutes=minutes),
                           text=text)

        assert kinds(runtime.receive(message("early", 0, "bob", "@mshost ready?")))[0] == "SessionStarted"
        assert runtime.window is not None and runtime.window.start == datetime(2026, 3, 3, 12, tzinfo=UTC)
        # 50 quiet minutes would end an unscheduled session; the window keeps this one going.
        assert runtime.advance(base + timedelta(minutes=50)) == []
        runtime.receive(message("late", 100, "carol", "@mshost thanks!"))
        assert runtime.session == 1
        assert runtime.ends_after == datetime(2026, 3, 3, 14, tzinfo=UTC)
        assert kinds(runtime.advance(datetime(2026, 3, 3, 14, 0, 1, tzinfo=UTC)))[-1] == "SessionEnded"
        # After the window, silence bounds sessions again.
        events = runtime.receive(message("after", 200, "dan", "hi"))
        assert isinstance(events[0], SessionStarted) and runtime.window is None
        assert runtime.ends_after == base + timedelta(minutes=210)


class TestRepeats:
    def test_an_edit_changes_what_shows_never_the_verdict(self) -> None:
        runtime = ChatRuntime(TEAM)
        first = chat([("b", "0:00", "bob", "@mshost great chat")])[0]
        opened = runtime.receive(first)
        assert any(isinstance(e, BallOpened) and not e.question for e in opened)
        edited = first.model_copy(update={"text": "@mshost great chat, how do I join?", "edited": True})
        events = runtime.receive(edited)
        assert events == [MessageEdited(edited, at("0:00"))]
        assert not runtime.ball("b").question  # type: ignore[union-attr]
        assert runtime.receive(edited) == []  # the same copy again is nothing
        deleted = edited.model_copy(update={"deleted": True})
        assert kinds(runtime.receive(deleted)) == ["MessageDeleted"]
        assert runtime.delete(first.network, "b", at("2:00")) == [MessageDeleted(first.network, "b", at("2:00"))]


class TestModeration:
    def test_every_moderator_event_is_a_ball_event_with_who_and_when(self) -> None:
        runtime = ChatRuntime(TEAM)
        runtime.receive_all(chat([("b", "0:00", "bob", "@mshost how?")]))
        event = runtime.act(Action.SNOOZE, "b", "sam", at("0:30"))
        assert isinstance(event, BallEvent) and isinstance(event, ModeratorEvent)
        assert event.by == "sam" and event.at == at("0:30") and event.ball_id == "b"

    def test_moderate_refuses_what_the_ball_state_does_not_allow(self) -> None:
        runtime = ChatRuntime(TEAM)
        runtime.receive_all(chat([("b", "0:00", "bob", "@mshost how?")]))
        runtime.finish()
        ledger = runtime.previous
        assert moderate(ledger, Action.DISMISS, "b", "sam", at("9:00")).ball_id == "b"  # dropped: may dismiss
        ledger.apply(moderate(ledger, Action.DISMISS, "b", "sam", at("9:00")))
        with pytest.raises(LedgerError, match="b is dismissed; it cannot be dismissed"):
            moderate(ledger, Action.DISMISS, "b", "sam", at("9:01"))
        with pytest.raises(LedgerError, match="no ball x"):
            moderate(ledger, Action.REOPEN, "x", "sam", at("9:01"))


def test_an_edit_after_the_clock_ended_its_session_starts_no_new_one() -> None:
    runtime = ChatRuntime(TEAM, rules=SessionRules(gap=timedelta(minutes=30)))
    first = chat([("b", "0:00", "bob", "@mshost how?")])[0]
    runtime.receive(first)
    runtime.advance(at("31:00"))
    edited = first.model_copy(update={"text": "@mshost how, exactly?", "edited": True})
    assert kinds(runtime.receive(edited)) == ["MessageEdited"]
    assert not runtime.in_session and runtime.session == 1


class TestMarksStand:
    """A stored chat run again with its marks (rejudge, a resumed console): each mark at its time."""

    MESSAGES = [
        ("q", "0:00", "mshost", "Q1: what do you teach? #c"),
        ("b", "1:00", "bob", "@mshost how do you plan the week?"),
        ("c", "2:00", "carol", "@mshost do you use rubrics?"),
        ("d", "3:00", "dave", "A1 maths"),
        ("h", "5:00", "mshost", "@bob on Sundays, with coffee", {"reply_to_id": "b", "reply_to_author": "bob"}),
    ]

    def test_a_ball_dismissed_before_the_host_replied_stays_dismissed(self) -> None:
        from chatmod.core.events import BallDismissed
        from chatmod.core.runtime import run_marked

        mark = BallDismissed("b", "sam", at("4:00"))
        events, stale = run_marked(ChatRuntime(TEAM), chat(self.MESSAGES), [mark])
        ledger = Ledger().apply_all(events)
        assert stale == [] and ledger.get("b").status is Status.DISMISSED  # type: ignore[union-attr]
        assert [e for e in events if isinstance(e, ModeratorEvent)] == [mark]

    def test_a_ball_marked_answered_during_the_session_is_not_dropped_at_its_end(self) -> None:
        from chatmod.core.events import BallAnswered
        from chatmod.core.runtime import run_marked

        events, _ = run_marked(ChatRuntime(TEAM), chat(self.MESSAGES), [BallAnswered("c", "sam", at("2:30"))])
        ledger = Ledger().apply_all(events)
        assert ledger.get("c").status is Status.ANSWERED and ledger.get("c").answered_by == "sam"  # type: ignore[union-attr]
        assert not any(isinstance(e, BallDropped) and e.ball_id == "c" for e in events)

    def test_a_mark_made_after_the_session_ended_applies_to_the_dropped_ball(self) -> None:
        from chatmod.core.events import BallAnswered
        from chatmod.core.runtime import run_marked

        later = BallAnswered("c", "sam", at("30:00:00"))  # days later, from chatmod followups
        events, stale = run_marked(ChatRuntime(TEAM), chat(self.MESSAGES), [later])
        kinds_of_c = [type(e).__name__ for e in events if isinstance(e, BallEvent) and e.ball_id == "c"]
        assert stale == [] and kinds_of_c == ["BallOpened", "BallDropped", "BallAnswered"]

    def test_a_mark_on_a_message_that_is_no_ball_no_longer_applies(self) -> None:
        from chatmod.core.events import BallDismissed
        from chatmod.core.runtime import run_marked

        mark = BallDismissed("d", "sam", at("4:00"))  # "A1 maths" asks nothing of the host
        _, stale = run_marked(ChatRuntime(TEAM), chat(self.MESSAGES), [mark])
        assert stale == [mark]
