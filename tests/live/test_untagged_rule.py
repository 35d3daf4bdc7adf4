"""One rule for untagged mentions of the host on both networks: the same chat, posted on Mastodon
and on Bluesky, keeps the same untagged posts (an ``A1: … cc @host`` with no reply link on both;
a stranger's question about something else on neither)."""

from __future__ import annotations

import asyncio

from chatmod.core.models import Message
from chatmod.sources.base import SourceItem
from tests.live.jetstream_server import FakeJetstream, post
from tests.live.mastodon_server import reply_to_host, status
from tests.live.test_jetstream_source import _source as _jetstream_source
from tests.live.test_mastodon_source import _host_server, _messages, _until
from tests.live.test_mastodon_source import _source as _mastodon_source

T, S = 1_780_000_000_000_000, 1_000_000
HOST, BOB, NEWCOMER, STRANGER = "did:plc:host", "did:plc:bob", "did:plc:newcomer", "did:plc:stranger"
KEPT = ["q1", "bob-a1", "cc-host", "bob-thanks", "reply-q1", "last"]
"""Left out: the stranger's question about a webinar (no reply, no A/Q form, not in the chat)."""


async def test_mastodon_keeps_the_untagged_mentions_the_rule_finds_the_chats() -> None:
    async with _host_server() as server:
        source = _mastodon_source(server, team=["host"])
        await source.start()
        await asyncio.wait_for(server.subscribed.wait(), 10)
        await asyncio.wait_for(server.notifying.wait(), 10)
        question = status("q1", "Q1 What do you read?", author="host")
        mention = [{"id": "id-host", "username": "host", "acct": "host", "url": "https://example.social/@host"}]
        await server.update(question, "EdChat")
        await server.update(status("bob-a1", "A1 poetry", author="bob"), "EdChat")
        await server.mention(status("cc-host", "A1: novels, cc @host", tag=None, author="newcomer", mentions=mention))
        await server.mention(status("webinar", "@host when is your next webinar?", tag=None, author="stranger",
                                    mentions=mention))
        await server.mention(status("bob-thanks", "@host loved this one", tag=None, author="bob", mentions=mention))
        await server.mention(reply_to_host("reply-q1", "I agree", question, author="stranger"))
        await server.update(status("last", "bye"), "EdChat")
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: "last" in [m.id for m in _messages(s)])
        assert [m.id for m in _messages(seen)] == KEPT
        assert source.elsewhere == 1
        await source.close()


async def test_bluesky_keeps_the_same_untagged_posts() -> None:
    host = (("host.bsky.social", HOST),)
    async with FakeJetstream() as server:
        source = _jetstream_source(server)
        await source.start()
        await asyncio.wait_for(server.connected.wait(), 10)
        server.publish(
            post(HOST, "q1", "Q1 What do you read? #EdChat", T + 1 * S),
            post(BOB, "bob-a1", "A1 poetry #EdChat", T + 2 * S),
            post(NEWCOMER, "cc-host", "A1: novels, cc @host.bsky.social", T + 3 * S, mentions=host),
            post(STRANGER, "webinar", "@host.bsky.social when is your next webinar?", T + 4 * S, mentions=host),
            post(BOB, "bob-thanks", "@host.bsky.social loved this one", T + 5 * S, mentions=host),
            post(STRANGER, "reply-q1", "@host.bsky.social I agree", T + 6 * S, mentions=host,
                 reply_to=f"at://{HOST}/app.bsky.feed.post/q1"),
            post(BOB, "last", "bye #EdChat", T + 7 * S),
        )
        seen: list[SourceItem] = []

        async def collect() -> None:
            while "last" not in _rkeys(seen):
                await source.wait()
                seen.extend(source.poll())

        await asyncio.wait_for(collect(), 10)
        assert _rkeys(seen) == KEPT
        await source.close()


def _rkeys(items: list[SourceItem]) -> list[str]:
    return [i.id.rsplit("/", 1)[1] for i in items if isinstance(i, Message)]
