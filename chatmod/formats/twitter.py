"""Provides what the four Twitter readers share: timestamps, ids, unescaping and entities."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from chatmod.core.extract import extract_hashtags, extract_mentions
from chatmod.core.models import Mention
from chatmod.formats.base import nonblank

__all__ = [
    "is_tweet_id",
    "optional_id",
    "parse_iso_time",
    "parse_v1_time",
    "permalink",
    "retweeted_handle",
    "snowflake_time",
    "text_entities",
    "tweet_id",
    "unescape",
    "v1_entities",
]

TWITTER_EPOCH_MS = 1288834974657

# Sequential (pre-snowflake) ids end near 3e10; an id whose time part is under an hour after
# the epoch is one of those, or a spreadsheet's rounding, not a time we can trust.
_MIN_SNOWFLAKE = (3_600_000 << 22)
_MAX_SNOWFLAKE = 1 << 63

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_ZONES: dict[str, timezone] = {"+0000": UTC}

# Twitter escapes only & < > in text; one pass, so "&amp;lt;" correctly becomes "&lt;".
_ENTITY = re.compile(r"&(amp|lt|gt|quot|#39|apos);")
_ENTITY_CHARS = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "#39": "'", "apos": "'"}
_RETWEET = re.compile(r"RT @([A-Za-z0-9_]{1,20}):")


def parse_v1_time(value: object) -> datetime | None:
    """``Wed Oct 10 20:19:24 +0000 2018`` as an aware datetime, or None if it is not one.

    Hand-rolled because strptime is locale-dependent and several times slower.
    """
    if not isinstance(value, str):
        return None
    parts = value.split()
    if len(parts) != 6:
        return None
    _, month_name, day, clock, offset, year = parts
    month = _MONTHS.get(month_name)
    hms = clock.split(":")
    if month is None or len(hms) != 3 or not (year + day + "".join(hms)).isdigit():
        return None
    zone = _ZONES.get(offset)
    try:
        if zone is None:
            zone = _zone(offset)
        return datetime(int(year), month, int(day), int(hms[0]), int(hms[1]), int(hms[2]),
                        tzinfo=zone)
    except ValueError:
        return None


def _zone(offset: str) -> timezone:
    if len(offset) != 5 or offset[0] not in "+-" or not offset[1:].isdigit():
        raise ValueError(offset)
    minutes = int(offset[1:3]) * 60 + int(offset[3:5])
    zone = timezone(timedelta(minutes=-minutes if offset[0] == "-" else minutes))
    if len(_ZONES) < 64:
        _ZONES[offset] = zone
    return zone


def parse_iso_time(value: object) -> datetime | None:
    """An ISO 8601 timestamp (``2020-09-18T18:36:15.000Z``), or None. May be naive."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def is_tweet_id(value: object) -> bool:
    """Whether ``value`` is a tweet or user id as Twitter writes it: ASCII digits."""
    return isinstance(value, str) and 0 < len(value) <= 20 and value.isascii() and value.isdigit()


def optional_id(value: object) -> str | None:
    """``value`` if it is a well-formed id, else None (for links that may be mangled)."""
    return value if isinstance(value, str) and is_tweet_id(value) else None


def tweet_id(record: dict[str, Any], key: str = "id") -> str | None:
    """``record[key + "_str"]``, else ``str(record[key])`` when that is an int, else None."""
    value = record.get(key + "_str")
    if isinstance(value, str):
        return value
    value = record.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value
    return None


def snowflake_time(value: str) -> datetime | None:
    """The exact UTC time encoded in a snowflake tweet id, or None if it is not one."""
    if not is_tweet_id(value):
        return None
    number = int(value)
    if not _MIN_SNOWFLAKE <= number < _MAX_SNOWFLAKE:
        return None
    ms = (number >> 22) + TWITTER_EPOCH_MS
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def unescape(text: str) -> str:
    """Undo the HTML escaping Twitter applies to tweet text (``&amp; &lt; &gt;``)."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda m: _ENTITY_CHARS[m.group(1)], text)


def permalink(handle: str | None, status_id: str) -> str:
    """The tweet's web address (``i/web`` when the author's handle is unknown)."""
    return f"https://twitter.com/{(handle or 'i/web').lstrip('@')}/status/{status_id}"


def retweeted_handle(text: str) -> str | None:
    """The handle in a retweet's ``RT @handle:`` prefix, or None."""
    if not text.startswith("RT @"):
        return None
    m = _RETWEET.match(text)
    return m.group(1) if m else None


def text_entities(text: str) -> tuple[tuple[Mention, ...], tuple[str, ...]]:
    """Mentions and hashtags found in plain text by the twitter-text rules."""
    mentions = tuple(Mention(handle=e.value) for e in extract_mentions(text))
    return mentions, tuple(e.value for e in extract_hashtags(text))


def v1_entities(entities: object) -> tuple[tuple[Mention, ...], tuple[str, ...]] | None:
    """Mentions and hashtags from a v1.1 ``entities`` object; None if there is none."""
    if not isinstance(entities, dict):
        return None
    mentions: list[Mention] = []
    hashtags: list[str] = []
    user_mentions = entities.get("user_mentions")
    if isinstance(user_mentions, list):
        for item in user_mentions:
            if isinstance(item, dict) and (handle := nonblank(item.get("screen_name"))):
                mentions.append(Mention(handle=handle, id=tweet_id(item)))
    tags = entities.get("hashtags")
    if isinstance(tags, list):
        for item in tags:
            if isinstance(item, dict) and isinstance(tag := item.get("text"), str) and tag:
                hashtags.append(tag)
    return tuple(mentions), tuple(hashtags)
