"""The driver's actor interface: an action is acknowledged once durable, or refused with a reason."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from chatmod.core.ledger import LedgerError, Refusal
from chatmod.core.runtime import Action, ChatRuntime
from chatmod.run.driver import ChatDriver
from chatmod.run.record import Recorder
from chatmod.sources.replay import ReplaySource
from chatmod.store import StoreError
from tests.conftest import chat
from tests.tui.conftest import ROWS, TEAM, Wall


async def _driver(db: Path) -> tuple[ChatDriver, Recorder]:
    messages = chat(ROWS[:6])
    driver = ChatDriver(ReplaySource(lambda: list(messages), speed=60.0, wall=Wall()), lambda: ChatRuntime(TEAM))
    recorder = Recorder(db, tag="edchat")
    await recorder.open(TEAM)
    driver.sinks.append(recorder)
    driver.feed(messages)
    return driver, recorder


def _marks(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT ball_id, kind, by FROM ledger_events WHERE origin = 'moderator' ORDER BY seq").fetchall()


async def test_an_action_is_acknowledged_only_once_it_is_in_the_database(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    driver, recorder = await _driver(db)
    try:
        event = await driver.submit(Action.CLAIM, "b1", "sam")
        assert event.ball_id == "b1" and _marks(db) == [("b1", "claimed", "sam")]  # another reader sees it
        version = driver.runtime.ball("b1").version  # type: ignore[union-attr]
        await driver.submit(Action.ANSWERED, "b1", "sam", seen=version)
        assert _marks(db)[-1] == ("b1", "answered", "sam")
    finally:
        await recorder.close()


async def test_a_refused_action_says_why_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    driver, recorder = await _driver(db)
    try:
        await driver.submit(Action.CLAIM, "b1", "sam")
        with pytest.raises(LedgerError, match="claimed by sam") as held:
            await driver.submit(Action.CLAIM, "b1", "ann")
        assert held.value.refusal is Refusal.HELD
        with pytest.raises(LedgerError) as stale:
            await driver.submit(Action.DISMISS, "b1", "ann", seen=1)  # ann saw it before sam's claim
        assert stale.value.refusal is Refusal.CHANGED and stale.value.ball.claimed_by == "sam"  # type: ignore[union-attr]
        assert _marks(db) == [("b1", "claimed", "sam")]
    finally:
        await recorder.close()


async def test_an_action_the_database_cannot_take_yet_is_not_acknowledged_and_is_kept(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    driver, recorder = await _driver(db)
    store = recorder._store
    assert store is not None
    real_write = store.write
    failures = [StoreError(f"{db}: the disk is full")]

    async def flaky(*args: object, **batch: object) -> tuple[int, int]:
        if failures:
            raise failures.pop()
        return await real_write(*args, **batch)  # type: ignore[arg-type]

    store.write = flaky  # type: ignore[method-assign]
    try:
        with pytest.raises(StoreError, match="disk is full"):
            await driver.submit(Action.DISMISS, "c1", "sam")
        assert _marks(db) == []
        await driver.durable()  # the next write takes what the failed one held
        assert _marks(db) == [("c1", "dismissed", "sam")]
    finally:
        await recorder.close()
