"""Provides the reader for Mastodon Status JSON lines and streaming frames, mixed or not.

A frame is ``{"stream": [...], "event": ..., "payload": "<JSON string>"}``: ``update`` is a
new status, ``status.update`` an edit, ``delete`` (a bare id) a :class:`Deletion`; other
events and error frames are skipped. A line holding a JSON array (a saved timeline page) is
read as a list of statuses. A boost's text is the boosted status's text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from chatmod.core.extract import extract_hashtags
from chatmod.core.models import Mention, Network, Where
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
from chatmod.formats.html_text import html_to_text
from chatmod.formats.twitter import parse_iso_time

__all__ = ["SPEC", "frame_item", "read", "status_to_message"]


def read(stream: TextIO, source: str) -> Iterator[Item]:
    """Yield one item per status, edit or deletion."""
    return convert_records(stream, source, _item, "status")


def frame_item(obj: Any, source: str, line: int) -> Item | None:
    """One decoded streaming frame (or a bare status) as an item; None for frames that carry no
    message (``filters_changed``, error frames)."""
    return _item(obj, source, line)


def _item(obj: Any, source: str, line: int) -> Item | None:
    if not isinstance(obj, dict):
        return reject(obj, "not a JSON object", source, line)
    if "event" in obj:
        return _frame(obj, source, line)
    if "error" in obj and "id" not in obj:  # a streaming error frame
        return None
    return status_to_message(obj, source, line)


def _frame(frame: dict[str, Any], source: str, line: int) -> Item | None:
    event, payload = frame["event"], frame.get("payload")
    if event == "delete":
        if isinstance(payload, int) and not isinstance(payload, bool):
            payload = str(payload)
        if not isinstance(payload, str) or not payload.strip():
            return reject(frame, "delete frame without a status id", source, line)
        return Deletion(Network.MASTODON, payload.strip(), Where(source, line))
    if event not in ("update", "status.update"):
        return None
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except (ValueError, RecursionError):
            return reject(frame, f"{event} payload is not valid JSON", source, line)
    if not isinstance(payload, dict):
        return reject(frame, f"{event} payload is not a status", source, line)
    return status_to_message(payload, source, line, edited=event == "status.update")


def status_to_message(status: dict[str, Any], source: str, line: int, edited: bool = False) -> Item:
    """One Mastodon Status entity as a message (also used by the live source)."""
    status_id = _id(status.get("id"))
    if status_id is None:
        return reject(status, "missing id", source, line)
    account = status.get("account")
    if not isinstance(account, dict):
        return reject(status, "missing account", source, line)
    acct = nonblank(account.get("acct"))
    if acct is None:
        return reject(status, "missing account.acct", source, line)
    created = status.get("created_at")
    if created is None:
        return reject(status, "missing created_at", source, line)
    created_at = parse_iso_time(created)
    if created_at is None:
        return reject(status, f"created_at {str(created)[:40]!r} is not a date", source, line)
    if created_at.tzinfo is None:
        return reject(status, f"created_at {created!r} has no time zone", source, line)

    # A boost's own content is empty; the boosted status carries text, mentions and tags.
    repost_of = repost_of_author = None
    shown = status
    if isinstance(boosted := status.get("reblog"), dict):
        shown = boosted
        repost_of = _id(boosted.get("id"))
        boosted_account = boosted.get("account")
        if isinstance(boosted_account, dict):
            repost_of_author = nonblank(boosted_account.get("acct"))
    content = shown.get("content")
    if content is None:
        return reject(status, "missing content", source, line)
    if not isinstance(content, str):
        return reject(status, "content is not a string", source, line)
    text = html_to_text(content)

    mentions = tuple(
        Mention(handle=handle, id=_id(item.get("id")))
        for item in _dicts(shown.get("mentions"))
        if (handle := nonblank(item.get("acct")) or nonblank(item.get("username")))
    )
    tags = shown.get("tags")
    if isinstance(tags, list):
        hashtags = tuple(name for item in _dicts(tags) if (name := nonblank(item.get("name"))))
    else:
        hashtags = tuple(entity.value for entity in extract_hashtags(text))

    edited_at = status.get("edited_at")
    return build(
        {
            "network": Network.MASTODON,
            "id": status_id,
            "author": acct,
            "author_id": _id(account.get("id")),
            "display_name": nonblank(account.get("display_name")),
            "created_at": created_at,
            "text": text,
            "reply_to_id": _id(status.get("in_reply_to_id")),
            "reply_known": "in_reply_to_id" in status,
            "reply_to_author": _reply_author(status, account, acct, mentions),
            "mentions": mentions,
            "hashtags": hashtags,
            "repost_of": repost_of,
            "repost_of_author": repost_of_author,
            "quote_of": _quote_of(shown.get("quote")),
            "url": nonblank(status.get("url")) or nonblank(status.get("uri")),
            "lang": nonblank(status.get("language")),
            "edited": edited or (edited_at is not None and edited_at != ""),
            "raw": status,
        },
        source,
        line,
    )


def _reply_author(
    status: dict[str, Any], account: dict[str, Any], acct: str, mentions: tuple[Mention, ...]
) -> str | None:
    account_id = _id(status.get("in_reply_to_account_id"))
    if account_id is None:
        return None
    for mention in mentions:
        if mention.id == account_id:
            return mention.handle
    # A thread continues with replies to oneself, and Mastodon does not mention the author.
    if account_id == _id(account.get("id")):
        return acct
    return account_id


def _quote_of(quote: object) -> str | None:
    # Mastodon 4.4: a Quote holds the quoted Status, a ShallowQuote only its id.
    if not isinstance(quote, dict):
        return None
    quoted = quote.get("quoted_status")
    if isinstance(quoted, dict):
        return _id(quoted.get("id"))
    return _id(quote.get("quoted_status_id"))


def _id(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def sniff(sample: str) -> bool:
    """A status (``account`` and ``content``) or a streaming frame (``event``, ``payload``)."""
    first = first_record(sample)
    if not isinstance(first, dict):
        return False
    if "account" in first and "content" in first:
        return True
    return "event" in first and ("payload" in first or "stream" in first)


SPEC = ReaderSpec(
    name="mastodon",
    description="Mastodon Status JSON lines and/or streaming frames (update, status.update, delete)",
    read=read,
    sniff=sniff,
)
