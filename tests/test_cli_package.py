"""The command line's shape: modules that import no cycle, and chat definitions read per network."""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path

import pytest

from chatmod.cli import main

CLI = Path(__file__).parent.parent / "chatmod" / "cli"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "rendered"


def _cli_imports(path: Path) -> set[str]:
    """The chatmod.cli modules that ``path`` imports, at any depth of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("chatmod.cli"):
            if node.module == "chatmod.cli":
                found.update(f"chatmod.cli.{alias.name}" for alias in node.names)
                found.add("chatmod.cli")
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("chatmod.cli"))
    return found


def test_the_command_modules_import_each_other_without_a_cycle() -> None:
    graph = {
        ("chatmod.cli" if p.stem == "__init__" else f"chatmod.cli.{p.stem}"): _cli_imports(p)
        for p in CLI.glob("*.py")
    }
    assert len(graph) >= 6
    # Only the package front imports the command groups; no module imports the front.
    assert not [name for name, imports in graph.items() if "chatmod.cli" in imports]

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import cycle: {' -> '.join((*path, name))}"
        for imported in graph.get(name, ()):
            visit(imported, (*path, name))

    for name in graph:
        visit(name, ())


def test_the_cycle_check_finds_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from chatmod.cli.b import x\n")
    assert _cli_imports(tmp_path / "a.py") == {"chatmod.cli.b"}


CHATS = """\
[chats.demo]
hashtag = "teachtechchat"
hosts = { twitter = ["notthehost"], mastodon = ["msrivera"] }
cohosts = { mastodon = ["mrokafor"] }
rrule = "FREQ=WEEKLY;BYDAY=TU"
start = 2026-03-03T12:00:00
timezone = "America/New_York"
duration_minutes = 60
"""


def _answered(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT count(*) FROM ledger_events WHERE kind = 'answered'").fetchone()[0])


def test_a_chat_judges_with_the_handles_of_the_network_being_read(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    chats = tmp_path / "chats.toml"
    chats.write_text(CHATS)
    archive = str(FIXTURES / "mastodon" / "demo.jsonl")
    by_chat, by_hand = tmp_path / "chat.db", tmp_path / "hand.db"
    assert main(["ingest", archive, "--chat", "demo", "--chats-file", str(chats), "--db", str(by_chat)]) == 0
    assert main(["ingest", archive, "--host", "msrivera", "--cohost", "mrokafor", "--db", str(by_hand)]) == 0
    assert _answered(by_chat) == _answered(by_hand) > 10
    # --network still picks another network's handles on purpose: none of them wrote here.
    other = tmp_path / "other.db"
    assert main(["ingest", archive, "--chat", "demo", "--chats-file", str(chats), "--network", "twitter",
                 "--db", str(other)]) == 0
    assert _answered(other) == 0


DAILY = """\
[chats.daily]
hashtag = "edchat"
hosts = { twitter = ["mshost"] }
rrule = "FREQ=DAILY"
start = 2026-03-01T17:00:00
timezone = "UTC"
duration_minutes = 60
"""


def test_analyze_and_report_take_a_chat_its_tag_team_and_schedule(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from chatmod.formats.native import dump_message
    from tests.conftest import chat

    chats = tmp_path / "chats.toml"
    chats.write_text(DAILY)
    rows = [
        ("q1", "0:00", "mshost", "Q1: hello? #edchat"),
        ("b1", "30:00", "bob", "@mshost how do I join next time? #edchat"),
        ("x1", "40:00", "eve", "buy followers #spam"),
        ("a1", "41:00", "cal", "A1 hello from Leeds #edchat"),
        ("a2", "42:00", "dee", "A1 hello from Lyon #edchat"),
        ("a3", "43:00", "fay", "A1 hello from Lagos #edchat"),
        # 2h30 later: inside a 3-hour silence, but after the window (17:00-18:00) and its hour of tail.
        ("h1", "2:30:00", "mshost", "@bob sign up on the site #edchat", {"reply_to_id": "b1", "reply_to_author": "bob"}),
    ]
    archive = tmp_path / "a.jsonl"
    archive.write_text("".join(dump_message(m) + "\n" for m in chat(rows)))

    assert main(["analyze", str(archive), "--host", "mshost"]) == 0
    by_silence = {r["id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert by_silence["b1"]["status"] == "answered" and by_silence["h1"]["session"] == 1

    assert main(["analyze", str(archive), "--chat", "daily", "--chats-file", str(chats)]) == 0
    by_chat = {r["id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert "x1" not in by_chat  # the chat's hashtag filters, as --tag would
    # The reply after the window is no session's: a lone message outside the schedule.
    assert by_chat["b1"]["status"] == "dropped" and by_chat["h1"]["session"] is None

    assert main(["report", str(archive), "--chat", "daily", "--chats-file", str(chats), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["source"] == "a.jsonl" and len(report["sessions"]) == 1 and report["outside"] == 1


def test_report_times_in_a_zone_and_a_window_of_the_archive(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    import json

    archive = str(FIXTURES / "chatmod" / "rule5_answered.jsonl")
    assert main(["report", archive, "--host", "mshost", "--tz", "America/New_York"]) == 0
    text = capsys.readouterr().out
    assert "13:01 EDT" in text and " UTC" not in text  # the chat began 17:00 UTC, 24 March 2026
    assert main(["report", archive, "--host", "mshost", "--tz", "America/New_York", "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert "Times are in America/New_York.</footer>" in page and ">13:01 EDT</time>" in page
    with pytest.raises(SystemExit):
        main(["report", archive, "--host", "mshost", "--tz", "Mars/Olympus"])
    assert "unknown time zone 'Mars/Olympus'" in capsys.readouterr().err

    assert main(["analyze", archive, "--host", "mshost"]) == 0
    every = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    sessions = sorted({r["session"] for r in every})
    assert len(sessions) == 2
    second = min(r["created_at"] for r in every if r["session"] == 2)
    assert main(["analyze", archive, "--host", "mshost", "--until", second]) == 0
    first_only = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert first_only and {r["session"] for r in first_only} == {1}
    assert len(first_only) == sum(1 for r in every if r["session"] == 1)
    assert main(["analyze", archive, "--host", "mshost", "--since", "2999-01-01"]) == 2
    assert "between --since and --until" in capsys.readouterr().err
