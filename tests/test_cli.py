"""The command line as scripts and people meet it: output contract, errors, exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chatmod.cli import main
from tests.conftest import corpus_file

TWEETS = [
    {"id_str": "1001", "created_at": "Tue Mar 03 17:00:00 +0000 2026", "full_text": "Q1: What got you into teaching? #chat",
     "user": {"id_str": "1", "screen_name": "MsHost", "name": "Ms Host"}},
    {"id_str": "1002", "created_at": "Tue Mar 03 17:01:00 +0000 2026", "full_text": "@MsHost A1 my own 3rd grade teacher. How did you start? #chat",
     "user": {"id_str": "2", "screen_name": "bob", "name": "Bob"}, "in_reply_to_status_id_str": "1001", "in_reply_to_screen_name": "MsHost"},
    {"id_str": "1003", "created_at": "Tue Mar 03 17:02:00 +0000 2026", "full_text": "@bob Same story! Mrs. Park, 4th grade.",
     "user": {"id_str": "1", "screen_name": "MsHost", "name": "Ms Host"}, "in_reply_to_status_id_str": "1002", "in_reply_to_screen_name": "bob"},
    {"id_str": "1004", "created_at": "Tue Mar 03 17:03:00 +0000 2026", "full_text": "@MsHost any tips for a first-year teacher #chat",
     "user": {"id_str": "3", "screen_name": "carol", "name": "Carol"}},
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    # Newest first, as spreadsheets export: the output must still be chronological.
    return _write(tmp_path / "chat.jsonl", [json.dumps(t) for t in reversed(TWEETS)])


def test_analyze_prints_the_contract_in_chronological_order(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(archive), "--host", "mshost"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == ["1001", "1002", "1003", "1004"]
    assert rows[0]["created_at"] == "2026-03-03T17:00:00Z"
    for row in rows:
        assert {"id", "author", "created_at", "thread", "to_host", "question", "answered", "answered_by"} <= row.keys()
        assert (row["answered"] is None) == (not row["to_host"])
    assert (rows[1]["to_host"], rows[1]["question"], rows[1]["answered"], rows[1]["answered_by"]) == (True, True, True, "1003")
    assert (rows[3]["to_host"], rows[3]["question"], rows[3]["answered"]) == (True, True, False)
    assert [r["thread"] for r in rows] == [1, 1, 1, 1]


def test_bad_records_are_reported_with_file_and_line_and_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "chat.jsonl", [json.dumps(TWEETS[0]), "{not json", json.dumps({"id_str": "9"}), json.dumps(TWEETS[1])])
    assert main(["analyze", str(path), "--host", "mshost"]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert f"{path}:2:" in captured.err and f"{path}:3:" in captured.err
    assert "2 records rejected" in captured.err


def test_nothing_usable_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "chat.jsonl", ["{not json", "[1, 2"])
    assert main(["analyze", str(path), "--host", "mshost", "--input-format", "twarc1"]) == 2
    assert "no usable messages" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [(["analyze", "chat.jsonl"], "--host is required"), (["analyze", "/nonexistent/chat.jsonl", "--host", "h"], "/nonexistent/chat.jsonl")],
)
def test_usage_and_input_errors_are_one_clear_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_unknown_format_is_refused_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", "x", "--host", "h", "--input-format", "nope"])
    assert exit_info.value.code == 2 and "twarc1" in capsys.readouterr().err


def test_warns_when_the_host_never_posts(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["analyze", str(archive), "--host", "somebodyelse"])
    assert "no message is by the host team" in capsys.readouterr().err


@pytest.mark.parametrize("fmt, marker", [("md", "# "), ("html", "<!DOCTYPE html"), ("json", '"sessions"'), ("csv", "session,status")])
def test_report_writes_each_format_to_a_file(archive: Path, tmp_path: Path, fmt: str, marker: str) -> None:
    out = tmp_path / f"recap.{fmt}"
    assert main(["report", str(archive), "--host", "mshost", "--format", fmt, "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert marker.lower() in text.lower() and "carol" in text
    assert not list(tmp_path.glob(".*.partial"))


def test_report_lists_the_dropped_question_first(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["report", str(archive), "--host", "mshost"])
    out = capsys.readouterr().out
    assert out.index("any tips for a first-year teacher") < out.index("How did you start?")


def test_help_lists_only_what_works() -> None:
    out = subprocess.run([sys.executable, "-m", "chatmod", "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("demo", "watch", "analyze", "report", "ingest", "chats"):
        assert command in out
    for absent in ("serve", "join"):
        assert f"    {absent}" not in out
    # every command and its help on one line, the longest name included
    assert any(line.startswith("    followups  the follow-up list") for line in out.splitlines())


def test_stdin_is_a_source(archive: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "chatmod", "analyze", "-", "--host", "mshost"],
                            input=archive.read_text(), capture_output=True, text=True)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 4


@pytest.mark.corpus
def test_pstweetchat_archive_reads_whole(capsys: pytest.CaptureFixture[str]) -> None:
    path = corpus_file("pstweetchat.csv")
    assert main(["analyze", str(path), "--host", "JeffHicks"]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert len(rows) == 2473 and "rejected" not in captured.err
    assert [r["created_at"] for r in rows] == sorted(r["created_at"] for r in rows)
    host_rows = [r for r in rows if r["author"].lower() == "jeffhicks"]
    assert len(host_rows) == 1167 and not any(r["to_host"] for r in host_rows)
    balls = [r for r in rows if r["to_host"]]
    # 675 tweets by others mention the host; cc's and third-person mentions are not balls.
    assert 400 < len(balls) < 675
    assert 0.3 < sum(r["answered"] for r in balls) / len(balls) < 0.7


def test_a_lone_surrogate_in_a_message_does_not_break_the_output(tmp_path: Path) -> None:
    # "\ud800" is valid JSON but cannot be written as UTF-8; it must not crash analyze or report.
    line = '{"network":"twitter","id":"1","author":"bob","created_at":"2026-01-01T00:00:00Z","text":"@mshost hi \\ud800?"}'
    source = _write(tmp_path / "s.jsonl", [line])
    done = subprocess.run([sys.executable, "-m", "chatmod", "analyze", str(source), "--host", "mshost"],
                          capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["text"] == "@mshost hi \ufffd?"
    out = tmp_path / "r.html"
    assert main(["report", str(source), "--host", "mshost", "--format", "html", "-o", str(out)]) == 0
    assert "\ufffd" in out.read_text(encoding="utf-8")


def test_ingest_is_quiet_when_piped_and_says_what_it_stored(tmp_path: Path) -> None:
    demo = Path(__file__).resolve().parents[1] / "chatmod" / "demo" / "demo_chat.jsonl"
    db = tmp_path / "h.db"
    command = [sys.executable, "-m", "chatmod", "ingest", str(demo), "--db", str(db), "--host", "msrivera"]
    first = subprocess.run(command, capture_output=True, text=True, check=True)
    again = subprocess.run(command, capture_output=True, text=True, check=True)
    assert first.stdout == "" and first.stderr.count("\n") == 1 and "\r" not in first.stderr
    assert "326 messages" in first.stderr and "(326 new or changed)" in first.stderr
    assert "(0 new or changed)" in again.stderr and "0 new ledger events" in again.stderr


def test_ingest_into_a_missing_directory_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = Path(__file__).resolve().parents[1] / "chatmod" / "demo" / "demo_chat.jsonl"
    assert main(["ingest", str(demo), "--db", str(tmp_path / "nope" / "h.db")]) == 1
    assert "nope/h.db: cannot open it (the directory" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_ingest_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    import os
    import pty

    demo = Path(__file__).resolve().parents[1] / "chatmod" / "demo" / "demo_chat.jsonl"
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "chatmod", "ingest", str(demo), "--db", str(tmp_path / "h.db"), "--host", "msrivera"],
        stdout=subprocess.DEVNULL, stderr=terminal, env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"},
    )
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 0
    text = seen.decode("utf-8", "replace")
    assert "ingesting" in text and "messages" in text  # the live progress line
    assert "read 326 messages into" in text  # and the summary after it


def test_the_readme_documents_every_option() -> None:
    import argparse

    from chatmod.cli import build_parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = []

    def walk(name: str, parser: argparse.ArgumentParser) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child_name, child in action.choices.items():
                    walk(f"{name} {child_name}".strip(), child)
            missing.extend(f"{name} {option}" for option in action.option_strings
                           if option.startswith("--") and option not in ("--help", "--version") and option not in readme)

    walk("", build_parser())
    assert missing == []
