"""The commands on a live Mastodon chat, against a server on 127.0.0.1 that speaks the protocol."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chatmod.cli import main
from tests.live.mastodon_server import FakeMastodon, status
from tests.live.threaded import Threaded

TAG = "EdChat"


def _chat() -> list[dict[str, Any]]:
    """Four statuses: a question, a ball the host answers, a ball nobody answers."""
    host = {"id": "id-host", "username": "host", "acct": "host", "url": "https://example.social/@host"}
    return [
        status("101", "Q1: What do you teach?", TAG, "host", created_at="2026-12-03T18:00:00.000Z"),
        status("102", "@host A1 maths. How do you plan a week?", TAG, "bob", created_at="2026-12-03T18:01:00.000Z",
               in_reply_to_id="101", in_reply_to_account_id="id-host", mentions=[host]),
        status("103", "@bob one evening on Sundays", TAG, "host", created_at="2026-12-03T18:02:00.000Z",
               in_reply_to_id="102", in_reply_to_account_id="id-bob",
               mentions=[{"id": "id-bob", "username": "bob", "acct": "bob", "url": "https://example.social/@bob"}]),
        status("104", "@host do you use slides?", TAG, "carol", created_at="2026-12-03T18:03:00.000Z",
               mentions=[host]),
    ]


@pytest.fixture
def server() -> Any:
    fake = Threaded(FakeMastodon())
    with fake.running():
        yield fake


def _stream_when_subscribed(fake: Threaded, statuses: list[dict[str, Any]]) -> None:
    async def send() -> None:
        await fake.server.subscribed.wait()
        for entry in statuses:
            await fake.server.update(entry, TAG)

    fake.soon(send)


def _url(fake: Threaded) -> str:
    return f"mastodon+ws://127.0.0.1:{fake.server.port}/{TAG}"


def test_analyze_a_live_chat_equals_analyzing_the_same_statuses_from_a_file(
    server: Threaded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _stream_when_subscribed(server, _chat())
    assert main(["analyze", _url(server), "--host", "host", "--token", "good-token", "--max-messages", "4"]) == 0
    live = capsys.readouterr()
    archive = tmp_path / "chat.jsonl"
    archive.write_text("".join(json.dumps(entry) + "\n" for entry in _chat()), encoding="utf-8")
    assert main(["analyze", str(archive), "--host", "host"]) == 0
    from_file = capsys.readouterr()
    assert live.out == from_file.out
    verdicts = {r["id"]: (r["to_host"], r["question"], r["answered"]) for r in map(json.loads, live.out.splitlines())}
    assert verdicts["102"] == (True, True, True) and verdicts["104"] == (True, True, False)
    assert f"mastodon 127.0.0.1/{TAG}: 4 messages in" in live.err and "(--max-messages 4 reached)" in live.err
    assert "good-token" not in live.err


def test_a_refused_token_is_exit_1_naming_the_setting(server: Threaded, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", _url(server), "--host", "host", "--token", "stale-token", "--duration", "30"]) == 1
    err = capsys.readouterr().err
    assert "refused the token (401: Invalid access token)" in err and "CHATMOD_TOKEN" in err
    assert "stale-token" not in err
    assert len(server.server.requests) == 1  # one try, no retry storm


def test_the_token_comes_from_the_environment_and_the_chat_gives_the_source(
    server: Threaded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    chats = tmp_path / "chats.toml"
    assert main(["chats", "add", "edchat", "--tag", TAG, "--host", "host", "--network", "mastodon",
                 "--rrule", "FREQ=WEEKLY;BYDAY=TH", "--start", "2026-01-01T13:00", "--tz", "America/New_York",
                 "--source", _url(server), "--chats-file", str(chats)]) == 0
    assert main(["chats", "show", "edchat", "--chats-file", str(chats)]) == 0
    assert f"live source: {_url(server)}" in capsys.readouterr().out
    monkeypatch.setenv("CHATMOD_TOKEN", "good-token")
    # Five: a scheduled hour with fewer messages is one the chat did not hold.
    fifth = status("105", "A1 history, mostly", TAG, "dave", created_at="2026-12-03T18:04:00.000Z")
    _stream_when_subscribed(server, [*_chat(), fifth])
    assert main(["report", "--chat", "edchat", "--chats-file", str(chats), "--max-messages", "5",
                 "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [b["id"] for b in report["sessions"][0]["dropped"]] == ["104"]
    assert server.server.requests[-1].headers["Authorization"] == "Bearer good-token"


def test_a_token_kept_in_the_chats_file_is_readable_by_its_owner_only(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    chats = tmp_path / "chats.toml"
    assert main(["chats", "add", "edchat", "--tag", TAG, "--host", "host", "--rrule", "FREQ=WEEKLY;BYDAY=TH",
                 "--start", "2026-01-01T13:00", "--tz", "UTC", "--source", "mastodon://example.social/EdChat",
                 "--token", "secret-token", "--chats-file", str(chats)]) == 0
    assert chats.stat().st_mode & 0o077 == 0
    assert main(["chats", "show", "edchat", "--chats-file", str(chats)]) == 0
    out = capsys.readouterr().out
    assert "token set, not shown" in out and "secret-token" not in out
    assert main(["chats", "add", "bad", "--tag", TAG, "--host", "host", "--rrule", "FREQ=WEEKLY",
                 "--start", "2026-01-01T13:00", "--tz", "UTC", "--source", "mastodon://example.social/",
                 "--chats-file", str(chats)]) == 2
    assert "name one hashtag" in capsys.readouterr().err


def test_a_live_run_stops_after_its_duration_with_what_came(server: Threaded,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    _stream_when_subscribed(server, _chat()[:2])
    assert main(["analyze", _url(server), "--host", "host", "--token", "good-token", "--duration", "1",
                 "--verbose"]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert "connecting: 127.0.0.1" in captured.err and "live: 127.0.0.1" in captured.err
    assert "(--duration 1 s over)" in captured.err


def test_nothing_came_is_said_plainly(server: Threaded, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", _url(server), "--host", "host", "--token", "good-token", "--duration", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "0 messages in" in captured.err
    assert f"no messages came from {_url(server)}; nothing to report" in captured.err


@pytest.mark.parametrize("scheme", ["mastodon+ws", "jetstream+ws"])
def test_a_server_never_reached_is_exit_1_naming_what_failed_and_where(
        scheme: str, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"{scheme}://127.0.0.1:{port}/{TAG}" if scheme.startswith("mastodon") else \
        f"{scheme}://127.0.0.1:{port}?tag={TAG}"
    assert main(["analyze", url, "--host", "host", "--token", "good-token", "--duration", "2",
                 "--appview", "off"]) == 1
    err = capsys.readouterr().err
    (said,) = [line for line in err.splitlines() if "never reached" in line]
    assert "127.0.0.1" in said and "refused" in said.lower()
    assert "nothing to report" not in err  # not a quiet chat: a wrong port


def test_the_url_forms_are_checked_before_connecting(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "jetstream://example.net", "--host", "h"]) == 2
    assert "name one hashtag" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", "mastodon://example.social/EdChat", "--host", "h", "--token", "t", "--max-messages", "0"])
    assert exit_info.value.code == 2 and "--max-messages" in capsys.readouterr().err


def test_analyze_a_live_bluesky_chat_from_jetstream_equals_the_same_events_from_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.live.jetstream_server import FakeJetstream, post

    start, second = 1_780_000_000_000_000, 1_000_000
    host, bob = "did:plc:host", "did:plc:bob"
    events = [
        post(host, "q1", "Q1: what do you teach? #EdChat", start + second),
        post(bob, "noise", "unrelated post", start + 2 * second),
        post(bob, "b1", "@host.bsky.social how do you plan? #edchat", start + 3 * second,
             mentions=(("host.bsky.social", host),)),
        post(bob, "b2", "and do you grade it?", start + 4 * second, reply_to=f"at://{host}/app.bsky.feed.post/q1"),
    ]
    fake = Threaded(FakeJetstream())
    with fake.running():
        async def send() -> None:
            await fake.server.connected.wait()
            fake.server.publish(*events)

        fake.soon(send)
        url = f"jetstream+ws://127.0.0.1:{fake.server.port}?tag=EdChat"
        assert main(["analyze", url, "--host", host, "--max-messages", "3", "--appview", "off"]) == 0
    live = capsys.readouterr()
    archive = tmp_path / "chat.jsonl"
    kept = [e for e in events if e["commit"]["rkey"] != "noise"]
    archive.write_text("".join(json.dumps(e) + "\n" for e in kept), encoding="utf-8")
    assert main(["analyze", str(archive), "--host", host]) == 0
    records, from_file = [list(map(json.loads, out.splitlines())) for out in (live.out, capsys.readouterr().out)]
    # The same judgement; only the live run knows b2 reached the chat without the hashtag.
    assert [r.pop("untagged") for r in records] == [False, False, True] and len(records) == 3
    assert records == [{k: v for k, v in r.items() if k != "untagged"} for r in from_file]
    assert "3 messages in" in live.err
