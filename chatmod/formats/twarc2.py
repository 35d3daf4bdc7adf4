"""Provides the reader for Twitter API v2 JSON lines: twarc2 pages and flattened tweets.

A page line holds ``data`` (tweets) and ``includes`` (users, tweets) and every tweet in it is
read; rejections of those tweets carry the page's line. A flattened line (``twarc2 flatten``)
is one tweet with its author, reply-to user and referenced tweets inlined. When a tweet lacks
``created_at`` (it was not requested) the time comes from the snowflake id, which is exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple, TextIO

from chatmod.core.models import Mention, Network, Rejected
from chatmod.formats.base import (
    CONVERSION_ERRORS,
    Item,
    ReaderSpec,
    build,
    first_record,
    json_records,
    nonblank,
    reject,
)
from chatmod.formats.twitter import (
    is_tweet_id,
    optional_id,
    parse_iso_time,
    permalink,
    retweeted_handle,
    snowflake_time,
    text_entities,
    unescape,
)

__all__ = ["SPEC", "read"]


class _Includes(NamedTuple):
    users: dict[str, dict[str, Any]]
    """By user id, and by lower-cased username (for mentions, which carry only the name)."""
    tweets: dict[str, dict[str, Any]]


_NO_INCLUDES = _Includes({}, {})
_PAGE_KEYS = frozenset(("data", "includes", "errors", "meta", "__twarc"))


def read(stream: TextIO, source: str) -> Iterator[Item]:
    """Yield every tweet of every page (or every flattened tweet)."""
    for record in json_records(stream, source):
        if isinstance(record, Rejected):
            yield record
            continue
        line, value = record
        # ensure_flattened() accepts a list of pages or of tweets; so do we.
        for obj in value if isinstance(value, list) else (value,):
            if isinstance(obj, dict) and "id" in obj and "data" not in obj:
                yield _guarded(obj, _NO_INCLUDES, source, line)
            elif isinstance(obj, dict) and not _PAGE_KEYS.isdisjoint(obj):
                yield from _page(obj, source, line)
            else:
                yield reject(obj, "not a twarc2 page or tweet", source, line)


def _page(page: dict[str, Any], source: str, line: int) -> Iterator[Item]:
    data = page.get("data")
    if data is None:  # an errors-only page, or a search that matched nothing
        return
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        yield reject(page, "page data is not a list of tweets", source, line)
        return
    includes = _includes(page.get("includes"))
    for tweet in data:
        yield _guarded(tweet, includes, source, line)


def _includes(includes: object) -> _Includes:
    if not isinstance(includes, dict):
        return _NO_INCLUDES
    users: dict[str, dict[str, Any]] = {}
    for user in _dicts(includes.get("users")):
        if isinstance(user_id := user.get("id"), str):
            users[user_id] = user
        if isinstance(username := user.get("username"), str):
            users[username.lower()] = user
    tweets = {t["id"]: t for t in _dicts(includes.get("tweets")) if isinstance(t.get("id"), str)}
    return _Includes(users, tweets)


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _guarded(tweet: Any, includes: _Includes, source: str, line: int) -> Item:
    try:
        return _convert(tweet, includes, source, line)
    except CONVERSION_ERRORS as error:
        return reject(tweet, f"unreadable tweet ({type(error).__name__})", source, line)


def _convert(tweet: Any, includes: _Includes, source: str, line: int) -> Item:
    if not isinstance(tweet, dict):
        return reject(tweet, "tweet is not a JSON object", source, line)
    status_id = tweet.get("id")
    if isinstance(status_id, int) and not isinstance(status_id, bool):
        status_id = str(status_id)
    if not isinstance(status_id, str):
        return reject(tweet, "missing id", source, line)
    if not is_tweet_id(status_id):
        return reject(tweet, f"id {status_id[:40]!r} is not a tweet id", source, line)
    created = tweet.get("created_at")
    created_at = snowflake_time(status_id) if created is None else parse_iso_time(created)
    if created_at is None:
        reason = "missing created_at" if created is None else (
            f"created_at {str(created)[:40]!r} is not a date"
        )
        return reject(tweet, reason, source, line)

    text, entities = _text(tweet)
    if text is None:
        return reject(tweet, "missing text", source, line)
    text = unescape(text)

    author = _user(tweet.get("author"), tweet.get("author_id"), includes)
    author_id = nonblank(tweet.get("author_id")) or nonblank(author.get("id"))
    handle = nonblank(author.get("username")) or author_id
    if handle is None:
        return reject(tweet, "missing author_id", source, line)

    reply_to_id = repost_of = repost_of_author = quote_of = None
    for ref in _dicts(tweet.get("referenced_tweets")):
        kind, ref_id = ref.get("type"), nonblank(ref.get("id"))
        if kind == "replied_to":
            reply_to_id = ref_id
        elif kind == "quoted":
            quote_of = ref_id
        elif kind == "retweeted":
            repost_of = ref_id
            original = {**includes.tweets.get(ref_id or "", {}), **ref}
            repost_of_author = nonblank(
                _user(original.get("author"), original.get("author_id"), includes).get("username")
            ) or retweeted_handle(text)

    reply_to_author = None
    if (reply_user := tweet.get("in_reply_to_user_id")) is not None or "in_reply_to_user" in tweet:
        user = _user(tweet.get("in_reply_to_user"), reply_user, includes)
        reply_to_author = nonblank(user.get("username")) or nonblank(reply_user)

    if isinstance(entities, dict):
        mentions = _mentions(entities.get("mentions"), includes)
        hashtags = tuple(
            tag for item in _dicts(entities.get("hashtags")) if (tag := nonblank(item.get("tag")))
        )
    else:
        mentions, hashtags = text_entities(text)

    history = tweet.get("edit_history_tweet_ids")
    edited = isinstance(history, list) and len(history) > 1 and history[0] != status_id
    return build(
        {
            "network": Network.TWITTER,
            "id": status_id,
            "author": handle,
            "author_id": author_id,
            "display_name": nonblank(author.get("name")),
            "created_at": created_at,
            "text": text,
            "reply_to_id": optional_id(reply_to_id),
            # A tweet fetched with its conversation fields says what it replies to, if anything.
            "reply_known": "conversation_id" in tweet or "referenced_tweets" in tweet,
            "reply_to_author": reply_to_author,
            "mentions": mentions,
            "hashtags": hashtags,
            "repost_of": repost_of,
            "repost_of_author": repost_of_author,
            "quote_of": quote_of,
            "url": permalink(nonblank(author.get("username")), status_id),
            "lang": nonblank(tweet.get("lang")),
            "edited": edited,
            "raw": tweet,
        },
        source,
        line,
    )


def _text(tweet: dict[str, Any]) -> tuple[str | None, Any]:
    # Since 2022 a tweet over 280 characters carries its whole text (and the entities that
    # index it) in note_tweet; the top-level text is cut short.
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and isinstance(text := note.get("text"), str):
        return text, note.get("entities", tweet.get("entities"))
    text = tweet.get("text")
    return (text, tweet.get("entities")) if isinstance(text, str) else (None, None)


def _user(inline: object, user_id: object, includes: _Includes) -> dict[str, Any]:
    """The inlined user (flattened tweets) or the included one; ``{}`` when unknown."""
    if isinstance(inline, dict) and inline:
        return inline
    if isinstance(user_id, str):
        return includes.users.get(user_id, {})
    return {}


def _mentions(items: object, includes: _Includes) -> tuple[Mention, ...]:
    mentions: list[Mention] = []
    for item in _dicts(items):
        username = nonblank(item.get("username"))
        if username is None:
            continue
        # A flattened mention is merged with its user, so it has the id; a page's does not.
        user_id = nonblank(item.get("id")) or nonblank(
            includes.users.get(username.lower(), {}).get("id")
        )
        mentions.append(Mention(handle=username, id=user_id))
    return tuple(mentions)


def sniff(sample: str) -> bool:
    """A page (``data`` holding tweets) or a flattened tweet (``text`` and its author)."""
    first = first_record(sample)
    if not isinstance(first, dict) or "user" in first:
        return False
    data = first.get("data")
    if isinstance(data, list):
        return not data or (isinstance(data[0], dict) and "text" in data[0])
    if isinstance(data, dict):
        return "text" in data
    return "id" in first and "text" in first and ("author_id" in first or "author" in first)


SPEC = ReaderSpec(
    name="twarc2",
    description="Twitter API v2 JSON lines: twarc2 pages (data + includes) or flattened tweets",
    read=read,
    sniff=sniff,
)
