"""The Mastodon source against a server that behaves as real ones do: posting starts before the
client subscribes, statuses federate late (older ids arriving later), a catch-up fails for a
while, connections drop often."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from chatmod.sources import mastodon
from chatmod.sources.backoff import Backoff
from chatmod.sources.base import Link, SourceItem
from chatmod.sources.mastodon import MastodonSource
from tests.live.mastodon_server import FakeMastodon, reply_to_host, status
from tests.live.test_mastodon_source import (
    _break,
    _host_server,
    _links,
    _messages,
    _source,
    _states,
    _until,
)


def _at(seconds: float) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _caught_up(source: MastodonSource) -> None:
    async with asyncio.timeout(10):
        while source.connections == 0 or source.catching_up:
            await asyncio.sleep(0.01)


async def test_what_was_posted_while_the_stream_was_being_set_up_is_read_once_in_order() -> None:
    async with _host_server() as server:
        server.post(status("1", "last week's chat", created_at=_at(-7 * 86400)))
        source = _source(server, team=["host"])
        await source.start()
        # The chat is already going when the connection opens: these are in no stream.
        question = status("10", "Q1 What do you read?", author="host", created_at=_at(0))
        server.post(question)
        await server.mention(reply_to_host("11", "A1 novels (no tag)", question) | {"created_at": _at(1)},
                             stream=False)
        server.post(status("12", "A1 poetry", created_at=_at(2)))
        await asyncio.wait_for(server.subscribed.wait(), 10)
        await asyncio.wait_for(server.notifying.wait(), 10)
        await _caught_up(source)
        await server.update(status("13", "A1 plays", created_at=_at(3)), "EdChat")
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: "13" in [m.id for m in _messages(s)])
        assert [(m.id, m.untagged) for m in _messages(seen)] == [
            ("10", False), ("11", True), ("12", False), ("13", False)]
        assert _states(seen, Link.GAP_FILLED) == ["3 messages"]
        await source.close()


async def test_a_status_that_federates_late_with_an_older_id_is_still_found() -> None:
    async with FakeMastodon() as server:
        source = _source(server)
        await source.start()
        await asyncio.wait_for(server.subscribed.wait(), 10)
        await _caught_up(source)
        await server.update(status("500", "A1 from here", created_at=_at(0)), "EdChat")
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: len(_messages(s)) == 1)
        server.status_for_upgrade = 503
        server.subscribed.clear()
        server.reset()
        await _until(source, seen, lambda s: Link.RECONNECTING in _links(s))
        # Posted elsewhere a moment before 500, it reached this server only now: its id (from its
        # published time) is below every id already seen.
        server.post(status("499", "A1 from a remote server", author="remy", created_at=_at(-1)))
        server.post(status("501", "A1 later", created_at=_at(2)))
        server.status_for_upgrade = None
        await _until(source, seen, lambda s: Link.GAP_FILLED in _links(s))
        assert sorted(m.id for m in _messages(seen)) == ["499", "500", "501"]
        assert source.cursor == "501"
        await source.close()


async def test_a_catch_up_that_fails_is_tried_again_and_the_cursor_waits_before_the_gap() -> None:
    async with FakeMastodon() as server:
        source = _source(server, gap_backoff=Backoff(base=0.3, cap=0.3, floor=0.3, rand=lambda: 1.0))
        await source.start()
        await asyncio.wait_for(server.subscribed.wait(), 10)
        await _caught_up(source)
        await server.update(status("1", "first", created_at=_at(0)), "EdChat")
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: len(_messages(s)) == 1)
        stored_before = source.resume_point(_messages(seen))
        # Four failures make one catch-up give up; eight make the next one give up too.
        await _break(server, source, seen, ["2", "3"], rest_failures=(503,) * 8, at=_at(1))
        await server.update(status("4", "the stream goes on", created_at=_at(2)), "EdChat")
        await _until(source, seen, lambda s: "4" in [m.id for m in _messages(s)])
        (gap,) = _states(seen, Link.GAP)
        assert "not filled yet" in gap and "HTTP 503" in gap
        # A restart now must read the gap: the cursor stays before it, whatever came since.
        assert source.resume_point(_messages(seen)) == stored_before
        await _until(source, seen, lambda s: Link.GAP_FILLED in _links(s))
        assert sorted(m.id for m in _messages(seen)) == ["1", "2", "3", "4"]  # each once
        assert _states(seen, Link.GAP_FILLED) == ["2 messages (late: posted while the gap was open)"]
        assert source.resume_point(_messages(seen)).startswith("4@")  # type: ignore[union-attr]
        await source.close()


@pytest.mark.parametrize("stays_up, attempts", [(0.0, 1), (3600.0, 3)])
async def test_the_reconnect_wait_starts_short_again_once_a_connection_held(
        monkeypatch: pytest.MonkeyPatch, stays_up: float, attempts: int) -> None:
    monkeypatch.setattr(mastodon, "STABLE", stays_up)
    async with FakeMastodon() as server:
        source: MastodonSource = _source(server)
        await source.start()
        seen: list[SourceItem] = []
        for _ in range(3):
            await asyncio.wait_for(server.subscribed.wait(), 10)
            server.subscribed.clear()
            before = len(_states(seen, Link.RECONNECTING))
            server.reset()
            await _until(source, seen, lambda s, n=before: len(_states(s, Link.RECONNECTING)) > n)  # type: ignore[misc]
        # Held for long enough each time: every wait is the first, short one again.
        assert source._backoff.attempt == attempts
        await source.close()
