"""The CSV: one row per ball, and nothing a spreadsheet would run."""

from __future__ import annotations

import csv
import io

from conftest import Chat, hostile_chat

from chatmod.report import render
from chatmod.report.render_csv import COLUMNS, guard


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_header_and_one_row_per_ball_dropped_first(small):
    out = render(small, "csv")
    assert out.startswith(",".join(COLUMNS) + "\r\n")
    assert out.endswith("\r\n")
    table = rows(out)
    assert [(r["status"], r["author"]) for r in table] == [
        ("dropped", "carol"), ("dropped", "eve"), ("answered", "bob"),
    ]
    carol, eve, bob = table
    assert carol["question"] == "yes" and eve["question"] == "no"
    assert carol["thread"] == "1" and eve["thread"] == ""  # her thanks answers no question
    assert carol["waited_s"] == "660" and carol["response_s"] == "" and carol["answered_by"] == ""
    assert bob["answered_by"] == "mshost" and bob["response_s"] == "60" and bob["waited_s"] == "60"
    assert bob["created_at"] == "2024-03-05T17:02:00Z" and bob["id"] == "1005"
    assert bob["answer_url"] == "https://twitter.com/mshost/status/1006"
    assert bob["display_name"] == "Bob Builder" and bob["session"] == "1"


def test_burst_follow_ups_are_rows_of_their_own():
    chat = Chat()
    chat.say(0, "mshost", "Q1: Go #chat")
    head = chat.say(60, "bob", "@mshost how do you handle retakes?")
    chat.say(70, "bob", "@mshost and also, what about late work?")
    first, follow = rows(render(chat.report(), "csv"))
    assert first["id"] == head and first["burst_of"] == ""
    assert follow["burst_of"] == head and follow["status"] == "dropped"
    assert follow["text"] == "'@mshost and also, what about late work?"


def test_formula_cells_are_guarded_and_round_trip():
    out = render(hostile_chat().report(), "csv")
    table = rows(out)
    assert len(table) == 18
    texts = {r["text"] for r in table}
    assert "'@mshost =HYPERLINK(\"http://x\")" in texts
    evil = next(r for r in table if "calc" in r["author"])
    assert evil["author"] == "'=cmd|' /C calc'!A0"
    assert evil["text"] == "'=1+1 @mshost what now?"
    for r in table:
        for column, cell in r.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    # Multi-line texts stay one cell.
    heading = next(r for r in table if r["author"] == "xheading")
    assert heading["text"].endswith("> quote\n<div>raw</div>")


def test_guard():
    assert guard("=1+1") == "'=1+1"
    assert guard("+1") == "'+1" and guard("-1") == "'-1" and guard("@SUM(A1)") == "'@SUM(A1)"
    assert guard("\tx") == "'\tx"
    assert guard("\r=x") == "'\n=x"  # a CR is a line break by the time it reaches a cell
    assert guard("  -x") == "'  -x"
    assert guard("a=1") == "a=1" and guard(None) == "" and guard(3) == "3"


def test_several_sessions_number_their_rows(multi):
    table = rows(render(multi, "csv"))
    assert [r["session"] for r in table] == ["1", "1", "1", "2"]
    assert table[-1]["answered_by"] == "cohost"
