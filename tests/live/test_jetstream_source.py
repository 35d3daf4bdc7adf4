"""The live Jetstream source against a server on 127.0.0.1 that speaks Jetstream v1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from chatmod.core.models import Message, Rejected
from chatmod.formats.base import Deletion
from chatmod.sources.backoff import Backoff
from chatmod.sources.base import ConnectionState, Link, SourceItem
from chatmod.sources.jetstream import JetstreamSource, time_us
from chatmod.sources.live_url import JetstreamURL
from tests.live.jetstream_server import FakeJetstream, delete, identity, post, repost

T = 1_780_000_000_000_000  # 2026-05-28, in microseconds
S = 1_000_000
HOST = "did:plc:host"
BOB, CAROL = "did:plc:bob", "did:plc:carol"


def _source(server: FakeJetstream, **options: object) -> JetstreamSource:
    url = JetstreamURL("127.0.0.1", server.port, "EdChat", secure=False)
    return JetstreamSource(url, team_dids={HOST}, backoff=Backoff(base=0.02, cap=0.05, floor=0.01),
                           **options)  # type: ignore[arg-type]


async def _until(source: JetstreamSource, seen: list[SourceItem], done: Callable[[list[SourceItem]], bool]) -> None:
    async def collect() -> None:
        while not done(seen):
            await source.wait()
            seen.extend(source.poll())

    await asyncio.wait_for(collect(), timeout=10)


def _ids(items: list[SourceItem]) -> list[str]:
    return [i.id.rsplit("/", 1)[1] for i in items if isinstance(i, Message)]


def _states(items: list[SourceItem], link: Link) -> list[str]:
    return [i.detail for i in items if isinstance(i, ConnectionState) and i.link is link]


async def test_the_chat_is_picked_out_of_every_post_by_tag_facet_tags_text_and_the_host_team() -> None:
    untagged_text = post(BOB, "text-only", "what a chat #edchat", T + 3 * S)
    del untagged_text["commit"]["record"]["facets"]  # a client that writes no facets
    like = {"did": BOB, "time_us": T + 9 * S, "kind": "commit", "commit": {
        "rev": "3a", "operation": "create", "collection": "app.bsky.feed.like", "rkey": "like",
        "record": {"subject": {"uri": f"at://{HOST}/app.bsky.feed.post/q1"}}}}
    async with FakeJetstream() as server:
        source = _source(server)
        await source.start()
        await asyncio.wait_for(server.connected.wait(), 10)
        assert "wantedCollections=app.bsky.feed.post" in server.requests[-1].path
        assert "cursor" not in server.requests[-1].path  # a first run starts at the live tail
        server.publish(
            post(HOST, "q1", "Q1: what do you teach? #EdChat", T + 1 * S),
            post(BOB, "facet", "A1 maths #EDCHAT", T + 2 * S),
            untagged_text,
            post(CAROL, "tags-only", "A1 art", T + 4 * S, tags=("EdChat",)),
            post(CAROL, "other", "lunch time #food", T + 5 * S),
            post(CAROL, "near", "see #edchatter", T + 6 * S),
            post(BOB, "to-host", "@host.bsky.social how do you plan?", T + 7 * S, mentions=(("host.bsky.social", HOST),)),
            post(CAROL, "reply-host", "I agree", T + 8 * S, reply_to=f"at://{HOST}/app.bsky.feed.post/q1"),
            like,
            post(CAROL, "reply-bob", "me too", T + 10 * S, reply_to=f"at://{BOB}/app.bsky.feed.post/facet"),
            post(HOST, "answer", "every Sunday", T + 11 * S, reply_to=f"at://{BOB}/app.bsky.feed.post/to-host"),
            post(BOB, "last", "bye #edchat", T + 12 * S),
        )
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: "last" in _ids(s))
        assert _ids(seen) == ["q1", "facet", "text-only", "tags-only", "to-host", "reply-host", "answer", "last"]
        untagged = [m.id.rsplit("/", 1)[1] for m in seen if isinstance(m, Message) and m.untagged]
        assert untagged == ["to-host", "reply-host", "answer"]  # kept for the host team, marked
        assert source.cursor == T + 12 * S
        await source.close()


async def test_a_reset_resumes_a_few_seconds_back_and_passes_each_post_once() -> None:
    async with FakeJetstream() as server:
        source = _source(server)
        await source.start()
        await asyncio.wait_for(server.connected.wait(), 10)
        server.publish(*(post(BOB, f"p{i}", f"A{i} #edchat", T + i * S) for i in (1, 2, 3)))
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: len(_ids(s)) == 3)
        server.connected.clear()
        server.reset()
        await _until(source, seen, lambda s: Link.RECONNECTING in [i.link for i in s if isinstance(i, ConnectionState)])
        server.publish(*(post(BOB, f"p{i}", f"A{i} #edchat", T + i * S) for i in (4, 5, 6)))  # while away
        await asyncio.wait_for(server.connected.wait(), 10)
        await _until(source, seen, lambda s: len(_ids(s)) == 6)
        assert f"cursor={T + 3 * S - 5 * S}" in server.requests[-1].path
        assert _ids(seen) == ["p1", "p2", "p3", "p4", "p5", "p6"] and source.repeats == 3
        assert _states(seen, Link.LIVE)[-1].startswith("resumed from")
        assert _states(seen, Link.GAP) == []
        await source.close()


async def test_a_cursor_older_than_the_server_keeps_is_a_gap_with_its_span() -> None:
    recent = time_us(datetime.now(UTC)) - 3600 * S  # the server kept one hour, not the usual 36
    async with FakeJetstream() as server:
        server.publish(*(post(BOB, f"p{i}", f"A{i} #edchat", recent + i * S) for i in (1, 2)))
        source = _source(server, resume_after=str(recent - 2 * 3600 * S))
        await source.start()
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: len(_ids(s)) == 2)
        (gap,) = _states(seen, Link.GAP)
        assert "are missing (2 h 00 min: older than the server keeps)" in gap
        await source.close()


async def test_last_weeks_cursor_starts_live_from_now_and_says_the_hours_it_cannot_refill() -> None:
    week_ago = time_us(datetime.now(UTC) - timedelta(days=7))
    async with FakeJetstream() as server:
        source = _source(server, resume_after=str(week_ago))
        await source.start()
        await asyncio.wait_for(server.connected.wait(), 10)
        assert "cursor=" not in server.requests[-1].path  # not 36 hours of the whole network
        server.publish(post(BOB, "p1", "A1 #edchat", time_us(datetime.now(UTC))))
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: len(_ids(s)) == 1)
        (gap,) = _states(seen, Link.GAP)
        assert gap.startswith("live from now: the 168 h") and "not refilled" in gap
        await source.close()


def test_identity_events_are_kept_only_for_the_people_the_chat_involves() -> None:
    source = JetstreamSource(JetstreamURL("127.0.0.1", 1, "EdChat", secure=False), team_dids={HOST})
    frames = [json.dumps(identity(f"did:plc:someone{n}", f"someone{n}.bsky.social", T + n)) for n in range(20_000)]
    frames += [json.dumps(identity(HOST, "host.bsky.social", T + 20_001)),
               json.dumps(identity(BOB, "bob.bsky.social", T + 20_002)),
               json.dumps(post(BOB, "p1", "A1 #edchat", T + 20_003)),
               json.dumps(identity("did:plc:someone19999", "renamed.bsky.social", T + 20_004))]
    items = [item for frame in frames for item in source.take_frame(frame)]
    # The host's rename and Bob's (he posted just after it) are kept; the network's are not.
    assert sorted(source.learned()) == [(BOB, "bob.bsky.social"), (HOST, "host.bsky.social")]
    assert [m.author for m in items if isinstance(m, Message)] == ["bob.bsky.social"]
    assert len(source.handles.by_did) == 2 and len(source._others) <= 5_000  # bounded, whatever the traffic
    # Every frame moves the cursor, the chat's or not: a restart resumes from the newest.
    assert source.resume_point(()) == str(T + 20_004)


async def test_a_deleted_chat_post_is_marked_and_handles_are_learnt() -> None:
    async with FakeJetstream() as server:
        source = _source(server)
        await source.start()
        await asyncio.wait_for(server.connected.wait(), 10)
        server.publish(identity(BOB, "bob.bsky.social", T),
                       post(BOB, "p1", "A1 #edchat", T + 1 * S),
                       delete(CAROL, "unrelated", T + 2 * S),
                       delete(BOB, "p1", T + 3 * S),
                       post(BOB, "p2", "A2 #edchat", T + 4 * S))
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: "p2" in _ids(s))
        deletions = [i for i in seen if isinstance(i, Deletion)]
        assert [d.id for d in deletions] == [f"at://{BOB}/app.bsky.feed.post/p1"]
        assert next(i for i in seen if isinstance(i, Message)).author == "bob.bsky.social"
        await source.close()


async def test_malformed_and_oversized_frames_are_counted_and_the_link_stays() -> None:
    async with FakeJetstream() as server:
        source = _source(server, max_frame=4096)
        await source.start()
        await asyncio.wait_for(server.connected.wait(), 10)
        server.raw("{not json #edchat")
        server.raw(json.dumps(post(BOB, "huge", "x" * 5000 + " #edchat", T + 1 * S)))
        server.raw(json.dumps({"did": BOB, "time_us": T + 2 * S, "kind": "commit", "commit": {
            "operation": "create", "collection": "app.bsky.feed.post", "rkey": "r", "record": {"text": 5, "tags": ["edchat"]}}}))
        server.publish(post(BOB, "ok", "A1 #edchat", T + 3 * S))
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: "ok" in _ids(s))
        reasons = [i.reason for i in seen if isinstance(i, Rejected)]
        assert reasons == ["frame is not JSON", "frame over 4,096 bytes", "post without text"]
        assert Link.RECONNECTING not in [i.link for i in seen if isinstance(i, ConnectionState)]
        await source.close()


async def test_a_flood_to_a_consumer_that_lags_is_held_back_at_the_high_water_mark() -> None:
    count = 20_000
    async with FakeJetstream() as server:
        source = _source(server)
        source.high_water = 1_000
        await source.start()
        await asyncio.wait_for(server.connected.wait(), 10)
        server.publish(*(post(BOB, f"f{n}", f"A{n % 9} flood #edchat", T + n) for n in range(count)))
        await asyncio.sleep(1.0)  # the consumer is busy elsewhere for a second
        assert source.most_held == source.high_water and source.frames <= source.high_water + 1
        ids: list[str] = []
        async with asyncio.timeout(60):
            while len(ids) < count:
                await source.wait()
                ids.extend(_ids(source.poll(500)))
        assert ids == [f"f{n}" for n in range(count)]  # every one, once, in order
        assert source.most_held <= source.high_water
        await source.close()


async def test_reposts_of_the_chats_posts_are_read_and_the_networks_others_are_not() -> None:
    async with FakeJetstream() as server:
        source = _source(server)
        await source.start()
        await asyncio.wait_for(server.connected.wait(), 10)
        assert "wantedCollections=app.bsky.feed.repost" in server.requests[-1].path
        chat_post = f"at://{HOST}/app.bsky.feed.post/q1"
        server.publish(post(HOST, "q1", "Q1: what are you reading? #edchat", T + 1 * S),
                       repost(CAROL, "r1", chat_post, T + 2 * S),
                       repost(CAROL, "r2", f"at://{BOB}/app.bsky.feed.post/cats", T + 3 * S),  # not the chat's
                       post(BOB, "p2", "A1 poems #edchat", T + 4 * S))
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: "p2" in _ids(s))
        reposts = [m for m in seen if isinstance(m, Message) and m.repost_of is not None]
        assert [(m.author_id, m.repost_of) for m in reposts] == [(CAROL, chat_post)]
        assert _ids(seen) == ["q1", "r1", "p2"]
        await source.close()
