"""Joining late: a live run started ten minutes into the chat first reads the session so far
(Mastodon: the timelines paged back to its start; Bluesky: a Jetstream cursor there), then goes
live, with nothing missed and nothing twice: the same as reading the whole chat from a file."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chatmod.cli import main
from chatmod.core.sessions import SessionRules
from tests.live.jetstream_server import FakeJetstream, post
from tests.live.mastodon_server import FakeMastodon, reply_to_host, status
from tests.live.threaded import Threaded

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
START = NOW - timedelta(minutes=10)


def _stamp(minutes: float) -> str:
    return (START + timedelta(minutes=minutes)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _chats_file(tmp_path: Path, network: str, host: str) -> Path:
    chats = tmp_path / "chats.toml"
    assert main(["chats", "--chats-file", str(chats), "add", "edchat", "--tag", "EdChat", "--host", host,
                 "--network", network, "--rrule", "FREQ=DAILY", "--start", f"{START:%Y-%m-%dT%H:%M}",
                 "--tz", "UTC"]) == 0
    return chats


def _verdicts(out: str) -> list[tuple[str, bool, bool | None]]:
    return [(r["id"], r["to_host"], r["answered"]) for r in map(json.loads, out.splitlines())]


def test_mastodon_ten_minutes_in_with_a_chat_reads_the_session_so_far_then_goes_live(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = FakeMastodon()
    server.accounts["good-token"] = {"id": "id-host", "username": "host", "acct": "host", "display_name": "Host"}
    fake = Threaded(server)
    question = status("10", "Q1 What do you read?", "EdChat", "host", created_at=_stamp(0))
    earlier = [question,
               status("11", "@host how do you choose?", "EdChat", "bob", created_at=_stamp(2),
                      mentions=[{"id": "id-host", "username": "host", "acct": "host", "url": ""}]),
               status("12", "@bob by the cover", "EdChat", "host", created_at=_stamp(3), in_reply_to_id="11",
                      in_reply_to_account_id="id-bob")]
    untagged = reply_to_host("13", "A1 novels, do you?", question) | {"created_at": _stamp(4)}
    later = [status("14", "@host any audiobooks?", "EdChat", "dee", created_at=_stamp(10.5),
                    mentions=[{"id": "id-host", "username": "host", "acct": "host", "url": ""}])]
    with fake.running():
        for entry in earlier:
            server.post(entry)
        fake.call(lambda: server.mention(untagged, stream=False))

        async def go_on() -> None:
            await server.subscribed.wait()
            await asyncio.sleep(0.5)  # the run is catching up meanwhile
            for entry in later:
                await server.update(entry, "EdChat")

        fake.soon(go_on)
        chats = _chats_file(tmp_path, "mastodon", "host")
        capsys.readouterr()
        url = f"mastodon+ws://127.0.0.1:{server.port}/EdChat"
        assert main(["analyze", url, "--chat", "edchat", "--chats-file", str(chats), "--token", "good-token",
                     "--max-messages", "5", "--duration", "20"]) == 0
    live = capsys.readouterr()
    archive = tmp_path / "chat.jsonl"
    archive.write_text("".join(json.dumps(e) + "\n" for e in [*earlier, untagged, *later]), encoding="utf-8")
    assert main(["analyze", str(archive), "--chat", "edchat", "--chats-file", str(chats)]) == 0
    assert _verdicts(live.out) == _verdicts(capsys.readouterr().out) == [
        ("10", False, None), ("11", True, True), ("12", False, None), ("13", True, False), ("14", True, False)]
    assert "5 messages in" in live.err
    early = START - SessionRules().lead  # the session's window opens before its start
    assert f"caught up: 4 messages since {early:%H:%M} UTC" in live.err  # not a "gap": it joined late
    assert "gap filled" not in live.err


def test_bluesky_with_since_reads_from_a_jetstream_cursor_there_then_goes_live(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    host, bob = "did:plc:host", "did:plc:bob"

    def at(minutes: float) -> int:
        return int((START + timedelta(minutes=minutes)).timestamp() * 1_000_000)

    def event(rkey: str, did: str, text: str, minutes: float, **extra: Any) -> dict[str, Any]:
        made = post(did, rkey, text, at(minutes), **extra)
        made["commit"]["record"]["createdAt"] = _stamp(minutes)
        return made

    earlier = [event("q1", host, "Q1: what do you read? #EdChat", 0),
               event("old", bob, "yesterday's #EdChat", -24 * 60),
               event("b1", bob, "@host.bsky.social how do you choose? #EdChat", 2,
                     mentions=(("host.bsky.social", host),))]
    later = [event("b2", bob, "and for kids?", 10.5, reply_to=f"at://{host}/app.bsky.feed.post/q1")]
    fake = Threaded(FakeJetstream())
    with fake.running():
        fake.server.publish(*sorted(earlier, key=lambda e: e["time_us"]))

        async def go_on() -> None:
            await fake.server.connected.wait()
            fake.server.publish(*later)

        fake.soon(go_on)
        url = f"jetstream+ws://127.0.0.1:{fake.server.port}?tag=EdChat"
        assert main(["analyze", url, "--host", host, "--since", f"{START:%Y-%m-%dT%H:%M}", "--appview", "off",
                     "--max-messages", "3", "--duration", "20"]) == 0
    live = capsys.readouterr()
    assert [r["id"].rsplit("/", 1)[1] for r in map(json.loads, live.out.splitlines())] == ["q1", "b1", "b2"]
    assert "cursor=" in fake.server.requests[-1].path
