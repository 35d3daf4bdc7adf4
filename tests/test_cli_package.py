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
