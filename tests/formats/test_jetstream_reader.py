"""Bluesky Jetstream: posts, reposts, deletes, identities, byte-offset facets, fuzz."""

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
from chatmod.formats.jetstream import SPEC

HOST = "did:plc:hosthosthosthosthost0001"
ZOE = "did:plc:zoezoezoezoezoezoezo0002"
POST_URI = f"at://{HOST}/app.bsky.feed.post/3kq1hostpost2"


def span(text: str, part: str) -> dict[str, int]:
    start = text.encode().index(part.encode())
    return {"byteStart": start, "byteEnd": start + len(part.encode())}


def post(did: str, rkey: str, record: dict[str, Any], time_us: int = 1710000000123456,
         operation: str = "create") -> dict[str, Any]:
    return {"did": did, "time_us": time_us, "kind": "commit", "commit": {
        "rev": "3kq1rev", "operation": operation, "collection": "app.bsky.feed.post",
        "rkey": rkey, "record": {"$type": "app.bsky.feed.post",
                                 "createdAt": "2024-03-09T16:00:00.000Z", **record},
        "cid": "bafyreifake"}}


REPLY_TEXT = "👋 @edhost.bsky.social A1: small groups first 🎉 #EdChat #teaching"
REPLY: dict[str, Any] = post(ZOE, "3kq1zoereply3", {
    "text": REPLY_TEXT,
    "langs": ["en", "es"],
    "facets": [
        {"index": span(REPLY_TEXT, "@edhost.bsky.social"),
         "features": [{"$type": "app.bsky.richtext.facet#mention", "did": HOST}]},
        {"index": span(REPLY_TEXT, "#EdChat"),
         "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "EdChat"}]},
    ],
    "tags": ["edchat", "k12"],
    "reply": {"root": {"uri": POST_URI, "cid": "bafyroot"},
              "parent": {"uri": POST_URI, "cid": "bafyparent"}},
})
IDENTITY: dict[str, Any] = {"did": HOST, "time_us": 1710000000000001, "kind": "identity",
            "identity": {"did": HOST, "handle": "edhost.bsky.social", "seq": 1,
                         "time": "2024-03-09T15:59:00.000Z"}}
REPOST: dict[str, Any] = {"did": ZOE, "time_us": 1710000000200000, "kind": "commit", "commit": {
    "rev": "r", "operation": "create", "collection": "app.bsky.feed.repost", "rkey": "3kq1rp",
    "record": {"$type": "app.bsky.feed.repost", "createdAt": "2024-03-09T16:00:01.000Z",
               "subject": {"uri": POST_URI, "cid": "bafy"}}, "cid": "bafy2"}}
QUOTE: dict[str, Any] = post(ZOE, "3kq1quote4", {
    "text": "Love this one",
    "embed": {"$type": "app.bsky.embed.recordWithMedia",
              "record": {"$type": "app.bsky.embed.record",
                         "record": {"uri": POST_URI, "cid": "bafy"}},
              "media": {"$type": "app.bsky.embed.images", "images": []}},
})
LIKE: dict[str, Any] = {"did": ZOE, "time_us": 1710000000300000, "kind": "commit", "commit": {
    "rev": "r", "operation": "create", "collection": "app.bsky.feed.like", "rkey": "3kq1like",
    "record": {"subject": {"uri": POST_URI, "cid": "bafy"}}}}
FOLLOW: dict[str, Any] = {**LIKE, "commit": {**LIKE["commit"], "collection": "app.bsky.graph.follow"}}
DELETE: dict[str, Any] = {"did": ZOE, "time_us": 1710000000400000, "kind": "commit", "commit": {
    "rev": "r", "operation": "delete", "collection": "app.bsky.feed.post", "rkey": "3kq1zoereply3"}}


def test_reply_with_byte_offset_facets() -> None:
    [m] = read(SPEC, lines(REPLY))
    assert m.network is Network.BLUESKY
    assert m.id == f"at://{ZOE}/app.bsky.feed.post/3kq1zoereply3"
    assert m.author == ZOE and m.author_id == ZOE  # no identity seen yet
    assert m.created_at == datetime(2024, 3, 9, 16, 0, 0, 123456, tzinfo=UTC)
    assert m.text == REPLY_TEXT
    assert m.mentions == (Mention(handle="edhost.bsky.social", id=HOST),)
    # Facet tag, then record.tags, then text; deduplicated ignoring case.
    assert m.hashtags == ("EdChat", "k12", "teaching")
    assert m.reply_to_id == POST_URI and m.reply_to_author == HOST
    assert m.url == f"https://bsky.app/profile/{ZOE}/post/3kq1zoereply3"
    assert m.lang == "en" and not m.edited
    assert m.raw == REPLY


def test_identity_gives_handles_to_later_events() -> None:
    own = post(HOST, "3kq1hostpost2", {"text": "Q1: How do you start groups? #edchat"})
    items = read(SPEC, lines(REPLY, IDENTITY, own, REPLY, REPOST))
    first, host_post, second, repost = items
    assert first.reply_to_author == HOST
    assert host_post.author == "edhost.bsky.social" and host_post.author_id == HOST
    assert second.reply_to_author == "edhost.bsky.social"
    assert repost.repost_of == POST_URI and repost.repost_of_author == "edhost.bsky.social"
    assert repost.text == "" and repost.is_repost


def test_quote_update_delete_and_skipped_events() -> None:
    updated = post(ZOE, "3kq1zoereply3", {"text": "edited #edchat"}, operation="update")
    text = lines(LIKE, FOLLOW, QUOTE, updated, DELETE, {"kind": "heartbeat", "payload": ""},
                 {"did": ZOE, "time_us": 1, "kind": "account", "account": {"active": True}})
    items = read(SPEC, text)
    quote, edit, gone = items
    assert quote.quote_of == POST_URI
    assert edit.edited and edit.hashtags == ("edchat",)
    assert gone.id == f"at://{ZOE}/app.bsky.feed.post/3kq1zoereply3" and gone.where.line == 5
    assert deletions(items) == [gone]


@pytest.mark.parametrize(
    "index",
    [
        {"byteStart": 0, "byteEnd": 9999},  # past the end
        {"byteStart": -3, "byteEnd": 4},
        {"byteStart": 1, "byteEnd": 3},  # inside the 4-byte 👋
        {"byteStart": 7, "byteEnd": 5},
        {"byteStart": "5", "byteEnd": 9},
        {"byteStart": True, "byteEnd": 9},
        None,
    ],
)
def test_bad_facets_are_ignored_and_text_fills_in(index: Any) -> None:
    record = json.loads(json.dumps(REPLY))
    record["commit"]["record"]["facets"][0]["index"] = index
    record["commit"]["record"]["facets"][1]["index"] = index
    [m] = read(SPEC, lines(record))
    assert m.mentions == (Mention(handle="edhost.bsky.social", id=None),)
    assert [tag.lower() for tag in m.hashtags] == ["edchat", "k12", "teaching"]


def test_overlapping_facets_keep_the_first() -> None:
    record = json.loads(json.dumps(REPLY))
    facets = record["commit"]["record"]["facets"]
    facets.append({"index": {"byteStart": facets[0]["index"]["byteStart"] + 1,
                             "byteEnd": facets[0]["index"]["byteEnd"]},
                   "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:x:y"}]})
    [m] = read(SPEC, lines(record))
    assert [mention.id for mention in m.mentions] == [HOST]


def test_bad_events_are_rejected_with_line_and_reason() -> None:
    no_did = {k: v for k, v in REPLY.items() if k != "did"}
    no_time = {k: v for k, v in REPLY.items() if k != "time_us"}
    huge_time = {**REPLY, "time_us": 10**30}
    float_time = {**REPLY, "time_us": 1.5e15}
    no_text = post(ZOE, "r1", {})
    no_record = {**REPLY, "commit": {**REPLY["commit"], "record": None}}
    no_subject = {**REPOST, "commit": {**REPOST["commit"], "record": {}}}
    text = lines(REPLY, no_did, no_time, huge_time, float_time, no_text, no_record,
                 '{"did": "did:plc:x", "time_us": 1, "kind": "commit", "commit": "c"}',
                 {"events": []}, no_subject, "{trunc", REPLY)
    items = read(SPEC, text)
    assert [(r.where.line, r.reason) for r in rejections(items)] == [
        (2, "missing did"),
        (3, "missing time_us"),
        (4, f"time_us {10**30} is out of range"),
        (5, "time_us is not an integer"),
        (6, "post without text"),
        (7, "commit without a record"),
        (8, "commit event without a commit"),
        (9, "missing kind"),
        (10, "repost without subject.uri"),
        (11, rejections(items)[9].reason),
    ]
    assert len(messages(items)) == 2


def test_sniff() -> None:
    assert SPEC.sniff(lines(LIKE, REPLY))
    assert not SPEC.sniff(lines({"kind": "heartbeat", "payload": ""}))


@pytest.mark.corpus
def test_golden_file(corpus: Callable[[str], Path]) -> None:
    name, found = read_file(corpus("jetstream_golden_v1.jsonl"))
    assert name == "jetstream"
    # Like, follow, profile, other collections, identity, account and block are skipped;
    # the delete is of another collection, so it is no deletion either.
    reply, repost = found
    assert reply.text == "Try RSV for a good time !!"
    assert reply.reply_to_id == (
        "at://did:plc:j76trmiofvaxxpvx2vnb2vwf/app.bsky.feed.post/3mmojbrjwbs26"
    )
    assert reply.reply_to_author == "did:plc:j76trmiofvaxxpvx2vnb2vwf"
    assert reply.created_at == datetime(2026, 5, 25, 14, 23, 29, 157119, tzinfo=UTC)
    assert reply.lang == "en"
    assert repost.repost_of_author == "did:plc:hjloomm2tkve3pmfgbxegl3v"

    _, found = read_file(corpus("jetstream_post_reply.json"))
    assert [m.id for m in found] == [reply.id]


@pytest.mark.corpus
def test_tag_facets_after_an_emoji(corpus: Callable[[str], Path]) -> None:
    name, [m] = read_file(corpus("jetstream_post_tag_facets_emoji.json"))
    assert name == "jetstream"
    assert m.hashtags == ("Ruby", "rubylang")
    assert m.text.encode()[151:160].decode() == "#rubylang" and m.text.index("#rubylang") == 148


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(json_values, mutated(REPLY), mutated(REPOST), mutated(IDENTITY)),
                max_size=4))
def test_fuzz_json_never_raises(records: list[Any]) -> None:
    assert_clean(read(SPEC, lines(*[json.dumps(r) for r in records])))


@settings(max_examples=150, deadline=None)
@given(st.text(), st.lists(st.tuples(st.integers(-5, 90), st.integers(-5, 90)), max_size=5))
def test_fuzz_facets_never_raise(text: str, offsets: list[tuple[int, int]]) -> None:
    facets = [{"index": {"byteStart": s, "byteEnd": e}, "features": [
        {"$type": "app.bsky.richtext.facet#tag", "tag": "t"},
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:x"}]} for s, e in offsets]
    assert_clean(read(SPEC, lines(post(ZOE, "r", {"text": text, "facets": facets}))))


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_fuzz_text_never_raises(text: str) -> None:
    assert_clean(read(SPEC, text))
