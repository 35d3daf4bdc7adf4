"""A live chat is judged in the order it was posted, within the lateness its source states; the
console shows each message the moment it arrives."""

from __future__ import annotations

from datetime import timedelta

from chatmod.core.events import Event
from chatmod.core.ledger import Ledger, Status
from chatmod.core.runtime import Action, ChatRuntime
from chatmod.run.driver import ChatDriver
from chatmod.run.reorder import Reorder
from chatmod.sources.base import Capabilities, ConnectionState, EndOfInput, Link
from tests.conftest import at, chat
from tests.tui.conftest import TEAM, chat_session
from tests.tui.test_live_console import LiveTestSource

LATENESS = timedelta(seconds=2)
ROWS = [
    ("q1", "0:00", "mshost", "Q1: what is your favourite tool? #edchat"),
    ("b1", "1:00", "bob", "@mshost how do you grade kahoot quizzes? #edchat"),
    ("h1", "1:01", "mshost", "@bob by hand, mostly #edchat", {"reply_to_id": "b1", "reply_to_author": "bob"}),
    ("c1", "1:30", "carol", "A1 flipgrid #edchat"),
]


class NetworkSource(LiveTestSource):
    """A live network: it delivers a little out of order, and says by how much."""

    capabilities = Capabilities(live=True, lateness=LATENESS)


def _status(events: list[Event], ball_id: str) -> Status | None:
    ball = Ledger().apply_all(events).get(ball_id)
    return ball.status if ball is not None else None


def _judged(source: LiveTestSource) -> tuple[ChatDriver, list[Event]]:
    driver = ChatDriver(source, lambda: ChatRuntime(TEAM))
    events: list[Event] = []
    driver.sinks.append(lambda _message, made: events.extend(made))
    return driver, events


def _deliver_reply_first(source: LiveTestSource, driver: ChatDriver) -> None:
    q1, b1, h1, c1 = chat(ROWS)
    for message, arrives in ((q1, "0:00"), (h1, "1:01"), (b1, "1:02"), (c1, "1:30")):
        source.clock = at(arrives)
        source.push([message])
        driver.tick()


def test_messages_wait_until_the_chat_is_past_them_and_are_read_oldest_first() -> None:
    held = Reorder(LATENESS)
    q1, b1, h1, _ = chat(ROWS)
    for message in (h1, q1, b1):
        held.push(message)
    assert held.due(None) == [] and held.due(at("1:01")) == [q1]  # h1 and b1: not 2 s past yet
    assert held.due(at("1:03")) == [b1, h1] and len(held) == 0
    held.push(h1)
    held.push(b1)
    edited = b1.model_copy(update={"text": "@mshost how do you grade quizzes? #edchat"})
    held.push(edited)  # delivered again while it waits: it waits once, as its latest copy
    assert len(held) == 2 and held.drain() == [edited, h1]


def test_a_reply_that_arrives_before_its_question_answers_it() -> None:
    source = NetworkSource()
    driver, events = _judged(source)
    _deliver_reply_first(source, driver)
    source.clock = at("1:40")
    driver.tick()
    assert _status(events, "b1") is Status.ANSWERED

    # Read in the order they came, the answer finds no ball and the question waits in vain:
    # what a source that states no lateness gets (a replay's order is the posted order).
    source = LiveTestSource()
    driver, events = _judged(source)
    _deliver_reply_first(source, driver)
    assert _status(events, "b1") is Status.OPEN


def test_the_console_shows_a_message_at_once_and_its_reading_once_judged() -> None:
    source = NetworkSource()
    session = chat_session(source, TEAM)
    (q1,) = chat(ROWS[:1])
    source.push([q1])
    session.tick()
    (entry,) = session.state.entries
    assert entry.message.id == "q1" and entry.opens is None and session.state.received == 1
    source.clock = at("0:03")
    session.tick()
    (entry,) = session.state.entries  # the same line, now read: it opens Q1
    assert entry.opens == 1 and 1 in session.state.questions and session.state.received == 1


def test_a_message_later_than_the_bound_is_judged_when_it_comes() -> None:
    source = NetworkSource()
    driver, events = _judged(source)
    q1, b1, h1, c1 = chat(ROWS)
    for message in (q1, b1, c1):
        source.clock = message.created_at
        source.push([message])
        driver.tick()
    source.clock = at("1:40")
    driver.tick()
    source.push([h1])  # posted at 1:01, forty seconds late: judged now, and it still answers b1
    driver.tick()
    assert _status(events, "b1") is Status.ANSWERED


def test_a_mark_stands_between_the_messages_judged_before_it_and_those_still_waiting() -> None:
    source = NetworkSource()
    driver, events = _judged(source)
    q1, b1, h1, _ = chat(ROWS)
    for message in (q1, b1):
        source.clock = message.created_at
        source.push([message])
        driver.tick()
    source.clock = at("1:02")
    driver.tick()
    source.push([h1])  # still waiting: posted after what the moderator has seen
    driver.tick()
    mark = driver.act(Action.DISMISS, "b1", "sam")
    assert at("1:00") <= mark.at < h1.created_at
    source.clock = at("1:10")
    driver.tick()
    assert _status(events, "b1") is Status.DISMISSED  # the mark stands


def test_the_end_of_input_judges_what_still_waits_and_a_dead_link_ends_no_session() -> None:
    source = NetworkSource()
    driver, events = _judged(source)
    q1, b1, h1, _ = chat(ROWS)
    source.push([q1, b1, ConnectionState(Link.RECONNECTING, "cut")])
    driver.tick()
    source.clock = at("3:00:00")  # hours of a dead link: what came is read, the session goes on
    driver.tick()
    assert _status(events, "b1") is Status.OPEN
    source.push([h1, EndOfInput()])  # the answer, fetched after the break: a late arrival
    driver.tick()
    assert _status(events, "b1") is Status.ANSWERED


def test_an_unfilled_gap_holds_the_end_of_the_session_not_the_reading_of_what_did_come() -> None:
    source = NetworkSource()
    driver, events = _judged(source)
    q1, b1, h1, _ = chat(ROWS)
    source.push([q1, ConnectionState(Link.GAP, "messages between 17:00 and 17:01 are missing"), b1, h1])
    driver.tick()
    source.clock = at("1:05")
    driver.tick()
    assert _status(events, "b1") is Status.ANSWERED  # judged, in order, while the gap is open
    source.clock = at("5:00:00")  # hours on, the gap still open: the session does not end
    driver.tick()
    assert not any(type(e).__name__ == "SessionEnded" for e in events)
