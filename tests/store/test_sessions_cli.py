"""ingest --chat splits by the schedule; chatmod sessions lists what was found."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chatmod.cli import main
from tests.conftest import corpus_file

CHAT = ["chats", "add", "weekly", "--tag", "edchat", "--host", "mshost", "--rrule", "FREQ=MONTHLY;BYDAY=1FR",
        "--start", "2025-12-05T13:00", "--tz", "America/New_York"]


def _archive(path: Path) -> Path:
    records = []

    def post(at: datetime, author: str, text: str) -> None:
        records.append({"network": "twitter", "id": str(len(records) + 1), "author": author,
                        "created_at": at.astimezone(UTC).isoformat(), "text": text + " #edchat"})

    december = datetime(2025, 12, 5, 18, 0, tzinfo=UTC)  # 13:00 in New York
    post(december - timedelta(hours=20), "mshost", "reminder: chat tomorrow!")
    post(december, "mshost", "Q1: what are you reading?")
    for i in range(12):
        post(december + timedelta(minutes=2 + i), f"p{i}", f"@mshost A1 book {i}, any tips?")
    post(december + timedelta(minutes=20), "mshost", "@p0 great pick!")
    january = datetime(2026, 1, 9, 18, 0, tzinfo=UTC)  # Jan 2 skipped: held on the 9th
    post(january, "mshost", "Q1: new year, new books?")
    for i in range(25):
        post(january + timedelta(minutes=1 + i), f"p{i}", f"A1 {i} pages a day")
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_ingest_by_schedule_then_list_sessions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chats, db = tmp_path / "chats.toml", tmp_path / "h.db"
    assert main([CHAT[0], "--chats-file", str(chats), *CHAT[1:]]) == 0
    source = _archive(tmp_path / "a.jsonl")
    for _ in range(2):  # the second run changes nothing
        assert main(["ingest", str(source), "--db", str(db), "--chat", "weekly", "--chats-file", str(chats)]) == 0
    assert "2 sessions of weekly; 1 message outside sessions" in capsys.readouterr().err
    assert main(["sessions", "--db", str(db), "--json"]) == 0
    sessions = json.loads(capsys.readouterr().out)
    assert [(s["messages"], s["balls"], s["dropped"], s["off_schedule"]) for s in sessions] == [
        (14, 12, 11, False), (26, 0, 0, True)]
    assert sessions[0]["planned_start"] == "2025-12-05T18:00:00.000Z"
    assert sessions[1]["moved_from"] == "2026-01-02T18:00:00.000Z"
    assert main(["sessions", "--db", str(db)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["id", "chat", "start"] and "off schedule (moved from 2026-01-02)" in table[2]
    assert table[-1] == "1 stored message is in no session (reminders, follow-ups between chats)."


def test_sessions_without_a_database_says_how_to_make_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", "--db", str(tmp_path / "none.db")]) == 2
    assert "chatmod ingest" in capsys.readouterr().err


@pytest.mark.corpus
def test_pstweetchat_finds_every_monthly_session(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = corpus_file("pstweetchat.csv")
    chats, db = tmp_path / "chats.toml", tmp_path / "p.db"
    main(["chats", "--chats-file", str(chats), "add", "pstweetchat", "--tag", "PSTweetChat", "--host", "JeffHicks",
          "--rrule", "FREQ=MONTHLY;BYDAY=1FR", "--start", "2019-10-04T13:00", "--tz", "America/New_York"])
    assert main(["ingest", str(source), "--db", str(db), "--chat", "pstweetchat", "--chats-file", str(chats)]) == 0
    capsys.readouterr()
    main(["sessions", "--db", str(db), "--json"])
    sessions = json.loads(capsys.readouterr().out)
    months = {s["start"][:7] for s in sessions}
    assert len(sessions) == 38 and len(months) == 38  # Feb 2020 .. Mar 2023, one each
    moved = [s for s in sessions if s["off_schedule"]]
    assert [(s["start"][:10], s["moved_from"][:10]) for s in moved] == [("2021-01-08", "2021-01-01")]


def test_analyze_and_report_read_a_stored_session(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chats, db = tmp_path / "chats.toml", tmp_path / "h.db"
    main([CHAT[0], "--chats-file", str(chats), *CHAT[1:]])
    main(["ingest", str(_archive(tmp_path / "a.jsonl")), "--db", str(db), "--chat", "weekly", "--chats-file", str(chats)])
    capsys.readouterr()
    assert main(["analyze", "--db", str(db), "--session", "1", "--chats-file", str(chats)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 14 and sum(1 for r in lines if r["answered"] is False) == 11
    assert main(["report", "--db", str(db), "--session", "1", "--host", "mshost", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "dropped" in json.dumps(report)
    assert main(["analyze", "--db", str(db), "--session", "7", "--host", "mshost"]) == 2
    assert "no session 7" in capsys.readouterr().err
    assert main(["analyze"]) == 2
    assert "SOURCE is required" in capsys.readouterr().err


def test_history_report_compares_sessions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chats, db = tmp_path / "chats.toml", tmp_path / "h.db"
    main([CHAT[0], "--chats-file", str(chats), *CHAT[1:]])
    main(["ingest", str(_archive(tmp_path / "a.jsonl")), "--db", str(db), "--chat", "weekly", "--chats-file", str(chats)])
    capsys.readouterr()
    base = ["report", "--db", str(db), "--chat", "weekly", "--history", "--chats-file", str(chats), "--last", "1"]
    assert main([*base, "--format", "json"]) == 0
    history = json.loads(capsys.readouterr().out)
    rows = [(s["participants"], s["new"], s["returning"], s["balls"], s["dropped"]) for s in history["sessions"]]
    assert rows == [(12, 12, 0, 12, 11), (25, 13, 12, 0, 0)]  # p0..p11 come back in January
    trends = {t["label"]: t["direction"] for t in history["trends"]}
    assert trends["participants per session"] == "better" and trends["balls dropped"] == "better"
    assert main(base) == 0
    markdown = capsys.readouterr().out
    assert "| 2026-01-09 * | 26 | 25 | 13 | 12 |" in markdown and "found off schedule" in markdown
    assert main([*base, "--format", "html", "-o", str(tmp_path / "h.html")]) == 0
    assert "<style>" in (tmp_path / "h.html").read_text(encoding="utf-8")
    assert main(["report", "--db", str(db), "--history"]) == 2


def test_dropped_balls_carry_over_until_a_moderator_deals_with_them(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    chats, db = tmp_path / "chats.toml", tmp_path / "h.db"
    main([CHAT[0], "--chats-file", str(chats), *CHAT[1:]])
    main(["ingest", str(_archive(tmp_path / "a.jsonl")), "--db", str(db), "--chat", "weekly", "--chats-file", str(chats)])
    capsys.readouterr()
    assert main(["followups", "--db", str(db)]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 11 and all("weekly" in line for line in listed)
    first = listed[0].split()[0]

    def carried() -> list[str]:
        main(["report", "--db", str(db), "--session", "2", "--chats-file", str(chats), "--format", "json"])
        return [b["id"] for b in json.loads(capsys.readouterr().out)["carried_over"]]

    assert len(carried()) == 11 and first in carried()
    assert main(["followups", "--db", str(db), "--dismiss", first, "--by", "sam"]) == 0
    assert first not in carried() and len(carried()) == 10
    # Twice is refused with where the ball stands, and writes nothing.
    with sqlite3.connect(db) as connection:
        before = connection.execute("SELECT count(*) FROM ledger_events").fetchone()[0]
    assert main(["followups", "--db", str(db), "--dismiss", first, "--by", "sam"]) == 2
    assert f"ball {first} is dismissed; it cannot be dismissed" in capsys.readouterr().err
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM ledger_events").fetchone()[0] == before
    assert main(["followups", "--db", str(db), "--reopen", first]) == 0
    assert first in carried()
    # a re-ingest does not undo what moderators did
    main(["followups", "--db", str(db), "--answered", first, "--by", "sam"])
    main(["ingest", str(tmp_path / "a.jsonl"), "--db", str(db), "--chat", "weekly", "--chats-file", str(chats)])
    capsys.readouterr()
    assert first not in carried()
    main(["report", "--db", str(db), "--session", "2", "--chats-file", str(chats)])
    assert "## Carried over from earlier sessions (10)" in capsys.readouterr().out


def test_a_chat_less_ingest_keeps_its_team_and_its_follow_ups(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    archive = str(Path(__file__).parents[2] / "fixtures" / "rendered" / "chatmod" / "rule5_answered.jsonl")
    db = tmp_path / "c.db"
    assert main(["ingest", archive, "--host", "mshost", "--cohost", "cohostsam", "--db", str(db)]) == 0
    capsys.readouterr()
    # The follow-up list has the dropped balls of sessions stored without a chat.
    assert main(["followups", "--db", str(db)]) == 0
    listed = capsys.readouterr().out.splitlines()
    # Without --chat they belong to the ad hoc chat of the host team (the archive's tag not given).
    assert listed and "nothing to follow up" not in listed[0] and all("  @mshost  " in line for line in listed)
    # Read back with the team that judged it, co-host included, without naming it again.
    assert main(["report", "--db", str(db), "--session", "1", "--format", "json"]) == 0
    stored = json.loads(capsys.readouterr().out)
    assert main(["report", archive, "--host", "mshost", "--cohost", "cohostsam", "--format", "json"]) == 0
    fresh = json.loads(capsys.readouterr().out)
    assert stored["sessions"][0]["answered"] == fresh["sessions"][0]["answered"]
    assert stored["sessions"][0]["participants"] == fresh["sessions"][0]["participants"]
    # sessions counts participants as the report does (the host team is not a participant),
    # and a chat without a schedule is never "off schedule".
    assert main(["sessions", "--db", str(db), "--json"]) == 0
    summaries = json.loads(capsys.readouterr().out)
    assert summaries[0]["participants"] == fresh["sessions"][0]["participants"]
    assert main(["sessions", "--db", str(db)]) == 0
    assert "off schedule" not in capsys.readouterr().out


def test_followups_filter_count_short_ids_and_bulk_dismiss(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    archive = str(Path(__file__).parents[2] / "fixtures" / "rendered" / "chatmod" / "rule5_answered.jsonl")
    db = tmp_path / "f.db"
    assert main(["ingest", archive, "--host", "mshost", "--cohost", "cohostsam", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["followups", "--db", str(db), "--json"]) == 0
    out = capsys.readouterr()
    every = json.loads(out.out)
    questions = [b for b in every if b["question"]]
    assert every and questions and f"{len(every)} balls to follow up, " in out.err
    assert {b["session"] for b in every} == {1, 2}

    assert main(["followups", "--db", str(db), "--questions", "--session", "1", "--json"]) == 0
    only = json.loads(capsys.readouterr().out)
    assert only == [b for b in questions if b["session"] == 1]
    assert main(["followups", "--db", str(db), "--since", "2999-01-01"]) == 0
    assert "nothing to follow up" in capsys.readouterr().err

    # The list shows ids cut short, as git does; a short id is enough to mark a ball.
    assert main(["followups", "--db", str(db)]) == 0
    short = capsys.readouterr().out.splitlines()[0].split()[0]
    full = every[0]["id"]
    assert len(short) < len(full) and full.startswith(short)
    assert main(["followups", "--db", str(db), "--dismiss", short, "--by", "sam"]) == 0
    assert f"ball {full} marked dismissed by sam" in capsys.readouterr().err
    assert main(["followups", "--db", str(db), "--answered", full[:4]]) == 2
    assert "the start of several balls' ids" in capsys.readouterr().err

    # Everything older than a day (the fixture is from 2026-03) is dismissed at once, and says so.
    assert main(["followups", "--db", str(db), "--dismiss-older-than", "1", "--by", "sam"]) == 0
    assert f"dismissed {len(every) - 1} balls" in capsys.readouterr().err
    assert main(["followups", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_stored_sessions_follow_up_list_ages_out_after_the_chats_sessions(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chats, db = tmp_path / "chats.toml", tmp_path / "h.db"
    assert main([CHAT[0], "--chats-file", str(chats), *CHAT[1:], "--follow-up-sessions", "1"]) == 0
    source = _archive(tmp_path / "a.jsonl")
    february = datetime(2026, 2, 6, 18, 0, tzinfo=UTC)
    with source.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"network": "twitter", "id": "900", "author": "mshost", "text": "Q1: spring? #edchat",
                              "created_at": february.isoformat()}) + "\n")
        out.write(json.dumps({"network": "twitter", "id": "901", "author": "zoe", "text": "@mshost where to start? #edchat",
                              "created_at": (february + timedelta(minutes=3)).isoformat()}) + "\n")
        for i in range(4):  # a scheduled session needs a few messages to have happened
            out.write(json.dumps({"network": "twitter", "id": str(910 + i), "author": f"q{i}", "text": f"A1 {i} #edchat",
                                  "created_at": (february + timedelta(minutes=5 + i)).isoformat()}) + "\n")
    main(["ingest", str(source), "--db", str(db), "--chat", "weekly", "--chats-file", str(chats)])
    capsys.readouterr()
    base = ["report", "--db", str(db), "--session", "3", "--chats-file", str(chats)]
    assert main([*base, "--followups"]) == 0
    out = capsys.readouterr().out
    # December's eleven are older than the chat's one session of follow-up: counted, not listed.
    assert out.startswith("# #edchat follow-ups — Friday 6 February 2026\n")
    assert "where to start?" in out and "book 3" not in out
    assert "11 older balls from before the last 1 session aged out (chatmod followups lists them)." in out
    assert main(["followups", "--db", str(db), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 12  # the full list still has them
    assert main([*base, "--recap"]) == 0
    recap = capsys.readouterr().out
    assert "where to start" not in recap and "Thank you to all 5: @zoe, @q0, @q1, @q2, @q3." in recap
    assert "### Q1 · 13:00 EST" in recap  # in the chat's zone, as --chat gives for an archive
    assert main([*base, "--recap", "--format", "json"]) == 2
    assert "--recap is written as md or html" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main([*base, "--recap", "--followups"])
    assert exit_.value.code == 2
    assert main(["chats", "show", "weekly", "--chats-file", str(chats)]) == 0
    assert "follow-ups: carried over for 1 session" in capsys.readouterr().out


def test_a_stored_sessions_report_counts_the_stored_ledger_moderators_marks_included(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chats, db = tmp_path / "chats.toml", tmp_path / "h.db"
    main([CHAT[0], "--chats-file", str(chats), *CHAT[1:]])
    main(["ingest", str(_archive(tmp_path / "a.jsonl")), "--db", str(db), "--chat", "weekly", "--chats-file", str(chats)])
    report = ["report", "--db", str(db), "--session", "1", "--chats-file", str(chats), "--format", "json"]
    capsys.readouterr()
    assert main(report) == 0
    (before,) = json.loads(capsys.readouterr().out)["sessions"]
    ball = before["dropped"][0]["id"]
    # The host answered it in a DM: a moderator marks it, and every figure counts it answered.
    assert main(["followups", "--db", str(db), "--answered", ball, "--by", "sam"]) == 0
    capsys.readouterr()
    assert main(report) == 0
    (after,) = json.loads(capsys.readouterr().out)["sessions"]
    assert len(after["dropped"]) == len(before["dropped"]) - 1
    (marked,) = [b for b in after["answered"] if b["id"] == ball]
    assert (marked["answered_by"], marked["answered_how"]) == ("sam", "moderator")


def test_the_history_counts_a_ball_a_moderator_marked_answered(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    chats, db = tmp_path / "chats.toml", tmp_path / "h.db"
    main([CHAT[0], "--chats-file", str(chats), *CHAT[1:]])
    main(["ingest", str(_archive(tmp_path / "a.jsonl")), "--db", str(db), "--chat", "weekly", "--chats-file", str(chats)])
    capsys.readouterr()
    main(["followups", "--db", str(db)])
    first = capsys.readouterr().out.splitlines()[0].split()[0]
    assert main(["followups", "--db", str(db), "--answered", first, "--by", "sam"]) == 0
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--chat", "weekly", "--history", "--chats-file", str(chats),
                 "--format", "json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert [(s["balls"], s["dropped"]) for s in history["sessions"]] == [(12, 10), (0, 0)]


def test_a_session_stored_unjudged_is_judged_when_reported_with_a_host(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    archive = str(Path(__file__).parents[2] / "fixtures" / "rendered" / "chatmod" / "rule5_answered.jsonl")
    db = tmp_path / "h.db"
    assert main(["ingest", archive, "--db", str(db)]) == 0  # no --host: stored, not judged
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--session", "1", "--host", "mshost", "--format", "json"]) == 0
    (session,) = json.loads(capsys.readouterr().out)["sessions"]
    assert session["balls"] > 0 and session["dropped"]


def _ledger_rows(db: Path, table: str = "ledger") -> list[tuple[str, str, str]]:
    """The ledger as it stands (``ledger_events``: the whole log, superseded judgements too)."""
    with sqlite3.connect(db) as connection:
        return connection.execute(f"SELECT ball_id, kind, origin FROM {table} ORDER BY seq").fetchall()


def test_rejudge_replaces_the_engines_judgement_and_keeps_every_moderator_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chats, db = tmp_path / "chats.toml", tmp_path / "h.db"
    main([CHAT[0], "--chats-file", str(chats), *CHAT[1:]])
    main(["ingest", str(_archive(tmp_path / "a.jsonl")), "--db", str(db), "--chat", "weekly", "--chats-file", str(chats)])
    capsys.readouterr()
    main(["followups", "--db", str(db)])
    marked = capsys.readouterr().out.splitlines()[0].split()[0]
    assert main(["followups", "--db", str(db), "--answered", marked, "--by", "sam"]) == 0
    # What an older engine wrote: the host's Q1 taken for a ball, dropped, and a moderator
    # dismissed it. Today's engine does not open it.
    with sqlite3.connect(db) as connection:
        connection.executemany(
            "INSERT INTO ledger_events (chat, network, ball_id, kind, at, by, origin, detail)"
            " VALUES ('weekly', ?, ?, ?, ?, ?, ?, ?)",
            [("twitter", "2", "opened", "2025-12-05T18:00:00.000Z", "mshost", "engine", "{}"),
             ("twitter", "2", "dropped", "2025-12-05T19:00:00.000Z", "", "engine", "{}"),
             ("twitter", "2", "dismissed", "2025-12-06T10:00:00.000Z", "sam", "moderator", "{}")])
    before = _ledger_rows(db)
    capsys.readouterr()

    rejudge = ["rejudge", "--db", str(db), "--chats-file", str(tmp_path / "chats.toml")]
    assert main([*rejudge, "--dry-run"]) == 0
    said = capsys.readouterr().out.splitlines()
    assert said[0] == ("session 1 (weekly, 2025-12-05 18:00): 12 balls (was 13), 2 answered, 10 dropped; "
                       "2 moderator marks kept, 1 no longer applies")
    assert said[1] == "session 2 (weekly, 2026-01-09 18:00): unchanged, 0 balls, 0 answered, 0 dropped"
    assert said[2] == "2 sessions judged again, 1 changed (dry run: nothing written)"
    assert _ledger_rows(db) == before

    assert main(rejudge) == 0
    capsys.readouterr()
    after = _ledger_rows(db)
    # Both marks stay in the history, after the engine's judgement of their balls.
    assert after[-2:] == [(marked, "answered", "moderator"), ("2", "dismissed", "moderator")]
    assert ("2", "opened", "engine") not in after
    assert after.index((marked, "opened", "engine")) < after.index((marked, "answered", "moderator"))
    log = _ledger_rows(db, "ledger_events")
    assert log[:len(before)] == before and log[len(before):] == after  # appended: nothing rewritten
    assert main(["report", "--db", str(db), "--session", "1", "--chats-file", str(chats), "--format", "json"]) == 0
    (session,) = json.loads(capsys.readouterr().out)["sessions"]
    assert (session["balls"], len(session["dropped"])) == (12, 10)
    assert [(b["answered_by"], b["answered_how"]) for b in session["answered"] if b["id"] == marked] == [
        ("sam", "moderator")]
    assert main([*rejudge, "--session", "1"]) == 0  # again: nothing left to change
    assert capsys.readouterr().out.splitlines()[-1] == "1 session judged again, 0 changed"
    assert _ledger_rows(db) == after and _ledger_rows(db, "ledger_events") == log  # nothing appended


def test_rejudge_leaves_an_unjudged_session_and_names_a_missing_one(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    archive = str(Path(__file__).parents[2] / "fixtures" / "rendered" / "chatmod" / "rule5_answered.jsonl")
    db = tmp_path / "h.db"
    assert main(["ingest", archive, "--db", str(db)]) == 0  # no --host: stored, not judged
    capsys.readouterr()
    assert main(["rejudge", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "skipped, stored without a host team: ingest it again with --host to judge it" in out
    assert out.splitlines()[-1] == "0 sessions judged again, 0 changed"
    assert main(["rejudge", "--db", str(db), "--session", "9"]) == 2
    assert f"no session 9 in {db}" in capsys.readouterr().err


def test_a_ball_answered_then_reopened_stays_in_its_sessions_report_as_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chats, db = tmp_path / "chats.toml", tmp_path / "h.db"
    main([CHAT[0], "--chats-file", str(chats), *CHAT[1:]])
    main(["ingest", str(_archive(tmp_path / "a.jsonl")), "--db", str(db), "--chat", "weekly", "--chats-file", str(chats)])
    capsys.readouterr()
    main(["followups", "--db", str(db)])
    ball = capsys.readouterr().out.splitlines()[0].split()[0]
    assert main(["followups", "--db", str(db), "--answered", ball, "--by", "sam"]) == 0
    assert main(["followups", "--db", str(db), "--reopen", ball, "--by", "sam"]) == 0
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--session", "1", "--chats-file", str(chats), "--format", "json"]) == 0
    (session,) = json.loads(capsys.readouterr().out)["sessions"]
    assert [b["id"] for b in session["open"]] == [ball]
    assert ball not in {b["id"] for b in session["answered"] + session["dropped"]}
    assert main(["report", "--db", str(db), "--session", "1", "--chats-file", str(chats), "--format", "md"]) == 0
    assert "1 still open" in capsys.readouterr().out
