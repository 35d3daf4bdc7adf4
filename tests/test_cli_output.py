"""Where the command line writes, and how it fails: output paths, stdout, options, databases."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from chatmod.cli import main

FIXTURES = Path(__file__).parent.parent / "fixtures" / "rendered"
ARCHIVE = str(FIXTURES / "chatmod" / "rule5_answered.jsonl")
REPORT = ["report", ARCHIVE, "--host", "mshost"]


def run_chatmod(*args: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "chatmod", *args], stdout=stdout, stderr=subprocess.PIPE,
                          timeout=120)


class TestOutputPaths:
    def test_a_regular_file_is_replaced_whole_and_keeps_its_mode(self, tmp_path: Path) -> None:
        out = tmp_path / "recap.md"
        out.write_text("old")
        out.chmod(0o640)
        assert main([*REPORT, "-o", str(out)]) == 0
        assert out.read_text().startswith("# ") and (out.stat().st_mode & 0o777) == 0o640
        assert [p.name for p in tmp_path.iterdir()] == ["recap.md"]  # no leftover .partial

    def test_a_symlink_is_written_through_not_replaced(self, tmp_path: Path) -> None:
        target = tmp_path / "real.md"
        target.write_text("old")
        link = tmp_path / "link.md"
        link.symlink_to(target)
        assert main([*REPORT, "-o", str(link)]) == 0
        assert link.is_symlink() and target.read_text().startswith("# ")

    def test_a_fifo_is_written_into_not_replaced(self, tmp_path: Path) -> None:
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        got: list[bytes] = []
        reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
        reader.start()
        assert main([*REPORT, "-o", str(fifo)]) == 0
        reader.join(30)
        assert fifo.is_fifo() and got and got[0].startswith(b"# ")

    @pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
    def test_a_full_device_is_an_error_and_stays_a_device(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main([*REPORT, "-o", "/dev/full"]) == 1
        err = capsys.readouterr().err
        assert "cannot write /dev/full" in err and "wrote" not in err
        assert Path("/dev/full").is_char_device()

    def test_a_missing_directory_is_an_error(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main([*REPORT, "-o", str(tmp_path / "no" / "r.md")]) == 1
        assert "cannot write" in capsys.readouterr().err


class TestStandardOutput:
    @pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
    @pytest.mark.parametrize("command", [["analyze", ARCHIVE, "--host", "mshost"], REPORT])
    def test_a_full_stdout_is_one_line_and_status_1(self, command: list[str]) -> None:
        with open("/dev/full", "wb") as full:
            done = run_chatmod(*command, stdout=full.fileno())
        err = done.stderr.decode()
        assert done.returncode == 1 and "Traceback" not in err
        assert "chatmod: error: cannot write to standard output: No space left on device" in err

    def test_a_closed_pipe_ends_quietly(self) -> None:
        # The demo's analysis is several times a pipe's buffer: the writer meets the closed end.
        demo = str(Path(__file__).parent.parent / "chatmod" / "demo" / "demo_chat.jsonl")
        process = subprocess.Popen([sys.executable, "-m", "chatmod", "analyze", demo, "--host", "msrivera"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()  # `| head -1`
        err = process.stderr.read().decode()
        assert process.wait(60) == 1
        assert "Traceback" not in err and "Broken pipe" not in err and "Exception ignored" not in err


def test_abbreviated_options_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["analyze", ARCHIVE, "--chats", "x", "--host", "mshost"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --chats" in capsys.readouterr().err


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "theirs.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE foo (x)")
    assert main(["ingest", ARCHIVE, "--host", "mshost", "--db", str(db)]) == 2
    assert f"{db}: not a chatmod database (it holds foo)" in capsys.readouterr().err
    with sqlite3.connect(db) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert tables == ["foo"]
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, just some words that are long enough" * 20)
    assert main(["sessions", "--db", str(text)]) == 2
    assert "not a database" in capsys.readouterr().err


def test_help_states_every_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    for status in ("0 done", "1 the work could not be finished", "2 usage or input error", "130 interrupted"):
        assert status in out


def test_the_default_moderator_is_the_login_name_without_user(monkeypatch: pytest.MonkeyPatch) -> None:
    import pwd

    from chatmod.cli.common import login_name

    for name in ("USER", "LOGNAME", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)
    assert login_name() == pwd.getpwuid(os.getuid()).pw_name


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("mastodon://chat.example/edchat", "needs a user access token"),
        ("https://mastodon.social/tags/edchat", "mastodon://mastodon.social/edchat"),
        ("at://did:plc:abc/app.bsky.feed.post/1", "jetstream://HOST?tag=TAG"),
        ("bluesky://edchat", "jetstream://HOST?tag=TAG"),
    ],
)
def test_a_url_source_names_the_live_forms(source: str, says: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", source, "--host", "mshost"]) == 2
    err = capsys.readouterr().err
    assert says in err and "no such file" not in err


def test_an_empty_file_says_it_is_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "chat.jsonl"
    empty.write_text("\n\n")
    assert main(["analyze", str(empty), "--host", "mshost"]) == 2
    err = capsys.readouterr().err
    assert "chat.jsonl is empty" in err and "--input-format" not in err


def test_csv_links_are_web_links_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from chatmod.formats.native import dump_message
    from tests.conftest import chat

    messages = chat([("b1", "0:00", "bob", "@mshost how?")])
    archive = tmp_path / "a.jsonl"
    archive.write_text(dump_message(messages[0].model_copy(update={"url": "javascript:alert(1)"})) + "\n")
    assert main(["report", str(archive), "--host", "mshost", "--format", "csv"]) == 0
    assert "javascript" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["watch", ARCHIVE, "--host", "mshost", "--speed", "0"], "'0' is not a speed"),
        (["watch", ARCHIVE, "--host", "mshost", "--amber", "0"], "must be 1 or more"),
        (["report", "--history", "--chat", "x", "--last", "0"], "must be 1 or more"),
    ],
)
def test_values_that_mean_nothing_are_refused(args: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2 and says in capsys.readouterr().err


def test_red_must_come_after_amber_before_anything_opens(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", ARCHIVE, "--host", "mshost", "--amber", "300", "--red", "120"]) == 2
    assert "--red (120 s) must be longer than --amber (300 s)" in capsys.readouterr().err


def test_chats_file_is_taken_after_the_action(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "chats.toml"
    assert main(["chats", "add", "x", "--tag", "t", "--host", "h", "--rrule", "FREQ=WEEKLY",
                 "--start", "2026-01-01T10:00", "--tz", "UTC", "--chats-file", str(book)]) == 0
    assert main(["chats", "list", "--chats-file", str(book)]) == 0
    assert "x\t#t" in capsys.readouterr().out and book.exists()
