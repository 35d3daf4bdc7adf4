"""Bluesky names: the host team's handles resolved before the stream, participants named in the
background (batched, retried, cached in the database), and a chat that never waits for them."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chatmod.core.handles import HostTeam
from chatmod.core.models import Message
from chatmod.core.text import short_did
from chatmod.formats.jetstream import Handles
from chatmod.ingest import ingest_live, resumed
from chatmod.sources.appview import AppView, AppViewError, RateLimited
from chatmod.sources.backoff import Backoff
from chatmod.sources.base import Link, SourceItem
from chatmod.sources.identities import Identities
from chatmod.sources.jetstream import JetstreamSource
from chatmod.sources.live import open_live, run_live
from chatmod.sources.live_url import JetstreamURL
from chatmod.tui.shown import who
from tests.live.appview_server import FakeAppView
from tests.live.jetstream_server import FakeJetstream, post
from tests.live.test_jetstream_source import _ids, _states, _until

T = 1_780_000_000_000_000
S = 1_000_000
HOST = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
BOB = "did:plc:z72i7hdynmk6r22z27h6tvur"
PEOPLE = {HOST: "host.bsky.social", BOB: "bob.example.com"}


def _source(server: FakeJetstream, appview: FakeAppView | None, **options: object) -> JetstreamSource:
    url = JetstreamURL("127.0.0.1", server.port, "EdChat", secure=False)
    return JetstreamSource(url, team_handles=["host.bsky.social"], appview=AppView(appview.url) if appview else None,
                           backoff=Backoff(base=0.02, cap=0.05, floor=0.01), **options)  # type: ignore[arg-type]


def _handles(items: list[SourceItem]) -> dict[str, str]:
    return {m.id.rsplit("/", 1)[1]: m.author for m in items if isinstance(m, Message)}


async def test_the_host_given_by_handle_is_resolved_before_the_stream_and_catches_untagged_replies() -> None:
    async with FakeJetstream() as server, FakeAppView(dict(PEOPLE)) as appview:
        source = _source(server, appview)
        await source.start()
        await asyncio.wait_for(server.connected.wait(), 10)
        assert appview.resolved == ["host.bsky.social"] and source.team_dids == {HOST}
        server.publish(
            post(HOST, "q1", "Q1: what do you teach? #EdChat", T + 1 * S),
            post(BOB, "reply", "maths, and you?", T + 2 * S, reply_to=f"at://{HOST}/app.bsky.feed.post/q1"),
            post(BOB, "later", "A1 and art #edchat", T + 5 * S),
        )
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: "later" in _ids(s))
        # The host is named from the start; bob's first post came before his lookup finished.
        authors = _handles(seen)
        assert authors["q1"] == "host.bsky.social" and authors["reply"] in (BOB, "bob.example.com")
        assert [m.untagged for m in seen if isinstance(m, Message)] == [False, True, False]
        await asyncio.wait_for(_named(source, BOB), 10)
        assert source.names[BOB] == "bob.example.com"
        assert sorted(source.learned()) == sorted(PEOPLE.items())
        await source.close()


async def _named(source: JetstreamSource, did: str) -> None:
    while did not in source.names:
        await asyncio.sleep(0.02)


async def test_a_burst_of_new_people_is_named_25_to_a_request_and_unknown_ones_are_not_asked_again() -> None:
    people = {f"did:plc:person{n:02d}": f"p{n}.bsky.social" for n in range(40)}
    people["did:plc:person07"] = "handle.invalid"  # failed verification: not a name
    async with FakeAppView(people) as appview:
        identities = Identities(Handles(), AppView(appview.url), batch_wait=0.05)
        naming = asyncio.create_task(identities.run())
        for n in range(40):
            identities.ask(f"did:plc:person{n:02d}")
        identities.ask("did:plc:gone")  # no profile (deleted)
        while identities.waiting:
            await asyncio.sleep(0.02)
        assert [len(batch) for batch in appview.profile_batches] == [25, 16]
        assert identities.looked_up == 39 and "did:plc:person07" not in identities.handles.by_did
        identities.ask("did:plc:gone")
        identities.ask("did:plc:person03")  # known now
        await asyncio.sleep(0.2)
        assert len(appview.profile_batches) == 2
        naming.cancel()
        assert identities.appview is not None
        await identities.appview.aclose()


async def test_a_failing_appview_delays_names_but_never_the_chat() -> None:
    async with FakeJetstream() as server, FakeAppView(dict(PEOPLE), failing=[503, 502]) as appview:
        source = _source(server, appview)
        source.identities._backoff = Backoff(base=0.05, cap=0.1, floor=0.05)
        await source.start()
        await asyncio.wait_for(server.connected.wait(), 10)
        # The host lookup met the 503: the chat started anyway, and said so.
        appview.delay = 0.5  # now it answers, slowly
        server.publish(post(BOB, "a1", "A1 maths #edchat", T + 1 * S))
        seen: list[SourceItem] = []
        await _until(source, seen, lambda s: "a1" in _ids(s))
        assert _handles(seen)["a1"] == BOB  # came at once, before its name
        assert any("could not look up @host.bsky.social" in s for s in _states(seen, Link.CONNECTING))
        await asyncio.wait_for(_named(source, BOB), 10)
        await source.close()


async def test_the_appview_client_reads_xrpc_answers_and_rate_limits() -> None:
    async with FakeAppView(dict(PEOPLE), limit=2) as server, AppView(server.url) as appview:
        assert await appview.resolve_handle("@HOST.bsky.social") == HOST
        assert await appview.resolve_handle("nobody.bsky.social") is None
        with pytest.raises(RateLimited) as limited:
            await appview.handles([BOB])
        assert limited.value.until > datetime.now(UTC)
    async with FakeAppView(dict(PEOPLE), failing=[503]) as server, AppView(server.url) as appview:
        with pytest.raises(AppViewError, match="503"):
            await appview.handles([BOB])
        assert await appview.handles([BOB, "did:plc:gone"]) == {BOB: "bob.example.com"}
        with pytest.raises(ValueError):
            await appview.handles([BOB] * 26)


async def test_names_are_kept_in_the_database_and_rename_what_was_stored_by_did(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    async with FakeJetstream() as server, FakeAppView(dict(PEOPLE)) as appview:
        url = f"jetstream+ws://127.0.0.1:{server.port}?tag=EdChat"
        server.publish(post(BOB, "a1", "A1 maths #edchat", T + 1 * S))
        team = HostTeam(["host.bsky.social"])

        async def publish_later() -> None:
            await asyncio.wait_for(server.connected.wait(), 10)
            appview.delay = 1.5  # bob's post is stored (each second) before his name comes
            server.publish(post(BOB, "a2", "A2 art #edchat", T + 2 * S))

        feeding = asyncio.create_task(publish_later())
        result, run = await ingest_live(lambda cursor: open_live(url, None, cursor, team.hosts, appview.url),
                                        db, team, duration=4)
        await feeding
        assert result.read == 1 and run.messages == 1
        with closing(sqlite3.connect(db)) as conn:
            assert dict(conn.execute("SELECT did, handle FROM identities")) == PEOPLE
            assert conn.execute("SELECT DISTINCT author FROM messages").fetchall() == [("bob.example.com",)]
        # What `watch --db` starts from: the stored cursor, and everyone named.
        again = await resumed(db, lambda cursor: open_live(url, None, cursor, team.hosts, None))
        assert isinstance(again, JetstreamSource) and again.cursor == T + 2 * S and again.names[BOB] == "bob.example.com"
        # A second run knows everyone: no lookup at all.
        appview.delay = 0
        appview.resolved.clear()
        appview.profile_batches.clear()
        server.publish(post(BOB, "a3", "A3 music #edchat", T + 3 * S))
        await ingest_live(lambda cursor: open_live(url, None, cursor, team.hosts, appview.url), db, team, duration=1.5)
        assert appview.resolved == [] and appview.profile_batches == []


async def test_a_bounded_run_hands_on_messages_with_the_names_learnt_during_it() -> None:
    async with FakeJetstream() as server, FakeAppView(dict(PEOPLE), delay=0.3) as appview:
        url = f"jetstream+ws://127.0.0.1:{server.port}?tag=EdChat"
        source = open_live(url, None, None, ["host.bsky.social"], appview.url)

        async def publish() -> None:
            await asyncio.wait_for(server.connected.wait(), 10)
            server.publish(post(BOB, "a1", "A1 maths #edchat", T + 1 * S))

        feeding = asyncio.create_task(publish())
        run = await run_live(source, source.label, duration=2)
        await feeding
        assert [m.author for m in run.items if isinstance(m, Message)] == ["bob.example.com"]


def test_the_console_shows_a_did_by_its_handle_once_known_and_shortened_until_then() -> None:
    assert short_did(BOB) == "did:plc:z72i7h…"
    assert who(BOB, {}) == "did:plc:z72i7h…"
    assert who(BOB, {BOB: "bob.example.com"}) == "bob.example.com"
    assert who("did:web:a.b", {}) == "did:web:a.b"  # short already
    assert who("alice", {}) == "alice"


def test_analyze_with_the_host_by_handle_knows_their_posts_and_the_untagged_replies_to_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from chatmod.cli import main
    from tests.live.threaded import Threaded

    events = [
        post(HOST, "q1", "Q1: what do you teach? #EdChat", T + 1 * S),
        post(BOB, "b1", "@host.bsky.social how do you plan? #edchat", T + 3 * S, mentions=(("host.bsky.social", HOST),)),
        post(BOB, "b2", "and do you grade it?", T + 4 * S, reply_to=f"at://{HOST}/app.bsky.feed.post/q1"),
    ]
    jetstream, appview = Threaded(FakeJetstream()), Threaded(FakeAppView(dict(PEOPLE)))
    with jetstream.running(), appview.running():
        async def send() -> None:
            await jetstream.server.connected.wait()
            jetstream.server.publish(*events)

        jetstream.soon(send)
        url = f"jetstream+ws://127.0.0.1:{jetstream.server.port}?tag=EdChat"
        assert main(["analyze", url, "--host", "host.bsky.social", "--appview", appview.server.url,
                     "--max-messages", "3"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert records[0]["author"] == "host.bsky.social"
    assert {r["author"] for r in records[1:]} <= {BOB, "bob.example.com"}
    assert [r["untagged"] for r in records] == [False, False, True]  # b2: a reply to the host, no tag
    assert [r["to_host"] for r in records] == [False, True, True]
