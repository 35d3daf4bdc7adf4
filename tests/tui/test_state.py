"""The console's state: what the inbox, the board and the counters show, with no Textual."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatmod.core.handles import HostTeam
from chatmod.core.ledger import LedgerError, Status
from chatmod.core.runtime import Action, ChatRuntime
from chatmod.tui.state import ConsoleState, Level, PlanItem, Thresholds
from tests.conftest import at, chat

TEAM = HostTeam(["mshost"], ["cosam"])

ROWS = [
    ("q1", "0:00", "mshost", "Q1: what is your favourite tool? #edchat"),
    ("c1", "0:30", "alice", "@mshost love this chat!"),
    ("b1", "1:00", "bob", "@mshost A1 how do you grade kahoot quizzes?"),
    ("a1", "1:10", "carol", "A1 flipgrid for reading"),
    ("r1", "2:00", "dave", "@carol how do you use flipgrid?", {"reply_to_id": "a1", "reply_to_author": "carol"}),
    ("h1", "3:00", "cosam", "@alice thanks!", {"reply_to_id": "c1", "reply_to_author": "alice"}),
]


class Fed:
    """A console state fed by a runtime in the same process, as the console feeds it."""

    def __init__(self, **kwargs) -> None:
        self.state = ConsoleState(TEAM, **kwargs)
        self.runtime = ChatRuntime(TEAM, snooze=self.state.thresholds.snooze)

    def __getattr__(self, name: str):
        return getattr(self.state, name)

    def ingest(self, messages) -> None:
        for message in messages:
            self.state.read(message, self.runtime.receive(message))

    def act(self, action: Action, ball_id: str, by: str, when) -> None:
        self.state.apply([self.runtime.act(action, ball_id, by, when)])

    def finish(self) -> None:
        self.state.apply(self.runtime.finish())


def state_after(rows=ROWS, **kwargs) -> Fed:
    fed = Fed(**kwargs)
    fed.ingest(chat(rows))
    return fed


def test_inbox_lists_open_balls_questions_first_then_longest_wait():
    rows = [*ROWS[:4], ("c2", "0:40", "erin", "@mshost so glad to be here")]
    state = state_after(rows)
    inbox = state.inbox(at("4:00"))
    assert [row.ball_id for row in inbox] == ["b1", "c1", "c2"]
    assert inbox[0].question and not inbox[1].question
    assert inbox[1].waited == timedelta(minutes=3, seconds=30)


def test_waits_turn_amber_then_red_at_the_thresholds():
    state = state_after(ROWS[:3], thresholds=Thresholds(amber=timedelta(minutes=2), red=timedelta(minutes=5)))
    levels = {row.ball_id: row.level for row in state.inbox(at("3:00"))}
    assert levels == {"b1": Level.AMBER, "c1": Level.AMBER}
    assert [row.level for row in state.inbox(at("1:30"))] == [Level.FRESH, Level.FRESH]
    assert {row.level for row in state.inbox(at("6:00"))} == {Level.RED}


def test_an_answered_ball_leaves_the_inbox_and_is_counted():
    state = state_after()
    assert [row.ball_id for row in state.inbox(at("4:00"))] == ["b1"]
    assert state.answered == 1
    assert state.open_count == 1


def test_moderator_actions_change_the_inbox_and_the_counts():
    state = state_after(ROWS[:3])
    state.act(Action.CLAIM, "b1", "sam", at("1:30"))
    assert state.inbox(at("2:00"))[0].claimed_by == "sam"
    state.act(Action.DISMISS, "c1", "sam", at("1:40"))
    state.act(Action.ANSWERED, "b1", "sam", at("1:50"))
    assert state.inbox(at("2:00")) == []
    assert (state.answered, state.dismissed) == (1, 1)
    state.act(Action.REOPEN, "b1", "sam", at("2:00"))
    assert [row.ball_id for row in state.inbox(at("2:10"))] == ["b1"]
    assert state.answered == 0
    closed = state.inbox(at("2:10"), closed=True)
    assert [(row.ball_id, row.status) for row in closed] == [("b1", Status.OPEN), ("c1", Status.DISMISSED)]


def test_an_action_that_does_not_apply_is_refused_and_changes_nothing():
    state = state_after()
    with pytest.raises(LedgerError):
        state.act(Action.CLAIM, "c1", "sam", at("4:00"))  # answered already
    with pytest.raises(LedgerError):
        state.act(Action.CLAIM, "nope", "sam", at("4:00"))
    assert state.answered == 1


def test_a_snoozed_ball_waits_out_of_sight_then_comes_back():
    state = state_after(ROWS[:3], thresholds=Thresholds(snooze=timedelta(minutes=5)))
    state.act(Action.SNOOZE, "b1", "sam", at("1:30"))
    assert [row.ball_id for row in state.inbox(at("2:00"))] == ["c1"]
    assert [row.ball_id for row in state.inbox(at("6:31"))] == ["b1", "c1"]


def test_muted_authors_leave_the_inbox():
    state = state_after(ROWS[:3])
    assert [row.ball_id for row in state.inbox(at("2:00"), muted=frozenset({"bob"}))] == ["c1"]


def test_the_inbox_line_leaves_out_the_leading_handles():
    state = state_after(ROWS[:3])
    assert state.inbox(at("2:00"))[0].text == "A1 how do you grade kahoot quizzes?"


def test_the_question_board_counts_answers_and_people_and_times_against_the_plan():
    rows = [*ROWS, ("q2", "10:00", "mshost", "Q2: and your least favourite? #edchat"), ("a2", "10:30", "bob", "A2 fax machines")]
    state = state_after(rows, plan=[PlanItem(1, 0), PlanItem(2, 8)], duration=timedelta(minutes=20))
    q1, q2 = state.questions[1], state.questions[2]
    assert (q1.answers, len(q1.participants)) == (4, 4)
    assert (q2.answers, len(q2.participants)) == (1, 1)
    assert state.current_question == 2
    assert q1.planned == timedelta(minutes=8) and q2.planned == timedelta(minutes=12)
    assert state.elapsed(1, at("11:00")) == timedelta(minutes=10)
    assert state.elapsed(2, at("11:00")) == timedelta(minutes=1)


def test_conversation_shows_what_a_message_replies_to_and_its_replies():
    state = state_after()
    parents, message, _replies = state.conversation("r1")
    assert [m.id for m in parents] == ["a1"] and message is not None and message.id == "r1"
    assert [m.id for m in state.conversation("c1")[2]] == ["h1"]
    assert state.conversation("unknown") == ([], None, [])


def test_a_long_silence_starts_a_new_session_with_a_fresh_board_and_ledger():
    rows = [*ROWS, ("q1b", "5:00:00", "mshost", "Q1: back again! #edchat"), ("x", "5:01:00", "bob", "@mshost hi!")]
    state = state_after(rows)
    assert list(state.questions) == [1]
    assert state.questions[1].opened_at == at("5:00:00")
    assert [row.ball_id for row in state.inbox(at("5:02:00"))] == ["x"]
    assert "q1" not in state.messages
    assert state.received == len(rows)


def test_the_stream_keeps_a_bounded_window():
    rows = [(f"m{i}", f"0:{i:02d}", "bob", f"A1 number {i}") for i in range(50)]
    state = state_after(rows, history=10)
    assert [entry.message.id for entry in state.entries] == [f"m{i}" for i in range(40, 50)]
    assert len(state.messages) == 50  # the session's messages stay for the report and conversations


def test_finishing_drops_what_is_still_open():
    state = state_after(ROWS[:3])
    state.finish()
    assert state.dropped == 2
    assert state.inbox(at("5:00")) == []


def test_a_console_fed_the_events_from_elsewhere_shows_what_the_host_sees():
    # A co-moderator's console has no runtime of its own: it is fed the host's events.
    host = Fed()
    sent: list[tuple] = []
    for message in chat(ROWS[:5]):
        events = host.runtime.receive(message)
        host.state.read(message, events)
        sent.append((message, events))
    claim = host.runtime.act(Action.CLAIM, "b1", "sam", at("2:30"))
    host.state.apply([claim])
    sent.append((None, [claim]))
    ended = host.runtime.advance(at("2:00") + timedelta(hours=3, seconds=1))
    host.state.apply(ended)
    sent.append((None, ended))

    remote = ConsoleState(TEAM)
    for message, events in sent:
        if message is not None:
            remote.read(message, events)
        else:
            remote.apply(events)
    when = at("9:00:00")
    assert remote.inbox(when, dropped=True) == host.state.inbox(when, dropped=True)
    assert [row.ball_id for row in remote.inbox(when, dropped=True)] == ["b1", "c1"]
    assert remote.ended and (remote.dropped, remote.answered) == (host.dropped, host.answered) == (2, 0)
    assert remote.ball("b1").claimed_by == "sam"
