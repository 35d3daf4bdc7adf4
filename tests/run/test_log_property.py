"""Property: however a live chat is cut by a crash and resumed, the stored ledger is the ledger of
the same chat read in file order with the same marks.

A chat is generated (questions to the host, chatter, the host's replies), with moderators' marks
taken as it runs. A first run records it live until a crash: what was written by a chosen point
is durable, the rest (messages and marks of the last moments) is lost. A second run starts from
what is stored (the stored session and its marks), is sent the chat again from a little before
the durable point (as a resumed cursor or a gap fill does), and takes the later marks. When the
chat's time is up its session is ended (:func:`chatmod.run.settle.settle`). Messages arrive out
of the order they were posted, each up to the source's stated lateness late, as a network
delivers them. Simulated in-process, so the suite stays fast.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatmod.core.events import Marked
from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Ledger, LedgerError
from chatmod.core.models import Message
from chatmod.core.runtime import Action, ChatRuntime, run_marked
from chatmod.run.driver import ChatDriver
from chatmod.run.history import ongoing
from chatmod.run.record import Recorder
from chatmod.run.settle import settle
from chatmod.sources.base import Capabilities
from chatmod.sources.queue import QueueSource
from chatmod.store import Store

TEAM = HostTeam(["mshost"])
START = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
KEY = "#edchat @mshost"


LATENESS = timedelta(seconds=3)


class NetworkSource(QueueSource):
    capabilities = Capabilities(live=True, lateness=LATENESS)


@dataclass(frozen=True)
class Chat:
    messages: list[Message]
    marks: dict[int, list[tuple[Action, int]]]
    """After message i arrives: (action, which ball: an index into the balls asked so far)."""
    arrivals: list[tuple[datetime, Message]]
    """When each message arrives, in the order they arrive: each at most LATENESS late."""


@st.composite
def chats(draw: st.DrawFn) -> Chat:
    messages = [Message(network="twitter", id="q1", author="mshost", created_at=START,
                        text="Q1: what are you reading? #edchat")]
    asked: list[str] = []
    at = START
    marks: dict[int, list[tuple[Action, int]]] = {}
    for index in range(draw(st.integers(1, 18))):
        # Often close together: what a network can deliver out of order.
        at += timedelta(seconds=draw(st.one_of(st.integers(1, 3), st.integers(4, 300))))
        kind = draw(st.sampled_from(["ask", "ask", "chatter", "answer"]))
        ident = f"m{index}"
        if kind == "answer" and asked:
            target = asked[draw(st.one_of(st.just(len(asked) - 1), st.integers(0, len(asked) - 1)))]
            message = Message(network="twitter", id=ident, author="mshost", created_at=at,
                              text="good question, here is how #edchat", reply_to_id=target,
                              reply_to_author=f"p{target}")
        elif kind == "ask":
            message = Message(network="twitter", id=ident, author=f"p{ident}", created_at=at,
                              text=f"@mshost how do you plan lesson {index}? #edchat")
            asked.append(ident)
        else:
            message = Message(network="twitter", id=ident, author=f"p{ident}", created_at=at,
                              text=f"A1 I read poems {index} #edchat")
        messages.append(message)
        if asked and draw(st.booleans()):
            action = draw(st.sampled_from([Action.DISMISS, Action.ANSWERED, Action.CLAIM, Action.REOPEN]))
            marks[len(messages) - 1] = [(action, draw(st.integers(0, 50)))]
    delays = [timedelta(milliseconds=draw(st.integers(0, 3000))) for _ in messages]
    arrivals = sorted(((m.created_at + d, m) for m, d in zip(messages, delays, strict=True)), key=lambda a: a[0])
    return Chat(messages, marks, arrivals)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def _take_marks(driver: ChatDriver, chat: Chat, index: int, asked: list[str], taken: list[Marked]) -> None:
    for action, pick in chat.marks.get(index, []):
        if not asked:
            continue
        try:
            taken.append(driver.act(action, asked[pick % len(asked)], "sam"))
        except LedgerError:
            pass  # not allowed on that ball at that moment: a screen would say so


async def _live_run(db: Path, chat: Chat, start: int, stop: int, durable: int, *, resume: bool,
                    marks_from: int = 0, resumed_at: int = 0) -> tuple[list[Marked], int]:
    """Arrivals [start, stop) come live, marks are taken after those from ``marks_from`` on;
    returns the marks whose writes were durable, and the first arrival not yet judged when the
    last write was made (a live source stores what arrives at once, so its cursor is before it).

    Everything judged by arrival ``durable`` (and the marks after it) is written; then the
    process dies (``durable < stop``: the rest is lost) or stops cleanly (``durable == stop``)."""
    clock = Clock()
    source = NetworkSource(clock)
    driver = ChatDriver(source, lambda: ChatRuntime(TEAM))
    store = await Store.open(db)
    if resume:  # at once: the wall clock is where it was when the last durable message came
        clock.now = max((arrived for arrived, _ in chat.arrivals[:resumed_at]), default=START)
        driver.resume(await ongoing(store, KEY, clock.now, timedelta(hours=3)))
    recorder = Recorder(db, tag="edchat")
    await recorder.open(TEAM, driver.ongoing, store=store)
    judged: set[str] = set()
    driver.sinks.extend([recorder, lambda message, _: judged.add(message.id) if message is not None else None])
    asked = [m.id for _, m in chat.arrivals[:start] if m.text.startswith("@mshost")]
    kept: list[Marked] = []
    unjudged = stop
    for index in range(start, stop):
        arrived, message = chat.arrivals[index]
        clock.now = max(clock.now, arrived)  # a message sent again is older than now
        driver.feed([message])
        if message.text.startswith("@mshost") and message.id not in asked:
            asked.append(message.id)
        taken: list[Marked] = []
        if index >= marks_from:
            _take_marks(driver, chat, chat.messages.index(message), asked, taken)
        if index < durable:
            kept.extend(taken)
        if index + 1 == durable:
            await recorder.settled()
            unjudged = next((i for i in range(start, durable) if chat.arrivals[i][1].id not in judged), durable)
    if durable < stop:  # killed: the writer never runs again, nothing more is written

        async def lost() -> None:
            return None

        assert recorder._log is not None
        recorder._log._flush = lost  # type: ignore[method-assign]
        await recorder._log.stop()
    else:
        driver.flush()  # a clean stop judges what still waits
        await recorder.close()
    await store.close()
    return kept, unjudged


def _reference(chat: Chat, marks: list[Marked]) -> Ledger:
    events, _ = run_marked(ChatRuntime(TEAM), chat.messages, marks)
    return Ledger().apply_all(events)


async def _stored(db: Path) -> Ledger:
    ledger = Ledger()
    async with await Store.open(db) as store:
        await settle(store, START + timedelta(days=2))
        for summary in await store.session_summaries():
            ledger.merge(await store.session_ledger(KEY, str(summary["start"]), str(summary["end"])))
    return ledger


def _verdicts(ledger: Ledger) -> dict[str, tuple[str, str | None, str | None]]:
    return {ball.id: (ball.status.value, ball.answered_by, ball.claimed_by) for ball in ledger}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chat=chats(), data=st.data())
def test_the_stored_ledger_after_a_crash_and_a_restart_is_the_file_orders(chat: Chat, data: st.DataObject) -> None:
    n = len(chat.messages)
    crash = data.draw(st.integers(1, n), label="crash after message")
    durable = data.draw(st.integers(0, crash), label="written by then")
    back = data.draw(st.integers(0, 3), label="sent again from before the cursor")

    async def scenario(db: Path) -> tuple[Ledger, Ledger]:
        first, unjudged = await _live_run(db, chat, 0, crash, durable, resume=False)
        # The restart takes the marks from the crash on (those of the lost moments are lost).
        second, _ = await _live_run(db, chat, max(0, min(durable - back, unjudged)), n, n, resume=True,
                                    marks_from=crash, resumed_at=crash)
        return await _stored(db), _reference(chat, [*first, *second])

    with tempfile.TemporaryDirectory() as folder:
        # A hang (a write never acknowledged) is a failure, not a stuck suite.
        stored, reference = asyncio.run(asyncio.wait_for(scenario(Path(folder) / "chat.db"), 30))
    assert _verdicts(stored) == _verdicts(reference)
