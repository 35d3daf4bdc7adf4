"""twarc 1 / API v1.1 tweets: fields, retweets, quotes, entities, rejections, fuzz."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reader_helpers import (
    assert_clean,
    deletions,
    json_values,
    lines,
    messages,
    mutated,
    read,
    rejections,
)

from chatmod.core.models import Mention, Network
from chatmod.formats.twarc1 import SPEC


def user(screen_name: str, user_id: str, name: str) -> dict[str, Any]:
    return {"id": int(user_id), "id_str": user_id, "name": name, "screen_name": screen_name}


HOST = user("edchathost", "1111", "Ed Chat Host")
ANA = user("ana_teaches", "2222", "Ana Ruiz")

QUESTION = {
    "created_at": "Tue Mar 05 19:00:12 +0000 2019",
    "id": 1103017235271352321,
    "id_str": "1103017235271352321",
    "full_text": "Q1: What does feedback look like in your class? &amp; how fast? #edchat",
    "truncated": False,
    "entities": {
        "hashtags": [{"text": "edchat", "indices": [66, 73]}],
        "symbols": [],
        "user_mentions": [],
        "urls": [],
    },
    "in_reply_to_status_id": None,
    "in_reply_to_status_id_str": None,
    "in_reply_to_screen_name": None,
    "user": HOST,
    "lang": "en",
}

ANSWER = {
    "created_at": "Tue Mar 05 19:02:40 +0000 2019",
    "id": 1103017856309366784,
    "id_str": "1103017856309366784",
    "full_text": "@edchathost A1: quick &lt;5 min&gt; check-ins with @mr_ortiz #EdChat",
    "entities": {
        "hashtags": [{"text": "EdChat", "indices": [62, 69]}],
        "user_mentions": [
            {"screen_name": "edchathost", "name": "Ed Chat Host", "id": 1111, "id_str": "1111",
             "indices": [0, 11]},
            {"screen_name": "mr_ortiz", "name": "Sam Ortiz", "id": 3333, "id_str": "3333",
             "indices": [51, 60]},
        ],
    },
    "in_reply_to_status_id": 1103017235271352321,
    "in_reply_to_status_id_str": "1103017235271352321",
    "in_reply_to_user_id_str": "1111",
    "in_reply_to_screen_name": "edchathost",
    "user": ANA,
    "lang": "en",
}

RETWEET = {
    "created_at": "Tue Mar 05 19:03:00 +0000 2019",
    "id_str": "1103017940000000000",
    "text": "RT @edchathost: Q1: What does feedback look like in your class? &amp; how fast? #edchat",
    "entities": {"hashtags": [{"text": "edchat"}], "user_mentions": [
        {"screen_name": "edchathost", "id_str": "1111"}]},
    "retweeted_status": QUESTION,
    "user": ANA,
}

QUOTE = {
    "created_at": "Tue Mar 05 19:04:00 +0000 2019",
    "id_str": "1103018191000000000",
    "text": "This one is hard #edchat https://t.co/abc",
    "is_quote_status": True,
    "quoted_status_id_str": "1103017235271352321",
    "quoted_status": QUESTION,
    "user": ANA,
}


def test_plain_tweet_fields() -> None:
    [m] = read(SPEC, lines(QUESTION))
    assert m.network is Network.TWITTER
    assert m.id == "1103017235271352321"
    assert m.author == "edchathost" and m.author_id == "1111"
    assert m.display_name == "Ed Chat Host"
    assert m.created_at == datetime(2019, 3, 5, 19, 0, 12, tzinfo=UTC)
    assert m.text == "Q1: What does feedback look like in your class? & how fast? #edchat"
    assert m.hashtags == ("edchat",)
    assert m.url == "https://twitter.com/edchathost/status/1103017235271352321"
    assert m.lang == "en"
    assert m.reply_to_id is None and not m.is_repost
    assert m.raw == QUESTION


def test_reply_with_mentions_and_unescaped_text() -> None:
    [m] = read(SPEC, lines(ANSWER))
    assert m.reply_to_id == "1103017235271352321"
    assert m.reply_to_author == "edchathost"
    assert m.mentions == (Mention(handle="edchathost", id="1111"),
                          Mention(handle="mr_ortiz", id="3333"))
    assert m.text.startswith("@edchathost A1: quick <5 min> check-ins")


def test_retweet_and_quote() -> None:
    rt, quote = read(SPEC, lines(RETWEET, QUOTE))
    assert rt.repost_of == "1103017235271352321"
    assert rt.repost_of_author == "edchathost"
    assert rt.text.startswith("RT @edchathost: Q1:")
    assert quote.quote_of == "1103017235271352321"
    assert not quote.is_repost


def test_text_sources_and_fallbacks() -> None:
    extended = {k: v for k, v in QUESTION.items() if k not in ("full_text", "entities")}
    extended["text"] = "Q1: What does feedback look like… https://t.co/x"
    extended["extended_tweet"] = {
        "full_text": "Q1: What does feedback look like in class? #edchat #longform",
        "entities": {"hashtags": [{"text": "edchat"}, {"text": "longform"}],
                     "user_mentions": []},
    }
    no_entities = {"created_at": "Tue Mar 05 19:05:00 +0000 2019", "id": 1103018443000000000,
                   "text": "@edchathost @ana_teaches yes! #edchat", "user": HOST}
    a, b = read(SPEC, lines(extended, no_entities))
    assert a.text.endswith("#edchat #longform") and a.hashtags == ("edchat", "longform")
    assert b.id == "1103018443000000000"  # from the numeric id when id_str is absent
    assert [mention.handle for mention in b.mentions] == ["edchathost", "ana_teaches"]
    assert b.hashtags == ("edchat",)


def test_bad_records_are_rejected_with_line_and_reason() -> None:
    def without(key: str) -> dict[str, Any]:
        return {k: v for k, v in QUESTION.items() if k != key}

    text = lines(
        QUESTION,
        "{not json",
        without("created_at"),
        {**QUESTION, "created_at": "yesterday-ish"},
        {**QUESTION, "id_str": "12ab"},
        without("user"),
        {**QUESTION, "user": {"id_str": "1"}},
        {k: v for k, v in QUESTION.items() if k != "full_text"},
        "[1, 2]",
        '"just a string"',
        ANSWER,
    )
    items = read(SPEC, text)
    bad = rejections(items)
    assert [(r.where.source, r.where.line) for r in bad] == [
        ("t.in", n) for n in (2, 3, 4, 5, 6, 7, 8, 9, 9, 10)
    ]
    reasons = [r.reason for r in bad]
    assert reasons[0].startswith("not valid JSON")
    assert reasons[1] == "missing created_at"
    assert "'yesterday-ish' is not a date" in reasons[2]
    assert "is not a tweet id" in reasons[3]
    assert reasons[4] == "missing user"
    assert reasons[5] == "missing user.screen_name"
    assert reasons[6] == "missing text"
    assert reasons[7] == reasons[8] == reasons[9] == "not a JSON object"
    assert [m.id for m in messages(items)] == [QUESTION["id_str"], ANSWER["id_str"]]


def test_stream_notices_and_deletes() -> None:
    text = lines(
        {"limit": {"track": 12, "timestamp_ms": "1551812460000"}},
        {"delete": {"status": {"id": 1103017235271352321, "id_str": "1103017235271352321",
                               "user_id": 1111, "user_id_str": "1111"},
                    "timestamp_ms": "1551812460000"}},
        {"delete": {"status": {}}},
        QUESTION,
    )
    items = read(SPEC, text)
    [gone] = deletions(items)
    assert gone.id == "1103017235271352321" and gone.where.line == 2
    assert [r.where.line for r in rejections(items)] == [3]
    assert len(messages(items)) == 1


def test_sniff() -> None:
    assert SPEC.sniff(lines(QUESTION))
    assert not SPEC.sniff(lines({"data": [QUESTION]}))
    assert not SPEC.sniff("id_str,from_user,text\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(json_values, mutated(ANSWER), mutated(RETWEET)), max_size=4))
def test_fuzz_json_never_raises(records: list[Any]) -> None:
    assert_clean(read(SPEC, lines(*[json.dumps(r) for r in records])))


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_fuzz_text_never_raises(text: str) -> None:
    assert_clean(read(SPEC, text))
