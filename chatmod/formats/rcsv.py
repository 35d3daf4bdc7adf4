"""Provides the reader for tweets saved from R: twitteR's ``twListToDF`` and rtweet's
``write_as_csv`` data frames, written as CSV.

Academic archives of chats are often in this shape. twitteR's columns are ``text, favorited,
favoriteCount, replyToSN, created, truncated, replyToSID, id, replyToUID, statusSource,
screenName, retweetCount, isRetweet, retweeted, longitude, latitude`` after R's unnamed row-name
column; rtweet's are ``user_id, status_id, created_at, screen_name, text, …,
reply_to_status_id, reply_to_user_id, reply_to_screen_name, …, is_retweet`` with ids written
``x123…`` so that a spreadsheet keeps them whole. Columns are found by name. Missing values are
``NA``; times are UTC ``YYYY-MM-DD HH:MM:SS``. Text is the API's 140-character compat text: a
``truncated`` tweet ends in "… https://t.co/…", and a retweet is its ``RT @x: …`` text alone. HTML
entities are undone, and the escapes R writes for characters it could not encode
(``<ed><U+00A0><U+00BD>…``, ``<U+2019>``) are turned back into them. Rows come newest first;
the caller sorts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TextIO

from chatmod.core.models import Network, Rejected
from chatmod.formats.base import CONVERSION_ERRORS, Item, ReaderSpec, build, csv_rows, reject
from chatmod.formats.twitter import (
    optional_id,
    permalink,
    retweeted_handle,
    text_entities,
    unescape,
)

__all__ = ["SPEC", "read", "undo_r_escapes"]

# Our name for each field, and the column that holds it in twitteR's frame and in rtweet's.
_COLUMNS = {
    "id": ("id", "status_id"),
    "author": ("screenName", "screen_name"),
    "author_id": (None, "user_id"),
    "created": ("created", "created_at"),
    "text": ("text", "text"),
    "reply_to_id": ("replyToSID", "reply_to_status_id"),
    "reply_to_author": ("replyToSN", "reply_to_screen_name"),
    "retweet": ("isRetweet", "is_retweet"),
}
_TWITTER_R, _RTWEET = 0, 1
_ESCAPES = re.compile(r"(?:<[0-9a-fA-F]{2}>|<U\+[0-9A-Fa-f]{4,6}>)+")
_ESCAPE = re.compile(r"<([0-9a-fA-F]{2})>|<U\+([0-9A-Fa-f]{4,6})>")


def read(stream: TextIO, source: str) -> Iterator[Item]:
    """Yield one item per data row; a header without the needed columns is one rejection."""
    columns: dict[str, int] | None = None
    header: list[str] = []
    for record in csv_rows(stream, source):
        if isinstance(record, Rejected):
            yield record
            continue
        line, row = record
        if columns is None:
            header = [name.strip() for name in row]
            found = _columns(header)
            if isinstance(found, str):
                yield reject(row, found, source, line)
                return
            columns = found
            continue
        try:
            yield _convert(row, header, columns, source, line)
        except CONVERSION_ERRORS as error:
            yield reject(row, f"unreadable row ({type(error).__name__})", source, line)


def _columns(header: list[str]) -> dict[str, int] | str:
    """Field → column index, or why the header is not one of R's frames."""
    kind = _RTWEET if "status_id" in header else _TWITTER_R
    index = {name: i for i, name in reversed(list(enumerate(header)))}
    columns = {}
    for field, names in _COLUMNS.items():
        name = names[kind]
        if name is not None and name in index:
            columns[field] = index[name]
    missing = [_COLUMNS[field][kind] for field in ("id", "author", "created", "text") if field not in columns]
    if missing:
        return f"not a twitteR or rtweet header: no {', '.join(str(m) for m in missing)} column"
    return columns


def _convert(row: list[str], header: list[str], columns: dict[str, int], source: str, line: int) -> Item:
    def cell(field: str) -> str | None:
        index = columns.get(field)
        value = row[index].strip() if index is not None and index < len(row) else ""
        return None if value in ("", "NA") else value

    raw = dict(zip(header, row, strict=False))
    status_id = _id(cell("id"))
    if status_id is None:
        return reject(raw, f"id {cell('id')!r} is not a tweet id" if cell("id") else "missing id", source, line)
    handle = cell("author")
    if handle is None:
        return reject(raw, "missing screen name", source, line)
    created = cell("created")
    try:
        created_at = datetime.strptime(created or "", "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return reject(raw, f"created {created[:40]!r} is not a time" if created else "missing created", source, line)
    text = undo_r_escapes(unescape(row[columns["text"]] if columns["text"] < len(row) else ""))
    mentions, hashtags = text_entities(text)
    retweet = (cell("retweet") or "").upper() == "TRUE"
    return build(
        {
            "network": Network.TWITTER,
            "id": status_id,
            "author": handle,
            "author_id": _id(cell("author_id")),
            "created_at": created_at,
            "text": text,
            "reply_to_id": _id(cell("reply_to_id")),
            "reply_to_author": cell("reply_to_author"),
            "mentions": mentions,
            "hashtags": hashtags,
            "repost_of_author": retweeted_handle(text) if retweet or text.startswith("RT @") else None,
            "url": permalink(handle, status_id),
            "raw": raw,
        },
        source,
        line,
    )


def _id(value: str | None) -> str | None:
    """A tweet or user id as R wrote it (rtweet prefixes ``x``), or None."""
    return optional_id(value.removeprefix("x")) if value is not None else None


def undo_r_escapes(text: str) -> str:
    """``text`` with R's escapes of characters turned back into them: ``<U+2019>`` is the code
    point; a run starting with a byte (``<ed><U+00A0><U+00BD>…``) is UTF-8 (or CESU-8, surrogate
    pairs byte by byte) written one byte at a time. A run that does not decode is left as it is."""
    if "<" not in text:
        return text
    return _ESCAPES.sub(_undo_run, text)


def _undo_run(match: re.Match[str]) -> str:
    tokens = list(_ESCAPE.finditer(match.group(0)))
    if tokens[0].group(1) is None:  # code points: <U+2019><U+00E9>
        try:
            return "".join(chr(int(token.group(2), 16)) for token in tokens)
        except (ValueError, OverflowError):
            return match.group(0)
    try:
        data = bytes(int(token.group(1) or token.group(2), 16) for token in tokens)
        decoded = data.decode("utf-8", errors="surrogatepass")
        return decoded.encode("utf-16", errors="surrogatepass").decode("utf-16")
    except (ValueError, UnicodeError):
        return match.group(0)


def sniff(sample: str) -> bool:
    """The header row names twitteR's or rtweet's first columns."""
    first = sample.lstrip("\ufeff").split("\n", 1)[0].replace('"', "")
    return first.startswith((",text,favorited,favoriteCount,replyToSN,created", "text,favorited,favoriteCount",
                             "user_id,status_id,created_at,screen_name,text"))


SPEC = ReaderSpec(
    name="rcsv",
    description="tweets saved from R as CSV (twitteR's twListToDF, rtweet's write_as_csv)",
    read=read,
    sniff=sniff,
)
