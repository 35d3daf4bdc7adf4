"""Provides the reader for Twitter API v1.1 tweets, one per line, as twarc 1 writes them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from chatmod.core.models import Network, Where
from chatmod.formats.base import (
    Deletion,
    Item,
    ReaderSpec,
    build,
    convert_records,
    first_record,
    nonblank,
    reject,
)
from chatmod.formats.twitter import (
    is_tweet_id,
    optional_id,
    parse_iso_time,
    parse_v1_time,
    permalink,
    retweeted_handle,
    text_entities,
    tweet_id,
    unescape,
    v1_entities,
)

__all__ = ["SPEC", "convert", "read"]

# Streaming API v1.1 interleaves these notices with tweets; none of them is a message.
_NOTICES = frozenset(
    ("limit", "scrub_geo", "status_withheld", "user_withheld", "disconnect", "warning", "event")
)


def read(stream: TextIO, source: str) -> Iterator[Item]:
    """Yield one item per tweet; a JSON array line is read as a list of tweets."""
    return convert_records(stream, source, convert, "tweet")


def convert(tweet: Any, source: str, line: int) -> Item | None:
    """One v1.1 tweet as a message; None for stream notices that carry no message."""
    if not isinstance(tweet, dict):
        return reject(tweet, "not a JSON object", source, line)
    user = tweet.get("user")
    if user is None:
        if isinstance(deleted := tweet.get("delete"), dict):
            return _deletion(deleted, tweet, source, line)
        if _NOTICES.intersection(tweet):
            return None
        return reject(tweet, "missing user", source, line)
    if not isinstance(user, dict):
        return reject(tweet, "user is not an object", source, line)
    status_id = tweet_id(tweet)
    if status_id is None:
        return reject(tweet, "missing id_str", source, line)
    if not is_tweet_id(status_id):
        return reject(tweet, f"id_str {status_id[:40]!r} is not a tweet id", source, line)
    handle = user.get("screen_name")
    if not isinstance(handle, str) or not handle.strip():
        return reject(tweet, "missing user.screen_name", source, line)
    created = tweet.get("created_at")
    if created is None:
        return reject(tweet, "missing created_at", source, line)
    created_at = parse_v1_time(created) or parse_iso_time(created)
    if created_at is None:
        return reject(tweet, f"created_at {str(created)[:40]!r} is not a date", source, line)

    text, entities = _text(tweet)
    if text is None:
        return reject(tweet, "missing text", source, line)
    text = unescape(text)
    found = v1_entities(entities)
    mentions, hashtags = text_entities(text) if found is None else found

    repost_of = repost_of_author = None
    if isinstance(original := tweet.get("retweeted_status"), dict):
        repost_of = tweet_id(original)
        if isinstance(original_user := original.get("user"), dict):
            repost_of_author = nonblank(original_user.get("screen_name"))
        repost_of_author = repost_of_author or retweeted_handle(text)
    quote_of = nonblank(tweet.get("quoted_status_id_str"))
    if quote_of is None and isinstance(quoted := tweet.get("quoted_status"), dict):
        quote_of = tweet_id(quoted)

    return build(
        {
            "network": Network.TWITTER,
            "id": status_id,
            "author": handle,
            "author_id": optional_id(tweet_id(user)),
            "display_name": nonblank(user.get("name")),
            "created_at": created_at,
            "text": text,
            "reply_to_id": optional_id(tweet_id(tweet, "in_reply_to_status_id")),
            "reply_known": "in_reply_to_status_id" in tweet or "in_reply_to_status_id_str" in tweet,
            "reply_to_author": nonblank(tweet.get("in_reply_to_screen_name")),
            "mentions": mentions,
            "hashtags": hashtags,
            "repost_of": repost_of,
            "repost_of_author": repost_of_author,
            "quote_of": quote_of,
            "url": permalink(handle, status_id),
            "lang": nonblank(tweet.get("lang")),
            "raw": tweet,
        },
        source,
        line,
    )


def _text(tweet: dict[str, Any]) -> tuple[str | None, Any]:
    # The entities belong with the text they index: streaming put the untruncated text and
    # its entities inside extended_tweet, while the top level kept the truncated pair.
    if isinstance(text := tweet.get("full_text"), str):
        return text, tweet.get("entities")
    extended = tweet.get("extended_tweet")
    if isinstance(extended, dict) and isinstance(text := extended.get("full_text"), str):
        return text, extended.get("entities", tweet.get("entities"))
    if isinstance(text := tweet.get("text"), str):
        return text, tweet.get("entities")
    return None, None


def _deletion(deleted: dict[str, Any], raw: Any, source: str, line: int) -> Item:
    status = deleted.get("status")
    status_id = tweet_id(status) if isinstance(status, dict) else None
    if status_id is None or not is_tweet_id(status_id):
        return reject(raw, "delete notice without a tweet id", source, line)
    return Deletion(Network.TWITTER, status_id, Where(source, line))


def sniff(sample: str) -> bool:
    """A v1.1 tweet: an id and a ``user`` with a ``screen_name``, and no v2 ``data``."""
    first = first_record(sample)
    if not isinstance(first, dict) or "data" in first:
        return False
    user = first.get("user")
    return (
        ("id_str" in first or "id" in first)
        and isinstance(user, dict)
        and "screen_name" in user
    )


SPEC = ReaderSpec(
    name="twarc1",
    description="Twitter API v1.1 tweets, one JSON object per line (twarc 1)",
    read=read,
    sniff=sniff,
)
