"""Issue 28's "done when": against local servers misbehaving in every way real ones do at once
(posting before the client subscribes, a status federating late with an older id, every
connection dropped after a few frames, idle connections closed, the network's identity events
burying the chat), a live ``analyze`` gives exactly what the file of the chat gives: every message
once, the untagged balls included, a stranger's unrelated mention of the host left out, whether
chatmod started before the chat or ten minutes into it, on Mastodon and on Bluesky."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chatmod.cli import main
from tests.live.jetstream_server import FakeJetstream, post
from tests.live.mastodon_server import FakeMastodon, status
from tests.live.threaded import Threaded


@dataclass(frozen=True)
class Line:
    minute: float
    ident: str
    author: str
    text: str
    tagged: bool = True
    to_host: bool = False
    """Mentions the host (a notification on Mastodon, a mention facet on Bluesky)."""
    reply_to: str | None = None


CHAT = [
    Line(0.0, "q1", "host", "Q1 What do you read?"),
    Line(0.5, "bob1", "bob", "A1 novels"),
    Line(1.0, "carol1", "carol", "A1 poetry, mostly"),
    Line(1.5, "dee1", "dee", "@host how do you choose what to read?", to_host=True),
    Line(2.0, "host1", "host", "@dee by the cover!", reply_to="dee1"),
    Line(2.5, "erin1", "erin", "@host I agree", tagged=False, to_host=True, reply_to="q1"),
    Line(3.0, "new1", "newcomer", "A1: audiobooks, cc @host", tagged=False, to_host=True),
    Line(3.5, "webinar", "stranger", "@host when is your next webinar?", tagged=False, to_host=True),
    Line(4.0, "frank1", "frank", "A1 history"),
    Line(5.0, "bob2", "bob", "@host loved that question", tagged=False, to_host=True),
    Line(6.0, "q2", "host", "Q2 Where do you read?"),
    Line(6.5, "bob3", "bob", "A2 on the train"),
    Line(7.0, "carol2", "carol", "A2 in bed"),
    Line(7.5, "dee2", "dee", "@host do you read outside?", to_host=True),
    Line(8.0, "erin2", "erin", "A2 everywhere"),
    Line(9.0, "gina1", "gina", "A2 at the beach (this one federates late)"),
    Line(10.5, "q3", "host", "Q3 What next?"),
    Line(11.0, "bob4", "bob", "A3 sci-fi"),
    Line(11.2, "carol3", "carol", "A3: more poetry cc @host", tagged=False, to_host=True),
    Line(11.5, "host2", "host", "@carol lovely", reply_to="carol3"),
    Line(12.0, "dee3", "dee", "A3 nothing yet"),
    Line(12.5, "erin3", "erin", "@host will you post the list?", to_host=True),
]
NOT_THE_CHAT = {"webinar"}
LATE = "gina1"
"""Posted at minute 9, it reaches the server only after minute 12's (an older id arriving later)."""
UNTAGGED = {line.ident for line in CHAT if not line.tagged} - NOT_THE_CHAT
PAUSE_AFTER = "bob4"
"""The chat goes quiet here for longer than the server keeps an idle connection."""
IDLE, CUT = 1.0, 4


def _played(late: bool, *, federating: bool) -> tuple[list[Line], list[Line]]:
    """What was posted before chatmod started, and what comes while it runs (``federating``:
    the late status comes last; Jetstream stamps events as it receives them, so it has none)."""
    chat = [line for line in CHAT if line.ident != LATE] + [_line(LATE)] if federating else CHAT
    if not late:
        return [], chat
    return [line for line in chat[:-1] if line.minute < 10], [line for line in chat if line.minute >= 10 or
                                                              (federating and line.ident == LATE)]


def _line(ident: str) -> Line:
    return next(line for line in CHAT if line.ident == ident)


def _compare(live: str, from_file: str) -> None:
    def verdicts(out: str) -> list[tuple[str, bool, bool | None]]:
        return [(r["id"].rsplit("/", 1)[-1], r["to_host"], r["answered"]) for r in map(json.loads, out.splitlines())]

    got, want = verdicts(live), verdicts(from_file)
    assert len({v[0] for v in got}) == len(got), "a message came twice"
    assert got == want
    assert {v[0] for v in got} == {line.ident for line in CHAT} - NOT_THE_CHAT
    assert {json.loads(r)["id"].rsplit("/", 1)[-1] for r in live.splitlines()
                        if json.loads(r)["untagged"]} >= UNTAGGED


# -- Mastodon ---------------------------------------------------------------------------------

def _status(line: Line, start: datetime) -> dict[str, Any]:
    created = (start + timedelta(minutes=line.minute)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    ident = str(100_000 + int(line.minute * 100))
    extra: dict[str, Any] = {"created_at": created}
    if line.to_host:
        extra["mentions"] = [{"id": "id-host", "username": "host", "acct": "host", "url": ""}]
    if line.reply_to is not None:
        parent = _line(line.reply_to)
        extra |= {"in_reply_to_id": _mastodon_id(parent), "in_reply_to_account_id": f"id-{parent.author}"}
    return status(ident, line.text, "EdChat" if line.tagged else None, line.author, **extra)


def _mastodon_id(line: Line) -> str:
    return str(100_000 + int(line.minute * 100))


@pytest.mark.parametrize("late", [False, True], ids=["started-before", "ten-minutes-in"])
def test_mastodon_live_is_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], late: bool) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - (timedelta(minutes=10) if late else timedelta(0))
    server = FakeMastodon(cut_after=CUT, idle_close=IDLE)
    server.accounts["good-token"] = {"id": "id-host", "username": "host", "acct": "host", "display_name": "Host"}
    before, during = _played(late, federating=True)
    fake = Threaded(server)

    async def deliver(line: Line, *, stream: bool) -> None:
        entry = _status(line, start)
        if line.tagged:
            if stream:
                await server.update(entry, "EdChat")
            else:
                server.post(entry)
        if line.to_host:
            await server.mention(entry, stream=stream)

    async def chat() -> None:
        while not server.requests:  # posting goes on from the moment the first connection opens
            await asyncio.sleep(0.005)
        for line in during[:3]:
            await deliver(line, stream=False)  # not subscribed yet: in the timelines only
        await server.subscribed.wait()
        await server.notifying.wait()
        for line in during[3:]:
            if line.ident == LATE:
                server.post(_status(line, start))  # federated late: in the timeline, in no stream
                await asyncio.sleep(IDLE * 1.5)  # quiet: the idle connection is closed, and caught up
                continue
            await deliver(line, stream=True)
            await asyncio.sleep(0.05)
            if line.ident == PAUSE_AFTER:
                await asyncio.sleep(IDLE * 1.5)

    with fake.running():
        for line in before:
            fake.call(lambda line=line: deliver(line, stream=False))
        fake.soon(chat)
        url = f"mastodon+ws://127.0.0.1:{server.port}/EdChat"
        since = ["--since", f"{start:%Y-%m-%dT%H:%M}"] if late else []
        capsys.readouterr()
        wanted = len(CHAT) - len(NOT_THE_CHAT)
        assert main(["analyze", url, "--host", "host", "--token", "good-token", *since,
                     "--max-messages", str(wanted), "--duration", "60"]) == 0
        live = capsys.readouterr().out
        assert len(server.connections) >= 2  # it was cut (or closed when idle) and came back
    archive = tmp_path / "chat.jsonl"
    chat_lines = sorted((line for line in CHAT if line.ident not in NOT_THE_CHAT), key=lambda line: line.minute)
    archive.write_text("".join(json.dumps(_status(line, start)) + "\n" for line in chat_lines), encoding="utf-8")
    assert main(["analyze", str(archive), "--host", "host"]) == 0
    _compare(_by_url(live), _by_url(capsys.readouterr().out))


def _by_url(out: str) -> str:
    """The output with each status id (the server's) named by its line."""
    names = {_mastodon_id(line): line.ident for line in CHAT}
    rows = []
    for row in map(json.loads, out.splitlines()):
        row["id"] = names[row["id"]]
        rows.append(json.dumps(row))
    return "\n".join(rows)


# -- Bluesky ----------------------------------------------------------------------------------

DIDS = {name: f"did:plc:{name}" for name in ("host", "bob", "carol", "dee", "erin", "newcomer", "stranger",
                                             "frank", "gina")}


def _event(line: Line, start: datetime) -> dict[str, Any]:
    stamp = int((start + timedelta(minutes=line.minute)).timestamp() * 1_000_000)
    text = re.sub(r"@(\w+)", r"@\1.bsky.social", line.text) + (" #EdChat" if line.tagged else "")
    mentions = tuple((f"{name}.bsky.social", did) for name, did in DIDS.items() if f"@{name}.bsky.social" in text)
    reply = None
    if line.reply_to is not None:
        parent = _line(line.reply_to)
        reply = f"at://{DIDS[parent.author]}/app.bsky.feed.post/{parent.ident}"
    made = post(DIDS[line.author], line.ident, text, stamp, reply_to=reply, mentions=mentions)
    made["commit"]["record"]["createdAt"] = datetime.fromtimestamp(stamp / 1e6, UTC).isoformat().replace("+00:00", "Z")
    return made


@pytest.mark.parametrize("late", [False, True], ids=["started-before", "ten-minutes-in"])
def test_bluesky_live_is_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], late: bool) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - (timedelta(minutes=10) if late else timedelta(0))
    server = FakeJetstream(cut_after=CUT * 20, idle_close=IDLE, identity_firehose=30)
    before, during = _played(late, federating=False)
    fake = Threaded(server)

    async def chat() -> None:
        await server.connected.wait()
        for line in during:
            server.publish(_event(line, start))
            await asyncio.sleep(0.05)
            if line.ident == PAUSE_AFTER:
                await asyncio.sleep(IDLE * 1.5)

    with fake.running():
        server.publish(*[_event(line, start) for line in before])
        fake.soon(chat)
        url = f"jetstream+ws://127.0.0.1:{server.port}?tag=EdChat"
        since = ["--since", f"{start:%Y-%m-%dT%H:%M}"] if late else []
        capsys.readouterr()
        wanted = len(CHAT) - len(NOT_THE_CHAT)
        assert main(["analyze", url, "--host", DIDS["host"], "--appview", "off", *since,
                     "--max-messages", str(wanted), "--duration", "60"]) == 0
        live = capsys.readouterr().out
        assert len(server.requests) >= 2
    archive = tmp_path / "chat.jsonl"
    chat_lines = sorted((line for line in CHAT if line.ident not in NOT_THE_CHAT), key=lambda line: line.minute)
    archive.write_text("".join(json.dumps(_event(line, start)) + "\n" for line in chat_lines), encoding="utf-8")
    assert main(["analyze", str(archive), "--host", DIDS["host"], "--appview", "off"]) == 0
    _compare(live, capsys.readouterr().out)
