"""The live Mastodon source against a streaming server on 127.0.0.1 that speaks the real protocol."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from chatmod.core.models import Message, Rejected
from chatmod.formats.base import Deletion
from chatmod.sources.backoff import Backoff
from chatmod.sources.base import ConnectionState, EndOfInput, Link, SourceItem
from chatmod.sources.live_url import JetstreamURL, LiveURLError, MastodonURL, parse_live_url
from chatmod.sources.mastodon import MastodonSource
from chatmod.sources.mastodon_rest import GapError, MastodonREST
from tests.live.mastodon_server import FakeMastodon, reply_to_host, status


def _source(server: FakeMastodon, token: str | None = "good-token", rest_wait: float = 0.01,
            **options: object) -> MastodonSource:
    url = MastodonURL("127.0.0.1", server.port, "EdChat", secure=False)
    rest = MastodonREST(url, token or "", backoff=Backoff(base=rest_wait, cap=rest_wait, floor=rest_wait))
    return MastodonSource(url, token, backoff=Backoff(base=0.02, cap=0.05, floor=0.01), rest=rest,
                          **options)  # type: ignore[arg-type]


async def _until(source: MastodonSource, seen: list[SourceItem], done: Callable[[list[SourceItem]], bool]) -> None:
    async def collect() -> None:
        while not done(seen):
            await source.wait()
            seen.extend(source.poll())

    await asyncio.wait_for(collect(), timeout=10)


def _links(items: list[SourceItem]) -> list[Link]:
    return [i.link for i in items if isinstance(i, ConnectionState)]


def _messages(items: list[SourceItem]) -> list[Message]:
    return [i for i in items if isinstance(i, Message)]


async def test_updates_edits_and_deletions_arrive_as_items() -> None:
    async with FakeMastodon() as server:
        source = _source(server)
        await source.start()
        await asyncio.wait_for(server.subscribed.wait(), 10)
        request = server.requests[-1]
        # The token travels in the header, never in the URL (where logs would keep it).
        assert request.headers["Authorization"] == "Bearer good-token"
        assert request.path == "/api/v1/streaming?stream=hashtag&tag=EdChat" and "good-token" not in request.path
        await server.update(status("1", "@host what now?"), "EdChat")
        await server.update(status("1", "@host what now, really?", edited_at="2026-12-03T18:01:00.000Z"), "EdChat",
                            event="status.update")
        await server.delete("1", "EdChat")
        await server.raw('{"stream":["user"],"event":"filters_changed"}')
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: any(isinstance(i, Deletion) for i in s))
        first, edit = _messages(seen)
        assert (first.id, first.author, first.edited) == ("1", "bob", False)
        assert "what now, really?" in edit.text and edit.edited
        assert _links(seen)[:2] == [Link.CONNECTING, Link.LIVE]
        await source.close()
        assert isinstance(source.poll()[-1], EndOfInput)


async def test_a_refused_token_stops_at_once_and_names_the_setting() -> None:
    async with FakeMastodon() as server:
        source = _source(server, token="expired")
        await source.start()
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: any(isinstance(i, EndOfInput) for i in s))
        failed = [i for i in seen if isinstance(i, ConnectionState) and i.link is Link.FAILED]
        assert len(failed) == 1 and "401" in failed[0].detail and "--token or CHATMOD_TOKEN" in failed[0].detail
        assert "expired" not in failed[0].detail
        await asyncio.sleep(0.2)
        assert len(server.requests) == 1  # no retry storm
        await source.close()


async def test_without_a_token_it_says_so_before_connecting() -> None:
    async with FakeMastodon() as server:
        source = _source(server, token=None)
        await source.start()
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: any(isinstance(i, EndOfInput) for i in s))
        assert "need a user token" in (source.failure or "") and server.requests == []
        await source.close()


async def test_a_reset_mid_stream_reconnects_and_goes_on() -> None:
    async with FakeMastodon() as server:
        source = _source(server)
        await source.start()
        await asyncio.wait_for(server.subscribed.wait(), 10)
        await server.update(status("1", "before"), "EdChat")
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: len(_messages(s)) == 1)
        server.subscribed.clear()
        server.reset()  # no close frame
        await asyncio.wait_for(server.subscribed.wait(), 10)
        await server.update(status("2", "after"), "EdChat")
        await _until(source, seen, lambda s: len(_messages(s)) == 2 and Link.GAP_FILLED in _links(s))
        assert _links(seen) == [Link.CONNECTING, Link.LIVE, Link.RECONNECTING, Link.CONNECTING, Link.LIVE,
                                Link.GAP_FILLED]
        reconnecting = next(i for i in seen if isinstance(i, ConnectionState) and i.link is Link.RECONNECTING)
        assert "connection lost" in reconnecting.detail and "again in" in reconnecting.detail
        await source.close()


async def test_an_unavailable_server_is_retried_with_backoff() -> None:
    async with FakeMastodon(status_for_upgrade=503) as server:
        source = _source(server)
        await source.start()
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: _links(s).count(Link.RECONNECTING) >= 2)
        assert "HTTP 503" in next(i.detail for i in seen if isinstance(i, ConnectionState) and i.link is Link.RECONNECTING)
        server.status_for_upgrade = None
        await asyncio.wait_for(server.subscribed.wait(), 10)
        await _until(source, seen, lambda s: Link.LIVE in _links(s))
        await source.close()


async def test_oversized_and_malformed_frames_are_counted_and_the_link_stays() -> None:
    async with FakeMastodon() as server:
        source = _source(server, max_frame=4096)
        await source.start()
        await asyncio.wait_for(server.subscribed.wait(), 10)
        await server.update(status("1", "x" * 10_000), "EdChat")
        await server.raw(json.dumps({"event": "update", "payload": "é" * 3000}, ensure_ascii=False))  # 3,000 chars, 6,000 bytes
        await server.raw("{not json")
        await server.raw('{"stream":["hashtag","EdChat"],"event":"update","payload":"{broken"}')
        await server.update(status("2", "still here"), "EdChat")
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: len(_messages(s)) == 1)
        reasons = [i.reason for i in seen if isinstance(i, Rejected)]
        assert reasons == ["frame over 4,096 bytes", "frame over 4,096 bytes", "frame is not JSON",
                           "update payload is not valid JSON"]
        assert source.rejected == 4 and _messages(seen)[0].id == "2"
        assert Link.RECONNECTING not in _links(seen)
        await source.close()


async def test_a_subscription_the_server_refuses_is_a_failure_not_a_loop() -> None:
    async with FakeMastodon() as server:
        url = MastodonURL("127.0.0.1", server.port, "", secure=False)  # parse_live_url never makes this
        source = MastodonSource(url, "good-token", backoff=Backoff(base=0.02, cap=0.05, floor=0.01))
        await source.start()
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: any(isinstance(i, EndOfInput) for i in s))
        assert "Missing tag name parameter" in (source.failure or "") and len(server.requests) == 1
        await source.close()


# -- filling the gap a break leaves ---------------------------------------------------------------


def _states(items: list[SourceItem], link: Link) -> list[str]:
    return [i.detail for i in items if isinstance(i, ConnectionState) and i.link is link]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _break(server: FakeMastodon, source: MastodonSource, seen: list[SourceItem],
                 while_down: list[str], rest_failures: tuple[int, ...] = (), at: str | None = None) -> None:
    """Reset the stream, post ``while_down`` (at ``at``, or status()'s default time) while the
    client cannot connect, then let it back."""
    server.status_for_upgrade = 503
    server.subscribed.clear()
    server.reset()
    await _until(source, seen, lambda s: Link.RECONNECTING in _links(s))
    for ident in while_down:
        extra = {"created_at": at} if at is not None else {}
        server.post(status(ident, f"missed {ident}", "EdChat", **extra))
    server.rest_failures = list(rest_failures)
    server.status_for_upgrade = None
    await asyncio.wait_for(server.subscribed.wait(), 10)


async def test_a_break_is_filled_from_the_timeline_in_order_and_once() -> None:
    async with FakeMastodon() as server:
        server.post(status("0", "posted before the run", "EdChat", created_at="2026-12-03T17:00:00.000Z"))
        source = _source(server, rest_wait=0.3)
        await source.start()
        await asyncio.wait_for(server.subscribed.wait(), 10)
        await server.update(status("1", "first"), "EdChat")
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: len(_messages(s)) == 1)
        # The fill's first page fails once, so the stream runs ahead of it: what it brings is held.
        await _break(server, source, seen, [str(i) for i in range(2, 102)], rest_failures=(503,))
        await server.update(status("101", "missed 101"), "EdChat")  # filled *and* streamed
        await server.update(status("102", "said while the gap fills"), "EdChat")  # the same
        await server.delete("1", "EdChat")
        await _until(source, seen, lambda s: any(isinstance(i, Deletion) for i in s))
        ids = [m.id for m in _messages(seen)]
        assert ids == [str(i) for i in range(1, 103)]  # nothing lost, nothing twice, in order
        assert [type(i).__name__ for i in seen if not isinstance(i, ConnectionState)][-1] == "Deletion"
        assert _states(seen, Link.GAP_FILLED) == ["101 messages"] and source.repeats == 2
        fills = [r.path for r in server.rest_requests]
        # The first catch-up: one page (all of it older than the run). The break's: 503, then back
        # from the newest, 40 a page, to a status older than the last one seen less the margin.
        assert len(fills) == 5 and all("min_id" not in p and "limit=40" in p for p in fills)
        assert sum("max_id=" in p for p in fills) == 2
        assert source.cursor == "102"
        await source.close()


async def test_a_break_before_any_status_fills_from_where_the_stream_started() -> None:
    async with FakeMastodon() as server:
        server.post(status("7", "yesterday's chat", "EdChat"))
        source = _source(server)
        await source.start()
        await asyncio.wait_for(server.subscribed.wait(), 10)
        seen: list[SourceItem] = []
        async with asyncio.timeout(10):
            while not server.rest_requests:  # the first catch-up: nothing since the run began
                await asyncio.sleep(0.01)
        await _break(server, source, seen, ["8", "9"], at=_now())
        await _until(source, seen, lambda s: Link.GAP_FILLED in _links(s))
        assert [m.id for m in _messages(seen)] == ["8", "9"]
        await source.close()


async def test_a_resumed_run_fills_from_its_stored_cursor() -> None:
    async with FakeMastodon() as server:
        for ident in range(1, 11):
            server.post(status(str(ident), f"status {ident}", "EdChat"))
        server.post(status("11", "another tag", "OtherChat"))
        source = _source(server, resume_after="5")
        await source.start()
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: Link.GAP_FILLED in _links(s))
        assert [m.id for m in _messages(seen)] == ["6", "7", "8", "9", "10"]
        assert _states(seen, Link.GAP_FILLED) == ["5 messages"]
        await source.close()


async def test_the_fill_stays_inside_the_rate_limit_and_waits_for_its_reset() -> None:
    async with FakeMastodon(limit=2, allowance=2, reset_after=0.4) as server:
        for ident in range(1, 91):
            server.post(status(str(ident), f"status {ident}", "EdChat"))
        server.rest_failures = [429]  # and one 429 the client did not see coming
        source = _source(server, resume_after="0")
        await source.start()
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: Link.GAP_FILLED in _links(s))
        assert [m.id for m in _messages(seen)] == [str(i) for i in range(1, 91)]
        assert server.refused_for_rate == 0  # it waited for X-RateLimit-Reset instead of asking
        await source.close()


async def test_a_gap_that_cannot_be_filled_is_said_with_its_span_and_the_chat_goes_on() -> None:
    async with FakeMastodon() as server:
        source = _source(server)
        await source.start()
        await asyncio.wait_for(server.subscribed.wait(), 10)
        await server.update(status("1", "first", created_at="2026-12-03T18:00:00.000Z"), "EdChat")
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: len(_messages(s)) == 1)
        await _break(server, source, seen, ["2"], rest_failures=(401,))
        await server.update(status("3", "back", created_at="2026-12-03T18:05:00.000Z"), "EdChat")
        await _until(source, seen, lambda s: len(_messages(s)) == 2)
        (gap,) = _states(seen, Link.GAP)
        assert "between 18:00:00 and 18:05:00 UTC are missing" in gap and "refused the token" in gap
        assert [m.id for m in _messages(seen)] == ["1", "3"] and Link.FAILED not in _links(seen)
        await source.close()


def _host_server() -> FakeMastodon:
    server = FakeMastodon()
    server.accounts["good-token"] = {"id": "id-host", "username": "host", "acct": "host", "display_name": "Host"}
    return server


async def test_untagged_replies_to_the_chat_are_caught_from_the_hosts_mentions() -> None:
    async with _host_server() as server:
        source = _source(server, team=["host", "cohost"])
        await source.start()
        await asyncio.wait_for(server.subscribed.wait(), 10)
        await asyncio.wait_for(server.notifying.wait(), 10)
        question = status("10", "Q1 What do you read?", author="host")
        await server.update(question, "EdChat")
        await server.mention(reply_to_host("11", "A1 novels, mostly", question))  # no hashtag
        await server.mention(status("12", "@host lunch tomorrow?", tag=None, author="dan",
                                    in_reply_to_id="999"))  # another conversation: not the chat's
        tagged = reply_to_host("13", "A1 poetry", question, tag="EdChat")
        await server.update(tagged, "EdChat")
        await server.mention(tagged)  # both streams bring it
        await server.mention(reply_to_host("14", "nice", question), kind="favourite")
        await server.update(status("15", "last"), "EdChat")
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: "15" in [m.id for m in _messages(s)])
        messages = _messages(seen)
        assert [(m.id, m.untagged) for m in messages] == [("10", False), ("11", True), ("13", False), ("15", False)]
        assert messages[1].reply_to_id == "10" and messages[1].author == "carol"
        assert source.untagged == 1 and source.elsewhere == 1 and source.repeats == 1
        assert _states(seen, Link.LIVE) == ["127.0.0.1, following @host's mentions"]
        await source.close()


async def test_mentions_missed_in_a_break_are_filled_among_the_chats_statuses() -> None:
    async with _host_server() as server:
        source = _source(server, team=["host"])
        await source.start()
        await asyncio.wait_for(server.notifying.wait(), 10)
        question = status("20", "Q2 Why?", author="host")
        await server.update(question, "EdChat")
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: len(_messages(s)) == 1)
        async with asyncio.timeout(10):  # it asked where the mentions stand (none yet)
            while not any(r.path.startswith("/api/v1/notifications") for r in server.rest_requests):
                await asyncio.sleep(0.01)
        server.notifying.clear()
        # Never streamed: only the notifications endpoint knows them.
        await server.mention(reply_to_host("22", "A2 because", question), stream=False)
        await server.mention(status("24", "@host elsewhere", tag=None, author="dan"), stream=False)
        await _break(server, source, seen, ["21", "23"])
        await _until(source, seen, lambda s: Link.GAP_FILLED in _links(s))
        assert [(m.id, m.untagged) for m in _messages(seen)] == [
            ("20", False), ("21", False), ("22", True), ("23", False)]
        assert _states(seen, Link.GAP_FILLED) == ["3 messages"]
        asked = [r.path for r in server.rest_requests if r.path.startswith("/api/v1/notifications")]
        assert asked and all("types%5B%5D=mention" in p for p in asked)
        await asyncio.wait_for(server.notifying.wait(), 10)  # subscribed again on the new socket
        await server.mention(reply_to_host("25", "A2 also", question))
        await _until(source, seen, lambda s: "25" in [m.id for m in _messages(s)])
        await source.close()


async def test_a_resumed_run_finds_the_mentions_it_missed_and_knows_the_stored_chat() -> None:
    async with _host_server() as server:
        question = status("10", "Q1 What do you read?", author="host")
        server.post(question)
        # Before the stored cursor: the first run had these.
        await server.mention(reply_to_host("8", "an old reply", question), stream=False)
        # While no run was reading: 45 mentions elsewhere (more than a page), then the chat's.
        for n in range(45):
            await server.mention(status(str(11 + n), "@host hi", tag=None, author="dan", in_reply_to_id="999"),
                                 stream=False)
        await server.mention(reply_to_host("60", "A1 novels (no tag)", question), stream=False)
        server.post(status("61", "A1 poetry"))
        source = _source(server, team=["host"], resume_after="10")
        source.recall(["9", "10"])  # what the database holds of the chat
        await source.start()
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: Link.GAP_FILLED in _links(s))
        assert [(m.id, m.untagged) for m in _messages(seen)] == [("60", True), ("61", False)]
        assert source.elsewhere == 45
        # Where the mentions stand now: the next break asks from the newest one seen.
        await asyncio.wait_for(server.notifying.wait(), 10)
        await server.mention(reply_to_host("62", "A1 also", question))
        await _until(source, seen, lambda s: "62" in [m.id for m in _messages(s)])
        await source.close()


async def test_a_token_of_someone_else_follows_the_hashtag_only() -> None:
    async with FakeMastodon() as server:  # the token is "someone"'s, not the host's
        source = _source(server, team=["host"])
        await source.start()
        await asyncio.wait_for(server.subscribed.wait(), 10)
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: Link.LIVE in _links(s))
        assert source.account == "someone" and source.mentions is False
        assert not server.notified and _states(seen, Link.LIVE) == ["127.0.0.1"]
        await source.close()


async def test_rest_pages_follow_mastodon_paging() -> None:
    async with FakeMastodon() as server:
        for ident in (5, 9, 10, 100):
            server.post(status(str(ident), "x", "EdChat"))
        url = MastodonURL("127.0.0.1", server.port, "edchat", secure=False)
        async with MastodonREST(url, "good-token") as rest:
            assert await rest.newest(rest.tag_path()) == "100"  # ids compare as numbers, not text
            pages = [[e["id"] for e in page] async for page in rest.after(rest.tag_path(), "5")]
        assert pages == [["9", "10", "100"]]
        async with MastodonREST(url, "bad-token") as rest:
            with pytest.raises(GapError, match="refused the token"):
                await rest.newest(rest.tag_path())


# -- the URL forms -----------------------------------------------------------------------------


def test_live_urls_name_host_port_and_tag() -> None:
    assert parse_live_url("mastodon://example.social/EdChat") == MastodonURL("example.social", None, "EdChat")
    local = parse_live_url("mastodon+ws://127.0.0.1:4000/edchat")
    assert local == MastodonURL("127.0.0.1", 4000, "edchat", secure=False)
    assert local.streaming() == "ws://127.0.0.1:4000/api/v1/streaming?stream=hashtag&tag=edchat"  # type: ignore[union-attr]
    assert parse_live_url("jetstream://jetstream2.us-east.bsky.network?tag=edchat") == JetstreamURL(
        "jetstream2.us-east.bsky.network", None, "edchat")


@pytest.mark.parametrize(("url", "says"), [
    ("mastodon://example.social/", "name one hashtag"),
    ("mastodon://example.social/a/b", "name one hashtag"),
    ("mastodon://user:secret@example.social/tag", "no user or token in the URL"),
    ("mastodon://example.social/tag?access_token=x", "without ?query"),
    ("jetstream://host", "name one hashtag"),
    ("jetstream://host?tag=a&tag=b", "name one hashtag"),
    ("mastodon://example.social:99999/tag", "not a usable URL"),
    ("gopher://x/y", "a live source is"),
])
def test_unusable_live_urls_say_why(url: str, says: str) -> None:
    with pytest.raises(LiveURLError, match=says.replace("?", r"\?")):
        parse_live_url(url)


async def test_a_50k_flood_to_a_consumer_that_lags_waits_outside_the_process() -> None:
    count = 50_000
    frames = [json.dumps({"stream": ["hashtag", "EdChat"], "event": "update",
                          "payload": json.dumps(status(str(n), f"flood {n}"))}) for n in range(1, count + 1)]
    async with FakeMastodon() as server:
        source = _source(server)
        source.high_water = 2_000
        await source.start()
        await asyncio.wait_for(server.subscribed.wait(), 10)
        async with asyncio.timeout(10):
            while source.catching_up:  # what was posted before it subscribed: nothing here
                await asyncio.sleep(0.01)

        async def flood() -> None:
            for frame in frames:
                await server.live.send(frame)

        sending = asyncio.create_task(flood())
        await asyncio.sleep(1.0)  # the consumer is busy elsewhere for a second
        # The reader stopped at the mark: the rest waits in the socket (kernel and server buffers).
        assert source.most_held == source.high_water and source.frames <= source.high_water
        ids: list[str] = []
        async with asyncio.timeout(60):
            while len(ids) < count:
                await source.wait()
                ids.extend(item.id for item in source.poll(500) if isinstance(item, Message))
        await sending
        assert ids == [str(n) for n in range(1, count + 1)]  # every one, once, in order
        assert source.most_held <= source.high_water and source.frames == count
        await source.close()


async def test_a_half_open_link_is_found_by_its_unanswered_pings_and_replaced() -> None:
    async with FakeMastodon() as server:
        # The defaults (a ping every 15 s, 10 s for its pong, 5 s for the close) give up on it
        # within 30 s; here, faster.
        source = _source(server, ping_interval=0.2, ping_timeout=0.3, close_timeout=0.3)
        await source.start()
        await asyncio.wait_for(server.subscribed.wait(), 10)
        server.subscribed.clear()
        server.go_silent()
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: Link.RECONNECTING in _links(s))
        assert _states(seen, Link.RECONNECTING)[0].startswith("the link went silent (no answer to keepalive pings)")
        await asyncio.wait_for(server.subscribed.wait(), 10)  # a new connection
        await server.update(status("1", "after the silence"), "EdChat")
        await _until(source, seen, lambda s: len(_messages(s)) == 1)
        await source.close()
