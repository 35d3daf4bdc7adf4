"""Provides the reader for the Google-Sheet archiver CSV (a title row, then a header row).

Columns are read by position: the header repeats ``Location``. ``Date`` is local time with
no zone, so the exact UTC time comes from the snowflake Tweet ID, and a row whose id is not a
snowflake is rejected. The format has no reply ids (a reply shows only as a leading @-block,
which the engine infers from) and no entities, so mentions and hashtags come from the text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from chatmod.core.models import Network, Rejected
from chatmod.formats.base import CONVERSION_ERRORS, Item, ReaderSpec, build, csv_rows, reject
from chatmod.formats.twitter import permalink, snowflake_time, text_entities, unescape

__all__ = ["HEADER", "SPEC", "read"]

HEADER = ("Date", "Screen Name", "Full Name", "Tweet Text", "Tweet ID")
"""The first five header cells, which are all the reader uses."""
_SCREEN_NAME, _FULL_NAME, _TEXT, _TWEET_ID = 1, 2, 3, 4
_TITLE = "Twitter Query:"


def read(stream: TextIO, source: str) -> Iterator[Item]:
    """Yield one item per tweet row; title and header rows are skipped wherever they are."""
    for record in csv_rows(stream, source):
        if isinstance(record, Rejected):
            yield record
            continue
        line, row = record
        if tuple(row[:5]) == HEADER or (len(row) > 1 and row[1].startswith(_TITLE)):
            continue
        try:
            yield _convert(row, source, line)
        except CONVERSION_ERRORS as error:
            yield reject(row, f"unreadable row ({type(error).__name__})", source, line)


def _convert(row: list[str], source: str, line: int) -> Item:
    if len(row) < 5:
        return reject(row, f"row has {len(row)} columns, expected at least 5", source, line)
    status_id = row[_TWEET_ID].strip()
    created_at = snowflake_time(status_id)
    if created_at is None:
        return reject(
            row, f"Tweet ID {status_id[:30]!r} is not a snowflake id (the time comes from it)",
            source, line,
        )
    handle = row[_SCREEN_NAME].strip().lstrip("@")
    if not handle:
        return reject(row, "missing Screen Name", source, line)
    text = unescape(row[_TEXT])
    mentions, hashtags = text_entities(text)
    return build(
        {
            "network": Network.TWITTER,
            "id": status_id,
            "author": handle,
            "display_name": row[_FULL_NAME].strip() or None,
            "created_at": created_at,
            "text": text,
            "mentions": mentions,
            "hashtags": hashtags,
            "url": permalink(handle, status_id),
            "raw": row,
        },
        source,
        line,
    )


def sniff(sample: str) -> bool:
    """A ``Twitter Query:`` title row, or the header row itself, comes first."""
    first = sample.lstrip("\ufeff").split("\n", 1)[0]
    return _TITLE in first or first.startswith(",".join(HEADER))


SPEC = ReaderSpec(
    name="sheet",
    description="Google-Sheet archiver CSV (title row, Date/Screen Name/... header; times from ids)",
    read=read,
    sniff=sniff,
)
