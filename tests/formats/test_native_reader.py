"""chatmod JSON lines: lossless round trip, rejections, fuzz."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reader_helpers import assert_clean, json_values, lines, messages, mutated, read, rejections

from chatmod.core.models import Mention, Message, Network
from chatmod.formats.native import SPEC, dump_message

QUESTION = Message(
    network=Network.MASTODON,
    id="112000000000000001",
    author="edhost@example.social",
    author_id="90001",
    display_name="Ed Host 🎓",
    created_at=datetime(2024, 3, 7, 20, 0, 3, 412001, tzinfo=UTC),
    text="Q1: What's one thing you'd change? #EdChat\n\nReply with A1",
    mentions=(Mention(handle="ria@teach.example", id="90002"), Mention(handle="bo")),
    hashtags=("EdChat",),
    reply_to_id="111",
    reply_to_author="ria@teach.example",
    url="https://example.social/@edhost/112000000000000001",
    lang="en",
    edited=True,
    raw={"id": "112000000000000001", "content": "<p>Q1 …</p>", "n": [1, 2.5, None, True]},
)


def test_round_trip_is_lossless() -> None:
    repost = QUESTION.model_copy(update={"id": "2", "repost_of": "1", "repost_of_author": "x",
                                         "quote_of": "3", "deleted": True, "raw": None})
    tweet = Message(network=Network.TWITTER, id="3", author="bo",
                    created_at=datetime(2020, 1, 1, 12, tzinfo=timezone(timedelta(hours=-5))),
                    raw=["2/4/2022 13:57:02", "@bo", "Bo", "hi", "3"])
    for message in (QUESTION, repost, tweet):
        line = dump_message(message)
        assert "\n" not in line
        [back] = read(SPEC, line + "\n")
        assert back == message and back.raw == message.raw


def test_format_matches_model_dump_and_raw_is_optional() -> None:
    record = json.loads(dump_message(QUESTION))
    assert record == QUESTION.model_dump(mode="json") | {"raw": QUESTION.raw}
    del record["raw"]
    [back] = read(SPEC, lines(record))
    assert back.raw is None and back.text == QUESTION.text


def test_lone_surrogate_survives_the_round_trip() -> None:
    message = QUESTION.model_copy(update={"raw": {"text": "bad \ud800 half"}})
    line = dump_message(message)
    line.encode("utf-8")  # writable as UTF-8
    assert read(SPEC, line)[0] == message


def test_bad_lines_are_rejected_with_line_and_reason() -> None:
    good = json.loads(dump_message(QUESTION))
    text = lines(
        good,
        {**good, "created_at": "2024-03-07T20:00:03"},
        {**good, "created_at": "soon"},
        {**good, "network": "myspace"},
        {k: v for k, v in good.items() if k != "author"},
        {**good, "author": "@"},
        {**good, "created_at": "0001-01-01T00:00:00+05:00"},
        "[]",
        '{"id": 1' + "]" * 3,
        "1" * 5000,
        "[" * 100_000,
        good,
    )
    items = read(SPEC, text)
    bad = rejections(items)
    assert [r.where.line for r in bad] == list(range(2, 12))
    assert bad[0].reason.startswith("created_at: ") and "time zone" in bad[0].reason
    assert bad[1].reason.startswith("created_at: ")
    assert bad[2].reason.startswith("network: ")
    assert bad[3].reason.startswith("author: ")
    assert bad[4].reason.startswith("author: ")
    assert bad[5].reason == "created_at: date out of range"
    assert bad[6].reason == "not a JSON object"
    assert bad[7].reason.startswith("not valid JSON")
    assert bad[8].reason == "not valid JSON (a number is too long)"
    assert bad[9].reason == "not valid JSON (nested too deeply)"
    assert len(messages(items)) == 2


def test_control_characters_are_cleaned() -> None:
    record = json.loads(dump_message(QUESTION)) | {"text": "hi\x1b]52;c;ZXZpbA==\x07 there\x00"}
    [m] = read(SPEC, lines(record))
    assert m.text == "hi there"


def test_sniff() -> None:
    assert SPEC.sniff(dump_message(QUESTION) + "\n")
    assert not SPEC.sniff(lines({"id": "1", "author": "x"}))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(json_values, mutated(json.loads(dump_message(QUESTION)))), max_size=4))
def test_fuzz_json_never_raises(records: list[Any]) -> None:
    assert_clean(read(SPEC, lines(*[json.dumps(r) for r in records])))


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_fuzz_text_never_raises(text: str) -> None:
    assert_clean(read(SPEC, text))
