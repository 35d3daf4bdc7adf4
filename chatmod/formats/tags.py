"""Provides the reader for TAGS (Twitter Archiving Google Sheet) CSV exports.

Columns are found by header name, so variants that append columns read the same. A
spreadsheet may have mangled ids into ``1.26426E+18``: the tweet id is then recovered from
``status_url``, and a mangled reply id is dropped (the reply's screen name is kept).
Rows come newest first, as TAGS writes them; the caller sorts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TextIO

from chatmod.core.models import Network, Rejected
from chatmod.formats.base import (
    CONVERSION_ERRORS,
    Item,
    ReaderSpec,
    build,
    csv_rows,
    nonblank,
    reject,
)
from chatmod.formats.twitter import (
    is_tweet_id,
    optional_id,
    parse_v1_time,
    permalink,
    retweeted_handle,
    text_entities,
    unescape,
    v1_entities,
)

__all__ = ["SPEC", "read"]

REQUIRED = ("id_str", "from_user", "text", "created_at")
_STATUS_URL = re.compile(r"/status(?:es)?/(\d{1,20})(?:[/?#]|$)")


def read(stream: TextIO, source: str) -> Iterator[Item]:
    """Yield one item per data row; a header without the needed columns is one rejection."""
    rows = csv_rows(stream, source)
    header: list[str] | None = None
    columns: dict[str, int] = {}
    for record in rows:
        if isinstance(record, Rejected):
            yield record
            continue
        line, row = record
        if header is None:
            header = [name.strip() for name in row]
            missing = [name for name in REQUIRED if name not in header]
            if missing:
                yield reject(row, f"not a TAGS header: no {', '.join(missing)} column", source,
                             line)
                return
            for index, name in enumerate(header):
                columns.setdefault(name, index)
            continue
        try:
            yield _convert(row, header, columns, source, line)
        except CONVERSION_ERRORS as error:
            yield reject(row, f"unreadable row ({type(error).__name__})", source, line)


def _convert(
    row: list[str], header: list[str], columns: dict[str, int], source: str, line: int
) -> Item:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    raw = dict(zip(header, row, strict=False))  # a short or long row is kept as it came
    status_id = cell("id_str")
    if not is_tweet_id(status_id):
        match = _STATUS_URL.search(cell("status_url"))
        if match is None:
            reason = "missing id_str" if not status_id else (
                f"id_str {status_id[:30]!r} is mangled and status_url has no tweet id"
            )
            return reject(raw, reason, source, line)
        status_id = match.group(1)
    handle = cell("from_user")
    if not handle:
        return reject(raw, "missing from_user", source, line)
    created = cell("created_at")
    created_at = parse_v1_time(created)
    if created_at is None:
        reason = f"created_at {created[:40]!r} is not a date" if created else "missing created_at"
        return reject(raw, reason, source, line)
    text = unescape(row[columns["text"]]) if columns["text"] < len(row) else ""

    found = None
    if entities := cell("entities_str"):
        try:
            found = v1_entities(json.loads(entities))
        except (ValueError, RecursionError):
            found = None  # a cut-off or garbled cell: the text still has the entities
    mentions, hashtags = text_entities(text) if found is None else found

    return build(
        {
            "network": Network.TWITTER,
            "id": status_id,
            "author": handle,
            "author_id": optional_id(cell("from_user_id_str")),
            "created_at": created_at,
            "text": text,
            "reply_to_id": optional_id(cell("in_reply_to_status_id_str")),
            "reply_to_author": nonblank(cell("in_reply_to_screen_name")),
            "mentions": mentions,
            "hashtags": hashtags,
            "repost_of_author": retweeted_handle(text),
            "url": permalink(handle, status_id),
            "raw": raw,
        },
        source,
        line,
    )


def sniff(sample: str) -> bool:
    """The header row names TAGS' first columns."""
    first = sample.lstrip("\ufeff").split("\n", 1)[0]
    return "id_str,from_user,text,created_at" in first


SPEC = ReaderSpec(
    name="tags",
    description="TAGS (Twitter Archiving Google Sheet) CSV export",
    read=read,
    sniff=sniff,
)
