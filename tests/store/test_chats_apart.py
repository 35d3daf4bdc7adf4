"""Two chats at the same hour in one database stay apart in every command, and a database from
before chats were kept apart upgrades with a copy of itself kept aside."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chatmod.cli import main
from chatmod.store import Store
from chatmod.store.schema import MIGRATIONS

HOUR = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)  # 13:00 in New York, a first Friday


def _both_chats(path: Path) -> Path:
    """One archive of two chats held at the same hour: #edchat (6 messages, 2 balls, one answered)
    and #ellchat (7 messages, 3 balls, none answered)."""
    records = []

    def post(minute: int, author: str, text: str, reply_to: str | None = None) -> None:
        record = {"network": "twitter", "id": str(100 + len(records)), "author": author,
                  "created_at": (HOUR + timedelta(minutes=minute)).isoformat(), "text": text}
        if reply_to is not None:
            record["reply_to_id"] = reply_to
        records.append(record)

    post(0, "edhost", "Q1: what are you reading this term? #edchat")
    post(0, "ellhost", "Q1: which podcast helps your learners most? #ellchat")
    post(2, "ann", "A1 a novel about a lighthouse #edchat")
    post(3, "bea", "@edhost how do you pick books for a mixed class? #edchat")  # 103: ball, answered
    post(4, "cal", "A1 poetry, always poetry #edchat")
    post(5, "dee", "@edhost could you share your reading list? #edchat")  # 105: ball, dropped
    post(6, "edhost", "@bea by interest first, then level #edchat", reply_to="103")
    post(2, "eve", "A1 the one with short episodes #ellchat")
    post(3, "fay", "@ellhost do you use transcripts with beginners? #ellchat")
    post(4, "gus", "A1 news in slow English #ellchat")
    post(5, "hal", "@ellhost what about podcasts for kids? #ellchat")
    post(6, "ida", "A1 anything with a story #ellchat")
    post(7, "jon", "@ellhost how long should a listening task be? #ellchat")
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _define(chats: Path, name: str, tag: str, host: str) -> None:
    assert main(["chats", "--chats-file", str(chats), "add", name, "--tag", tag, "--host", host,
                 "--rrule", "FREQ=MONTHLY;BYDAY=1FR", "--start", "2026-01-02T13:00", "--tz", "America/New_York"]) == 0


def test_two_chats_at_the_same_hour_stay_apart_in_every_command(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    chats, db, archive = tmp_path / "chats.toml", tmp_path / "h.db", _both_chats(tmp_path / "both.jsonl")
    _define(chats, "edchat", "edchat", "edhost")
    _define(chats, "ellchat", "ellchat", "ellhost")
    for name in ("edchat", "ellchat"):
        assert main(["ingest", str(archive), "--db", str(db), "--chat", name, "--chats-file", str(chats)]) == 0
    capsys.readouterr()

    assert main(["sessions", "--db", str(db), "--json"]) == 0
    sessions = {s["chat"]: s for s in json.loads(capsys.readouterr().out)}
    assert {name: (s["messages"], s["balls"], s["dropped"]) for name, s in sessions.items()} == {
        "edchat": (6, 2, 1), "ellchat": (7, 3, 3)}

    assert main(["followups", "--db", str(db), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted((b["chat"], b["author"]) for b in listed) == [
        ("edchat", "dee"), ("ellchat", "fay"), ("ellchat", "hal"), ("ellchat", "jon")]
    assert main(["followups", "--db", str(db), "--chat", "edchat", "--json"]) == 0
    assert [b["author"] for b in json.loads(capsys.readouterr().out)] == ["dee"]

    for name, expected in (("edchat", 6), ("ellchat", 7)):
        ident = sessions[name]["id"]
        assert main(["report", "--db", str(db), "--session", str(ident), "--chats-file", str(chats),
                     "--format", "json"]) == 0
        report = json.loads(capsys.readouterr().out)
        (session,) = report["sessions"]
        assert session["messages"] == expected

    # A mark on one chat's ball, then a rejudge of everything: each chat keeps its own ledger.
    assert main(["followups", "--db", str(db), "--dismiss", "105", "--by", "sam"]) == 0
    assert main(["rejudge", "--db", str(db), "--chats-file", str(chats)]) == 0
    capsys.readouterr()
    assert main(["sessions", "--db", str(db), "--json"]) == 0
    after = {s["chat"]: (s["messages"], s["balls"], s["dropped"]) for s in json.loads(capsys.readouterr().out)}
    assert after == {"edchat": (6, 2, 0), "ellchat": (7, 3, 3)}


def test_without_a_chat_an_archive_is_the_chat_of_its_tag_and_host_team(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    db, archive = tmp_path / "h.db", _both_chats(tmp_path / "both.jsonl")
    assert main(["ingest", str(archive), "--db", str(db), "--tag", "EdChat", "--host", "edhost"]) == 0
    assert main(["ingest", str(archive), "--db", str(db), "--tag", "ellchat", "--host", "ellhost"]) == 0
    capsys.readouterr()
    assert main(["sessions", "--db", str(db), "--json"]) == 0
    sessions = {s["chat"]: (s["messages"], s["balls"]) for s in json.loads(capsys.readouterr().out)}
    assert sessions == {"#edchat @edhost": (6, 2), "#ellchat @ellhost": (7, 3)}


def _version_7_database(path: Path) -> Path:
    """A database as chatmod wrote it before chats were kept apart: a session of 'weekly' with
    one ball and a moderator's dismissal, and a reminder outside every session."""
    with sqlite3.connect(path) as connection:
        for step in MIGRATIONS[:7]:
            connection.executescript(step)
        connection.execute("PRAGMA user_version = 7")
        connection.executemany(
            "INSERT INTO messages (network, id, author, created_at, text) VALUES ('twitter', ?, ?, ?, ?)",
            [("1", "host", "2026-03-05T18:00:00.000Z", "reminder: tomorrow!"),
             ("2", "host", "2026-03-06T18:00:00.000Z", "Q1: hello"),
             ("3", "ann", "2026-03-06T18:05:00.000Z", "@host what now?")])
        connection.execute(
            "INSERT INTO sessions (chat, key, start, end, team) VALUES ('weekly', 'k', "
            "'2026-03-06T18:00:00.000Z', '2026-03-06T18:05:00.000Z', '{\"hosts\": [\"host\"]}')")
        connection.executemany(
            "INSERT INTO ledger_events (network, ball_id, kind, at, by, origin, detail) VALUES ('twitter', '3', ?, ?, ?, ?, ?)",
            [("opened", "2026-03-06T18:05:00.000Z", "ann", "engine", '{"question":true,"thread":1,"burst_of":null}'),
             ("dropped", "2026-03-06T18:05:00.000Z", "", "engine", "{}"),
             ("dismissed", "2026-03-07T10:00:00.000Z", "sam", "moderator", "{}")])
    return path


async def test_an_old_database_upgrades_keeping_a_copy_and_every_sessions_ledger(tmp_path: Path) -> None:
    path = _version_7_database(tmp_path / "old.db")
    told: list[str] = []
    async with await Store.open(path, notice=told.append) as store:
        (summary,) = await store.session_summaries()
        assert (summary["chat"], summary["messages"], summary["balls"], summary["dropped"]) == ("weekly", 2, 1, 0)
        ledger = await store.session_ledger("weekly", str(summary["start"]), str(summary["end"]))
        assert [ball.status.value for ball in ledger] == ["dismissed"]
        assert await store.outside_sessions() == 1  # the reminder
    backup = tmp_path / "old.db.v7.bak"
    assert told == [f"chatmod: upgraded {path} from schema 7 to 9; the file as it was is kept at {backup}"]
    with sqlite3.connect(backup) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 7
        assert connection.execute("SELECT count(*) FROM ledger_events").fetchone()[0] == 3
    # Opened again: nothing more to upgrade, nothing more copied.
    async with await Store.open(path, notice=told.append):
        pass
    assert len(told) == 1 and not (tmp_path / "old.db.v7.2.bak").exists()


@pytest.mark.parametrize(("text", "extra", "kept"), [
    # Replies that forgot the hashtag stay in the chat.
    ("@mshost yes, every week", {}, True),
    ("so true!", {"reply_to_id": "9", "reply_to_author": "bob"}, True),
    # Another chat's reply, by a leading handle or a reply link, tagged for it: that chat's.
    ("@ellhost do you use transcripts? #ellchat", {}, False),
    ("@bea by interest first #otherchat", {"reply_to_id": "9", "reply_to_author": "bea"}, False),
    ("＠gus same here #ELLchat #podcasts", {}, False),
    # ...unless it involves our host team: replying to it, or naming it.
    ("thanks for this! #blessed", {"reply_to_id": "9", "reply_to_author": "mshost"}, True),
    ("@gus @MSHost agreed, great Q #ellchat", {}, True),
    # Ours by its tag, or by its author, whatever else it carries.
    ("@ellhost see you at #edchat too", {}, True),
    ("@ann see you at #ellchat", {"author": "mshost"}, True),
])
def test_the_tag_filter_keeps_replies_that_forgot_the_tag_but_not_another_chats(
    text: str, extra: dict[str, str], kept: bool
) -> None:
    from chatmod.core.handles import HostTeam
    from chatmod.pipeline import tag_filter
    from tests.conftest import chat

    author = extra.pop("author", "dee")
    (message,) = chat([("1", "0:00", author, text, extra)])
    assert tag_filter("edchat", HostTeam(["mshost"]))(message) is kept
