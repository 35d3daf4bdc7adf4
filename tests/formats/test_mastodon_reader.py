"""Mastodon statuses and streaming frames: fields, boosts, edits, deletes, HTML, fuzz."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
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
    read_file,
    rejections,
)

from chatmod.core.models import Mention, Network
from chatmod.formats.mastodon import SPEC


def account(account_id: str, acct: str, name: str) -> dict[str, Any]:
    username = acct.split("@")[0]
    return {"id": account_id, "username": username, "acct": acct, "display_name": name,
            "url": f"https://example.social/@{username}", "bot": False}


HOST = account("90001", "edhost", "Ed Host")
RIA = account("90002", "ria@teach.example", "Ria")

QUESTION = {
    "id": "112000000000000001",
    "created_at": "2024-03-07T20:00:03.412Z",
    "in_reply_to_id": None,
    "in_reply_to_account_id": None,
    "visibility": "public",
    "language": "en",
    "uri": "https://example.social/users/edhost/statuses/112000000000000001",
    "url": "https://example.social/@edhost/112000000000000001",
    "edited_at": None,
    "content": (
        '<p>Q1: What&#39;s one thing you&#39;d change about grading? '
        '<a href="https://example.social/tags/EdChat" class="mention hashtag" rel="tag">'
        '#<span>EdChat</span></a></p><p>Reply with A1 &amp; tag us</p>'
    ),
    "reblog": None,
    "account": HOST,
    "mentions": [],
    "tags": [{"name": "edchat", "url": "https://example.social/tags/edchat"}],
}
ANSWER = {
    **QUESTION,
    "id": "112000000000000002",
    "created_at": "2024-03-07T20:03:00.000Z",
    "in_reply_to_id": "112000000000000001",
    "in_reply_to_account_id": "90001",
    "url": "https://teach.example/@ria/112000000000000002",
    "content": (
        '<p><span class="h-card" translate="no"><a href="https://example.social/@edhost" '
        'class="u-url mention">@<span>edhost</span></a></span> A1: fewer points,<br>more '
        'feedback. See <a href="https://teach.example/blog/grading-without-points" '
        'rel="nofollow noopener noreferrer" target="_blank"><span class="invisible">https://'
        '</span><span class="ellipsis">teach.example/blog/grading-w</span><span class='
        '"invisible">ithout-points</span></a> <a href="https://teach.example/tags/edchat" '
        'class="mention hashtag" rel="tag">#<span>edchat</span></a></p>'
    ),
    "account": RIA,
    "mentions": [{"id": "90001", "username": "edhost", "acct": "edhost",
                  "url": "https://example.social/@edhost"}],
}
BOOST = {
    **QUESTION,
    "id": "112000000000000003",
    "created_at": "2024-03-07T20:04:00.000Z",
    "content": "",
    "account": RIA,
    "tags": [],
    "reblog": QUESTION,
}
QUOTE = {
    **QUESTION,
    "id": "112000000000000004",
    "account": RIA,
    "content": "<p>Great question!</p>",
    "tags": [],
    "quote": {"state": "accepted", "quoted_status": QUESTION},
}


def frame(event: str, payload: Any, stream: list[str] | None = None) -> dict[str, Any]:
    return {"stream": stream or ["hashtag", "edchat"], "event": event, "payload": payload}


def test_status_fields() -> None:
    [m] = read(SPEC, lines(QUESTION))
    assert m.network is Network.MASTODON and m.id == "112000000000000001"
    assert m.author == "edhost" and m.author_id == "90001" and m.display_name == "Ed Host"
    assert m.created_at == datetime(2024, 3, 7, 20, 0, 3, 412000, tzinfo=UTC)
    assert m.text == (
        "Q1: What's one thing you'd change about grading? #EdChat\n\nReply with A1 & tag us"
    )
    assert m.hashtags == ("edchat",)
    assert m.url == QUESTION["url"] and m.lang == "en" and not m.edited
    assert m.raw == QUESTION


def test_reply_mentions_and_shortened_link() -> None:
    [m] = read(SPEC, lines(ANSWER))
    assert m.author == "ria@teach.example"
    assert m.reply_to_id == "112000000000000001" and m.reply_to_author == "edhost"
    assert m.mentions == (Mention(handle="edhost", id="90001"),)
    assert m.text == (
        "@edhost A1: fewer points,\nmore feedback. "
        "See https://teach.example/blog/grading-without-points #edchat"
    )


def test_reply_author_without_mention() -> None:
    self_reply = {**QUESTION, "id": "5", "in_reply_to_id": "112000000000000001",
                  "in_reply_to_account_id": "90001"}
    other = {**self_reply, "id": "6", "in_reply_to_account_id": "77"}
    a, b = read(SPEC, lines(self_reply, other))
    assert a.reply_to_author == "edhost"  # a thread: replying to oneself
    assert b.reply_to_author == "77"


def test_boost_and_quote() -> None:
    boost, quote = read(SPEC, lines(BOOST, QUOTE))
    assert boost.author == "ria@teach.example"
    assert boost.repost_of == QUESTION["id"] and boost.repost_of_author == "edhost"
    assert boost.text.startswith("Q1: What's one thing") and boost.hashtags == ("edchat",)
    assert quote.quote_of == QUESTION["id"] and not quote.is_repost
    shallow = {**QUOTE, "quote": {"state": "accepted", "quoted_status_id": "42"}}
    assert read(SPEC, lines(shallow))[0].quote_of == "42"


def test_streaming_frames() -> None:
    edited = {**ANSWER, "edited_at": "2024-03-07T20:05:00.000Z"}
    text = lines(
        frame("update", json.dumps(QUESTION)),
        frame("update", QUESTION),  # an already-decoded payload is accepted too
        frame("status.update", json.dumps(edited)),
        frame("delete", "112000000000000002"),
        frame("notification", json.dumps({"id": "1", "type": "mention"}), ["user"]),
        {"stream": ["user"], "event": "filters_changed"},
        {"error": "Unknown stream type", "status": 400},
        frame("update", '{"id": "broken'),
        frame("update", json.dumps(["not", "a", "status"])),
        frame("delete", None),
        ANSWER,
    )
    items = read(SPEC, text)
    found = messages(items)
    assert [m.id for m in found] == [QUESTION["id"], QUESTION["id"], ANSWER["id"], ANSWER["id"]]
    assert [m.edited for m in found] == [False, False, True, False]
    [gone] = deletions(items)
    assert (gone.network, gone.id, gone.where.line) == (Network.MASTODON, ANSWER["id"], 4)
    assert [(r.where.line, r.reason) for r in rejections(items)] == [
        (8, "update payload is not valid JSON"),
        (9, "update payload is not a status"),
        (10, "delete frame without a status id"),
    ]


def test_timeline_page_as_one_array_line() -> None:
    items = read(SPEC, lines([QUESTION, ANSWER]))
    assert [m.id for m in messages(items)] == [QUESTION["id"], ANSWER["id"]]


def test_bad_statuses_are_rejected_with_line_and_reason() -> None:
    def without(key: str) -> dict[str, Any]:
        return {k: v for k, v in QUESTION.items() if k != key}

    text = lines(
        without("created_at"),
        {**QUESTION, "created_at": "last Tuesday"},
        {**QUESTION, "created_at": "2024-03-07T20:00:03"},
        without("account"),
        {**QUESTION, "account": {"id": "1"}},
        without("content"),
        {**QUESTION, "content": 7},
        without("id"),
        "not json at all",
        QUESTION,
    )
    items = read(SPEC, text)
    assert [(r.where.line, r.reason) for r in rejections(items)] == [
        (1, "missing created_at"),
        (2, "created_at 'last Tuesday' is not a date"),
        (3, "created_at '2024-03-07T20:00:03' has no time zone"),
        (4, "missing account"),
        (5, "missing account.acct"),
        (6, "missing content"),
        (7, "content is not a string"),
        (8, "missing id"),
        (9, rejections(items)[8].reason),
    ]
    assert rejections(items)[8].reason.startswith("not valid JSON")
    assert len(messages(items)) == 1


def test_sniff() -> None:
    assert SPEC.sniff(lines(QUESTION))
    assert SPEC.sniff(lines(frame("update", json.dumps(QUESTION))))
    assert SPEC.sniff(lines([QUESTION]))
    assert not SPEC.sniff(lines({"kind": "heartbeat", "payload": ""}))


@pytest.mark.corpus
def test_corpus_files(corpus: Callable[[str], Path]) -> None:
    name, [edit] = read_file(corpus("mastodon_status_edit_with_hashtags.json"))
    assert name == "mastodon" and edit.edited
    assert edit.hashtags == ("MUSICTUESDAY", "piano", "neoclassical", "jazz")
    assert edit.text.startswith("#musicTuesday\n\nHere's a solo #piano track")
    assert edit.text.endswith(
        "https://cstudios.bandcamp.com/track/celestia-gravity-assist-no-19-var-2"
    )
    assert "<" not in edit.text and "span" not in edit.text

    _, [reply] = read_file(corpus("mastodon_status_reply_with_mention.json"))
    assert reply.text == "@disarray glad i was able to help"
    assert reply.reply_to_id == "108914298452377720"
    assert reply.reply_to_author == "disarray@pl.nulled.red"
    assert reply.mentions == (Mention(handle="disarray@pl.nulled.red", id="107946650784398271"),)

    # A pretty-printed frame whose payload is a JSON string.
    name, [update] = read_file(corpus("mastodon_ws_update_frame.json"))
    assert name == "mastodon" and update.id == "108913983692647032"
    assert update.author == "tobtobxx@fosstodon.org"
    assert update.reply_to_id == "108913981098896721"
    assert update.reply_to_author == "tobtobxx@fosstodon.org"  # a reply to oneself
    assert update.text.endswith("parent vim instance 😂")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(json_values, mutated(ANSWER), mutated(BOOST),
                          mutated(frame("update", ANSWER))), max_size=4))
def test_fuzz_json_never_raises(records: list[Any]) -> None:
    assert_clean(read(SPEC, lines(*[json.dumps(r) for r in records])))


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_fuzz_html_content_never_raises(content: str) -> None:
    assert_clean(read(SPEC, lines({**QUESTION, "content": content})))
    assert_clean(read(SPEC, lines(frame("update", json.dumps({**ANSWER, "content": content})))))
