"""twarc2 / API v2: pages with includes, flattened tweets, rejections, fuzz."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reader_helpers import assert_clean, json_values, lines, messages, mutated, read, rejections

from chatmod.core.models import Mention
from chatmod.formats.twarc2 import SPEC

TWARC: dict[str, Any] = {"url": "https://api.twitter.com/2/tweets/search/recent?query=%23edchat",
         "version": "2.14.0", "retrieved_at": "2023-01-10T20:05:00+00:00"}
USERS: list[dict[str, str]] = [
    {"id": "1111", "username": "edchathost", "name": "Ed Chat Host"},
    {"id": "2222", "username": "ana_teaches", "name": "Ana Ruiz"},
    {"id": "3333", "username": "mr_ortiz", "name": "Sam Ortiz"},
]
QUESTION: dict[str, Any] = {
    "id": "1612900000000000001",
    "text": "Q2: Which tools help you &amp; your students reflect? #edchat",
    "author_id": "1111",
    "created_at": "2023-01-10T20:00:00.000Z",
    "conversation_id": "1612900000000000001",
    "lang": "en",
    "entities": {"hashtags": [{"start": 54, "end": 61, "tag": "edchat"}]},
    "edit_history_tweet_ids": ["1612900000000000001"],
}
ANSWER: dict[str, Any] = {
    "id": "1612900500000000002",
    "text": "@edchathost A2: journals and @mr_ortiz's exit tickets #edchat",
    "author_id": "2222",
    "created_at": "2023-01-10T20:02:00.000Z",
    "conversation_id": "1612900000000000001",
    "in_reply_to_user_id": "1111",
    "referenced_tweets": [{"type": "replied_to", "id": "1612900000000000001"}],
    "entities": {
        "mentions": [{"start": 0, "end": 11, "username": "edchathost"},
                     {"start": 29, "end": 38, "username": "mr_ortiz"}],
        "hashtags": [{"start": 54, "end": 61, "tag": "edchat"}],
    },
    "lang": "en",
}
RETWEET: dict[str, Any] = {
    "id": "1612900600000000003",
    "text": "RT @edchathost: Q2: Which tools help you &amp; your students reflect? #edchat",
    "author_id": "3333",
    "created_at": "2023-01-10T20:03:00.000Z",
    "referenced_tweets": [{"type": "retweeted", "id": "1612900000000000001"}],
    "entities": {"mentions": [{"start": 3, "end": 14, "username": "edchathost"}]},
}
QUOTE: dict[str, Any] = {
    "id": "1612900700000000004",
    "text": "Love this question #edchat https://t.co/q",
    "author_id": "2222",
    "created_at": "2023-01-10T20:04:00.000Z",
    "referenced_tweets": [{"type": "quoted", "id": "1612900000000000001"}],
    "edit_history_tweet_ids": ["1612900650000000000", "1612900700000000004"],
}
PAGE: dict[str, Any] = {
    "data": [QUESTION, ANSWER, RETWEET, QUOTE],
    "includes": {"users": USERS, "tweets": [QUESTION]},
    "meta": {"result_count": 4, "newest_id": QUOTE["id"], "oldest_id": QUESTION["id"]},
    "__twarc": TWARC,
}


def flattened(tweet: dict[str, Any]) -> dict[str, Any]:
    """What ``twarc2 flatten`` makes of a tweet of PAGE."""
    by_id = {u["id"]: u for u in USERS}
    by_name = {u["username"]: u for u in USERS}
    flat = {**tweet, "author": by_id[tweet["author_id"]], "__twarc": TWARC}
    if "in_reply_to_user_id" in tweet:
        flat["in_reply_to_user"] = by_id[tweet["in_reply_to_user_id"]]
    if "referenced_tweets" in tweet:
        flat["referenced_tweets"] = [
            {**ref, **({**QUESTION, "author": by_id["1111"]} if ref["id"] == QUESTION["id"]
                       else {})}
            for ref in tweet["referenced_tweets"]
        ]
    if "mentions" in tweet.get("entities", {}):
        flat["entities"] = {**tweet["entities"], "mentions": [
            {**m, **by_name[m["username"]]} for m in tweet["entities"]["mentions"]]}
    return flat


def check(question: Any, answer: Any, retweet: Any, quote: Any) -> None:
    assert question.author == "edchathost" and question.author_id == "1111"
    assert question.display_name == "Ed Chat Host"
    assert question.text == "Q2: Which tools help you & your students reflect? #edchat"
    assert question.created_at == datetime(2023, 1, 10, 20, 0, tzinfo=UTC)
    assert question.hashtags == ("edchat",) and question.lang == "en"
    assert question.url == "https://twitter.com/edchathost/status/1612900000000000001"
    assert not question.edited
    assert answer.reply_to_id == QUESTION["id"] and answer.reply_to_author == "edchathost"
    assert answer.mentions == (Mention(handle="edchathost", id="1111"),
                               Mention(handle="mr_ortiz", id="3333"))
    assert retweet.repost_of == QUESTION["id"] and retweet.repost_of_author == "edchathost"
    assert quote.quote_of == QUESTION["id"] and quote.edited
    assert quote.hashtags == ("edchat",)  # no entities: taken from the text


def test_page_resolves_includes() -> None:
    items = read(SPEC, lines(PAGE))
    check(*items)
    assert all(m.raw in PAGE["data"] for m in messages(items))


def test_flattened_tweets() -> None:
    items = read(SPEC, lines(*(flattened(t) for t in PAGE["data"])))
    check(*items)


def test_page_without_includes_falls_back_to_ids() -> None:
    [m] = read(SPEC, lines({"data": [ANSWER]}))
    assert m.author == "2222" and m.reply_to_author == "1111"
    assert m.url == "https://twitter.com/i/web/status/1612900500000000002"
    assert m.mentions[0] == Mention(handle="edchathost", id=None)


def test_long_tweet_uses_note_tweet() -> None:
    long = {**QUESTION, "text": "Q2: Which tools… https://t.co/x",
            "note_tweet": {"text": "Q2: Which tools, long version #edchat #notes",
                           "entities": {"hashtags": [{"tag": "edchat"}, {"tag": "notes"}]}}}
    [m] = read(SPEC, lines({"data": [long], "includes": {"users": USERS}}))
    assert m.text == "Q2: Which tools, long version #edchat #notes"
    assert m.hashtags == ("edchat", "notes")


def test_missing_created_at_comes_from_the_snowflake() -> None:
    tweet = {k: v for k, v in QUESTION.items() if k != "created_at"}
    [m] = read(SPEC, lines({"data": [tweet]}))
    ms = (int(QUESTION["id"]) >> 22) + 1288834974657
    assert m.created_at == datetime.fromtimestamp(ms / 1000, UTC)
    assert m.created_at == datetime(2023, 1, 10, 19, 51, 40, 889000, tzinfo=UTC)


def test_bad_records_are_rejected_with_line_and_reason() -> None:
    bad_page = {
        "data": [
            QUESTION,
            {**ANSWER, "created_at": "20 past 8"},
            {**ANSWER, "id": "x-1"},
            {k: v for k, v in ANSWER.items() if k != "text"},
            {k: v for k, v in ANSWER.items() if k != "author_id"},
            "not a tweet",
        ],
        "includes": {"users": USERS},
    }
    text = lines(
        {"errors": [{"title": "Not Found Error", "detail": "Could not find tweet"}]},
        {"meta": {"result_count": 0}, "__twarc": TWARC},
        bad_page,
        '{"data": [',
        {"data": "nope"},
        42,
        PAGE,
    )
    items = read(SPEC, text)
    assert [(r.where.line, r.reason) for r in rejections(items)] == [
        (3, "created_at '20 past 8' is not a date"),
        (3, "id 'x-1' is not a tweet id"),
        (3, "missing text"),
        (3, "missing author_id"),
        (3, "tweet is not a JSON object"),
        (4, rejections(items)[5].reason),
        (5, "page data is not a list of tweets"),
        (6, "not a twarc2 page or tweet"),
    ]
    assert rejections(items)[5].reason.startswith("not valid JSON")
    assert len(messages(items)) == 1 + 4


def test_sniff() -> None:
    assert SPEC.sniff(lines(PAGE))
    assert SPEC.sniff(lines(flattened(ANSWER)))
    assert not SPEC.sniff(lines({"id_str": "1", "user": {"screen_name": "x"}, "text": "t"}))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(json_values, mutated(PAGE), mutated(flattened(ANSWER))), max_size=3))
def test_fuzz_json_never_raises(records: list[Any]) -> None:
    assert_clean(read(SPEC, lines(*[json.dumps(r) for r in records])))


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_fuzz_text_never_raises(text: str) -> None:
    assert_clean(read(SPEC, text))
