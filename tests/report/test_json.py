"""The JSON document: the report's content as data, in a stable shape."""

from __future__ import annotations

import json
import re

from conftest import hostile_chat

from chatmod.report import render

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

SESSION_KEYS = [
    "number", "start", "end", "messages", "reposts", "participants", "balls", "ball_questions",
    "response_median_s", "response_worst_s", "answered_within_5min", "before_first_question",
    "community", "open", "dropped", "answered", "dismissed", "questions", "top_participants",
]


def test_top_level_and_totals(small):
    doc = json.loads(render(small, "json"))
    assert list(doc) == ["source", "tag", "hosts", "cohosts", "rejected", "outside", "totals", "sessions", "carried_over"]
    assert doc["carried_over"] == []
    assert doc["source"] == "test" and doc["tag"] == "chat"
    assert doc["hosts"] == ["mshost"] and doc["cohosts"] == ["cohost"]
    assert doc["totals"] == {"messages": 14, "balls": 3, "answered": 1, "dropped": 2}


def test_session_fields(small):
    (session,) = json.loads(render(small, "json"))["sessions"]
    assert list(session) == SESSION_KEYS
    assert session["start"] == "2024-03-05T17:00:00Z" and session["end"] == "2024-03-05T17:15:00Z"
    assert session["response_median_s"] == 60.0 and session["answered_within_5min"] == 1
    assert session["community"] == {"between_participants": 1, "through_host": 4, "share": 0.2}
    assert [b["author"] for b in session["dropped"]] == ["carol", "eve"]
    assert [p["author"] for p in session["top_participants"]] == ["bob", "carol", "dave", "eve"]


def test_ball_objects_carry_every_field(small):
    (session,) = json.loads(render(small, "json"))["sessions"]
    ball = session["answered"][0]
    # The document's shape is a contract, whatever the model's fields are.
    assert list(ball) == ["id", "author", "display_name", "at", "text", "url", "question", "thread", "status",
                          "waited_s", "answered_by", "answered_how", "answer_id", "answer_text", "answer_url",
                              "claimed_by", "more",
                          "untagged"]
    assert ball["status"] == "answered" and ball["answered_by"] == "mshost"
    assert ball["at"] == "2024-03-05T17:02:00Z" and ball["waited_s"] == 60.0
    assert ball["answer_text"] == "@bob I use rubrics"
    assert session["dropped"][0]["status"] == "dropped"


def test_questions_with_answers(small):
    (session,) = json.loads(render(small, "json"))["sessions"]
    q1 = session["questions"][0]
    assert list(q1) == [
        "number", "opened_at", "author", "text", "url", "host_replies", "reposts",
        "participants", "duration_s", "late_answers", "balls", "dropped", "answers",
    ]
    assert q1["duration_s"] == 240.0 and q1["late_answers"] == 1
    assert q1["participants"] == ["bob", "carol", "dave"]
    assert q1["answers"][-1] == {
        "id": "1011", "author": "dave", "at": "2024-03-05T17:05:30Z",
        "text": "A1 late one: peer review #chat", "url": "https://twitter.com/dave/status/1011",
        "late": True, "repost": False,
    }


def test_every_timestamp_is_utc_z(multi):
    doc = json.loads(render(multi, "json"))
    assert len(doc["sessions"]) == 2

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, k)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v, key)
        elif key in ("start", "end", "at", "opened_at"):
            yield value

    stamps = list(walk(doc))
    assert len(stamps) > 20 and all(ISO_Z.match(s) for s in stamps)


def test_hostile_text_is_data_not_markup():
    out = render(hostile_chat().report(), "json")
    doc = json.loads(out)
    texts = [b["text"] for b in doc["sessions"][0]["dropped"]]
    assert "@mshost <script>alert(1)</script>" in texts
    assert "@mshost abc\u202edcba txt.exe" in texts  # kept as written: JSON is data
    assert "\u202e" in out  # ensure_ascii=False
    assert out.endswith("}\n") and out.startswith('{\n  "source"')
