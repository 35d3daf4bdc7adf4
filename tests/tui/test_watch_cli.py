"""chatmod watch and chatmod demo from the command line: what starts the console, and what refuses to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatmod.cli import main
from chatmod.tui.app import ChatmodApp
from tests.store.test_sessions_cli import CHAT, _archive


@pytest.fixture
def console(monkeypatch: pytest.MonkeyPatch) -> list[ChatmodApp]:
    """Pretend to be on a terminal; instead of running the TUI, run its loader and keep the app."""
    started: list[ChatmodApp] = []

    def run(app: ChatmodApp) -> None:
        started.append(app)
        try:
            app._session = app._loader()  # what the worker thread does after the first frame
        except Exception as error:
            app.load_error = error

    monkeypatch.setattr(ChatmodApp, "run", run)
    monkeypatch.setattr("chatmod.cli.console._on_terminal", lambda: True)
    return started


def test_the_console_needs_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 2
    err = capsys.readouterr().err
    assert "needs a terminal" in err and "demo --recap" in err


def test_demo_recap_prints_the_report_without_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--recap"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# #teachtechchat recap") and "## The questions" in out
    assert "Dropped" not in out  # the public recap: the follow-up list is the host's


def test_demo_opens_the_console_on_the_bundled_chat_at_30x(console: list[ChatmodApp]) -> None:
    assert main(["demo"]) == 0
    app = console[0]
    assert app.session.speed == 30.0
    assert app.session.start.isoformat().startswith("2026-03-03T17:00")
    assert app.options.title == "#teachtechchat · demo"


def test_watch_refuses_what_it_cannot_replay(tmp_path: Path, console: list[ChatmodApp],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "mastodon://example.social/edchat", "--host", "h"]) == 2
    assert "needs a user access token" in capsys.readouterr().err
    assert main(["watch", "mastodon://example.social/", "--host", "h", "--token", "t"]) == 2
    assert "name one hashtag" in capsys.readouterr().err
    assert main(["watch", str(tmp_path / "a.jsonl")]) == 2
    assert "--host is required" in capsys.readouterr().err
    assert main(["watch"]) == 2
    assert "SOURCE is required" in capsys.readouterr().err
    assert main(["watch", str(tmp_path / "missing.jsonl"), "--host", "h"]) == 2
    assert "missing.jsonl" in capsys.readouterr().err
    (tmp_path / "empty.jsonl").write_text(json.dumps({"not": "a message"}) + "\n", encoding="utf-8")
    assert main(["watch", str(tmp_path / "empty.jsonl"), "--host", "h", "--input-format", "chatmod"]) == 2
    assert "nothing to replay" in capsys.readouterr().err
    assert main(["watch", str(tmp_path / "a.jsonl"), "--host", "h", "--amber", "300", "--red", "60"]) == 2
    assert "must be longer than --amber" in capsys.readouterr().err


def test_watch_a_file_with_a_tag_and_options(tmp_path: Path, console: list[ChatmodApp]) -> None:
    source = _archive(tmp_path / "a.jsonl")
    assert main(["watch", str(source), "--host", "mshost", "--tag", "edchat", "--speed", "max",
                 "--as", "sam", "--feature", "p1", "--mute", "p2"]) == 0
    app = console[0]
    assert app.session.speed is None and app.options.moderator == "sam"
    assert app.options.featured == {"p1"} and app.options.muted == {"p2"}
    app.session.tick()
    assert app.session.state.received > 0


def test_watch_a_stored_session_records_actions_in_its_database(tmp_path: Path, console: list[ChatmodApp]) -> None:
    chats, db = tmp_path / "chats.toml", tmp_path / "h.db"
    main([CHAT[0], "--chats-file", str(chats), *CHAT[1:]])
    main(["ingest", str(_archive(tmp_path / "a.jsonl")), "--db", str(db), "--chat", "weekly", "--chats-file", str(chats)])
    assert main(["watch", "--db", str(db), "--session", "2", "--chats-file", str(chats)]) == 0
    app = console[0]
    assert app.options.recorder is not None and app.options.recorder.path == db
    assert app.session.state.carried_over == 11  # the first session's dropped balls
    assert app.session.start.isoformat().startswith("2026-01-09")


def test_watch_a_chat_takes_its_handles_on_the_network_read_and_its_schedule(
    tmp_path: Path, console: list[ChatmodApp]
) -> None:
    from datetime import UTC, datetime

    chats = tmp_path / "chats.toml"
    chats.write_text(
        '[chats.demo]\nhashtag = "teachtechchat"\n'
        'hosts = { twitter = ["notthehost"], mastodon = ["msrivera"] }\ncohosts = { mastodon = ["mrokafor"] }\n'
        'rrule = "FREQ=WEEKLY;BYDAY=TU"\nstart = 2026-03-03T12:00:00\ntimezone = "America/New_York"\n'
        "duration_minutes = 60\n"
    )
    archive = Path(__file__).parents[2] / "fixtures" / "rendered" / "mastodon" / "demo.jsonl"
    assert main(["watch", str(archive), "--chat", "demo", "--chats-file", str(chats), "--speed", "1"]) == 0
    session = console[0].session
    assert session.runtime.team.hosts == ("msrivera",)
    session.tick()  # the first message, at 17:00 UTC
    # Its session is the scheduled window (12:00-13:00 New York) and its hour of late replies.
    assert session.runtime.window is not None
    assert session.runtime.ends_after == datetime(2026, 3, 3, 19, tzinfo=UTC)


def test_a_console_whose_source_failed_exits_1_saying_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from chatmod.sources.base import ConnectionState, Link

    def run(app: ChatmodApp) -> None:
        app._session = app._loader()
        app._session.link = ConnectionState(Link.FAILED, "the server refused the token (401: Invalid access token)")

    monkeypatch.setattr(ChatmodApp, "run", run)
    monkeypatch.setattr("chatmod.cli.console._on_terminal", lambda: True)
    assert main(["watch", str(_archive(tmp_path / "a.jsonl")), "--host", "mshost"]) == 1
    assert "stopped: the server refused the token (401: Invalid access token)" in capsys.readouterr().err
